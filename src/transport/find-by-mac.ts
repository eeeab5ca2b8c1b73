/**
 * Finds a device by its MAC with UDP discovery (SMART 20002 and Kasa legacy 9999): how a
 * device that changed address is followed, and how a `host` given as a MAC is resolved
 * (docs/protocols/discovery.md §5). The caller chooses the targets, as with discover().
 */
import { type DiscoveredDevice, discover } from './discovery';
import { normaliseMac } from './mac';

export interface FindByMacOptions {
  /** Where the queries go (unicast, directed broadcast, 255.255.255.255); see discover(). */
  targets: readonly string[];
  /** UDP port of the keyed query; default 20002. */
  port?: number;
  /** UDP port of Kasa's legacy query; default 9999, null leaves legacy devices out. */
  legacyPort?: number | null;
  /** Longest search; it ends as soon as the device answers. Default 3000 ms. */
  timeoutMs?: number;
}

/** The device whose MAC is `mac` (any notation), or null when it did not answer. */
export async function findByMac(
  mac: string,
  options: FindByMacOptions,
): Promise<DiscoveredDevice | null> {
  const wanted = normaliseMac(mac);
  if (!wanted || options.targets.length === 0) return null;
  const matches = (device: DiscoveredDevice): boolean => normaliseMac(device.mac) === wanted;
  const devices = await discover({
    targets: options.targets,
    port: options.port,
    legacyPort: options.legacyPort,
    timeoutMs: options.timeoutMs ?? 3000,
    rounds: 3,
    stopWhen: matches,
  });
  return devices.find(matches) ?? null;
}
