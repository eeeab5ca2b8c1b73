/**
 * Versioned settings of a saved `klap-device`, so flows saved by any earlier release deploy
 * unchanged. Each step turns version N into N+1 and nothing else; `migrate` runs the steps a
 * saved config needs, in order. A new release that changes the settings adds one step and
 * bumps CONFIG_VERSION; it never edits an old step.
 */
import { PROTOCOL_CHOICES, type ProtocolChoice } from '../../transport/factory';

/** The settings version this release writes (the `version` property). */
export const CONFIG_VERSION = 1;

/** The settings as saved in a flow: anything may be missing or of the wrong type. */
export interface SavedDeviceConfig {
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
  timeout?: unknown;
  version?: unknown;
}

/** The settings the runtime uses. */
export interface DeviceSettings {
  host: string;
  /** Undefined: the protocol's default port (80, 443 for sslaes, 9999 for legacy). */
  port: number | undefined;
  protocol: ProtocolChoice;
  version: number;
}

type Step = (config: SavedDeviceConfig) => SavedDeviceConfig;

/**
 * STEPS[n] migrates version n to n+1.
 * 0 → 1: before protocols other than KLAP existed. Those flows always spoke KLAP on the port
 * they saved (80 when blank), and `auto` reaches KLAP devices first, so they get `auto` and keep
 * their port exactly: a KLAP device behaves as before, and a device whose firmware changed
 * protocol since now works too.
 */
const STEPS: readonly Step[] = [
  (config) => ({ ...config, protocol: 'auto', port: isBlank(config.port) ? 80 : config.port }),
];

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

function savedVersion(config: SavedDeviceConfig): number {
  const n = Number(config.version);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** A TCP port from a saved value; undefined when blank or not a port. */
export function parsePort(value: unknown): number | undefined {
  if (isBlank(value)) return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

export function parseProtocol(value: unknown): ProtocolChoice | undefined {
  return PROTOCOL_CHOICES.find((choice) => choice === value);
}

/** Brings a saved config to CONFIG_VERSION and reads it. Unknown values fall back to defaults. */
export function migrate(saved: SavedDeviceConfig): DeviceSettings {
  let config = { ...saved };
  for (let version = savedVersion(saved); version < CONFIG_VERSION; version++) {
    const step = STEPS[version];
    if (step) config = step(config);
  }
  return {
    host: typeof config.host === 'string' ? config.host.trim() : '',
    port: parsePort(config.port),
    protocol: parseProtocol(config.protocol) ?? 'auto',
    version: CONFIG_VERSION,
  };
}
