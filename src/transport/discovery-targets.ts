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
