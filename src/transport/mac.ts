/**
 * MAC addresses as people and devices write them: Tapo's "5C-E9-31-AA-BB-CC", Kasa's
 * "50:C7:BF:AA:BB:CC", a bulb's bare "50C7BFAABBCC", Cisco's "5ce9.31aa.bbcc", any case. One
 * canonical form ("5C:E9:31:AA:BB:CC") makes them comparable (docs/protocols/discovery.md §5).
 */

const SEPARATED = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const DOTTED = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const BARE = /^[0-9a-f]{12}$/i;

/** "AA:BB:CC:DD:EE:FF" for any common notation of a MAC, else null. */
export function normaliseMac(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!(SEPARATED.test(text) || DOTTED.test(text) || BARE.test(text))) return null;
  const hex = text.replace(/[:.-]/g, '').toUpperCase();
  // All zeros or all ones name no device (unset fields, broadcast).
  if (/^0{12}$|^F{12}$/.test(hex)) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

/** Whether `value` is written as a MAC address (so a `host` field means "find it by MAC"). */
export function isMac(value: unknown): boolean {
  return normaliseMac(value) !== null;
}

/** Whether two MACs in any notation name the same device; false when either is not a MAC. */
export function sameMac(a: unknown, b: unknown): boolean {
  const x = normaliseMac(a);
  return x !== null && x === normaliseMac(b);
}

/** The MAC a device reports about itself: SMART get_device_info `mac`, IOT sysinfo `mac`/`mic_mac`. */
export function macOfInfo(info: Record<string, unknown>): string | null {
  return normaliseMac(info.mac) ?? normaliseMac(info.mic_mac);
}

/** The device id a device reports: SMART `device_id`, IOT `deviceId`; "" when missing. */
export function deviceIdOfInfo(info: Record<string, unknown>): string {
  const id = info.device_id ?? info.deviceId;
  return typeof id === 'string' ? id : '';
}
