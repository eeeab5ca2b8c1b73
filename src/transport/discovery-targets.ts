/**
 * Where a search goes when the user names no address: the limited broadcast and the directed
 * broadcast of every IPv4 network this host is on. Used by the editor's Search and the CLI;
 * never by tests, which always name 127.0.0.1.
 */
import * as os from 'node:os';

const LIMITED_BROADCAST = '255.255.255.255';

function ipv4ToInt(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The directed broadcast of an interface (192.168.1.20/255.255.255.0 → 192.168.1.255). */
export function directedBroadcast(address: string, netmask: string): string | null {
  const ip = ipv4ToInt(address);
  const mask = ipv4ToInt(netmask);
  // /31 and /32 have no broadcast address.
  if (ip === null || mask === null || mask >= 0xfffffffe) return null;
  return intToIpv4(((ip & mask) | (~mask >>> 0)) >>> 0);
}

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** 255.255.255.255, then each non-internal IPv4 interface's directed broadcast, no repeats. */
export function defaultDiscoveryTargets(interfaces: Interfaces = os.networkInterfaces()): string[] {
  const targets = new Set<string>([LIMITED_BROADCAST]);
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      // Node 18.0–18.3 reported family as the number 4.
      const v4 = info.family === 'IPv4' || (info.family as unknown) === 4;
      if (!v4 || info.internal) continue;
      const broadcast = directedBroadcast(info.address, info.netmask);
      if (broadcast) targets.add(broadcast);
    }
  }
  return [...targets];
}

/** Orders found devices by address, then port (numerically, not as text). */
export function byAddress(
  a: { host: string; port: number },
  b: { host: string; port: number },
): number {
  const [x, y] = [ipv4ToInt(a.host) ?? 0, ipv4ToInt(b.host) ?? 0];
  return x - y || a.port - b.port;
}

/** Widest network expanded into unicast targets: a /24 is 254 hosts, a /16 would be 65,534. */
const MIN_PREFIX = 22;

/**
 * Expands "a.b.c.d/nn" (nn from 22 to 32) into one target per host address, for networks that
 * broadcasts do not reach (Docker bridges, VLANs); anything else is passed through unchanged.
 * An optional ":port" after the prefix applies to every host. Null when a range is malformed
 * or wider than a /22.
 */
export function expandTargets(values: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const value of values) {
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})(:\d{1,5})?$/.exec(value.trim());
    if (!match) {
      out.push(value);
      continue;
    }
    const base = ipv4ToInt(match[1] as string);
    const prefix = Number(match[2]);
    if (base === null || prefix < MIN_PREFIX || prefix > 32) return null;
    const size = 2 ** (32 - prefix);
    const network = base - (base % size);
    // Network and broadcast addresses are not hosts (except in /31 and /32).
    const [first, last] =
      size <= 2 ? [network, network + size - 1] : [network + 1, network + size - 2];
    for (let ip = first; ip <= last; ip++) out.push(`${intToIpv4(ip)}${match[3] ?? ''}`);
  }
  return out;
}
