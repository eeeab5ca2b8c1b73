/**
 * How a device's state and failures look to the nodes: the node status (ring or dot, short
 * text), the error codes behind a red ring, and the snapshot that decides whether a state
 * "changed" for a status node. Pure functions; the hub and the nodes share them.
 */
import type { LampState } from '../../device/types';

export type StatusFill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';

export interface DeviceStatus {
  fill?: StatusFill;
  shape?: 'ring' | 'dot';
  text?: string;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/**
 * A state as the hub reports it to its users: a full LampState, or, for a device unreachable
 * since deploy, the minimal `{ online: false, on: false }` (nothing else is known).
 */
export type ReportedState = Pick<LampState, 'on' | 'online'> & Partial<LampState>;

export function isFullState(state: ReportedState): state is LampState {
  return typeof state.model === 'string' && typeof state.alias === 'string' && !!state.type;
}

/** Error code → the klap-device.status.* key of its short text. */
const STATUS_KEYS: Record<string, string> = {
  UNREACHABLE: 'offline',
  TIMEOUT: 'timeout',
  AUTH_FAILED: 'authFailed',
  THIRD_PARTY_DISABLED: 'thirdParty',
  NOT_KLAP: 'notKlap',
  WRONG_PROTOCOL: 'wrongProtocol',
  UNSUPPORTED_PROTOCOL: 'unsupportedProtocol',
  HANDSHAKE_FAILED: 'handshakeFailed',
  SESSION_EXPIRED: 'sessionExpired',
  INTEGRITY: 'integrity',
  MALFORMED: 'malformed',
  DEVICE_ERROR: 'deviceError',
  INVALID_COMMAND: 'invalidCommand',
  UNSUPPORTED: 'unsupported',
  CLOSED: 'closed',
  NO_HOST: 'noHost',
};

/** The `code` of a LampError (or any error carrying a string code), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The red ring for an error of this device. */
export function errorStatus(t: Translate, err: unknown): DeviceStatus {
  const key = STATUS_KEYS[errorCode(err) ?? ''] ?? 'error';
  return { fill: 'red', shape: 'ring', text: t(`klap-device.status.${key}`) };
}

/** "off", "on · 80 %", "on · 12.5 W" or "on". */
export function stateStatus(t: Translate, state: ReportedState): DeviceStatus {
  if (!state.on) return { fill: 'grey', shape: 'ring', text: t('klap-device.status.off') };
  if (typeof state.brightness === 'number') {
    return {
      fill: 'green',
      shape: 'dot',
      text: t('klap-device.status.onBrightness', { brightness: state.brightness }),
    };
  }
  if (typeof state.power === 'number') {
    return {
      fill: 'green',
      shape: 'dot',
      text: t('klap-device.status.onPower', { power: Math.round(state.power * 10) / 10 }),
    };
  }
  return { fill: 'green', shape: 'dot', text: t('klap-device.status.on') };
}

export function sameStatus(a: DeviceStatus, b: DeviceStatus): boolean {
  return a.fill === b.fill && a.shape === b.shape && a.text === b.text;
}

/** Whether two states (plain data: numbers, strings, objects, arrays) are equal throughout. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  // for…in rather than Object.keys: a poll compares a state this way, and builds no arrays.
  let keys = 0;
  for (const key in a) {
    if (!(key in b)) return false;
    if (!sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) {
      return false;
    }
    keys += 1;
  }
  for (const _ in b) keys -= 1;
  return keys === 0;
}

/** Fields compared to decide whether a state "changed"; order fixed so snapshots compare. */
const STATE_KEYS: (keyof LampState)[] = [
  'online',
  'on',
  'brightness',
  'hue',
  'saturation',
  'colorTemp',
  'color',
  'effect',
  'power',
  'energyToday',
  // Settings and the month's energy change rarely; voltage, current and rssi jitter with every
  // reading, so they ride along in the state without making it "changed".
  'energyMonth',
  'presets',
  'autoOff',
  'led',
  'fade',
  'autoUpdate',
  'alias',
  'model',
  'type',
  'firmware',
  'outlet',
  'parent',
  'outlets',
];

/** A string that is equal for two states exactly when a user would see no difference. */
export function stateSnapshot(state: ReportedState): string {
  return JSON.stringify(
    STATE_KEYS.map((key) => {
      const value = state[key];
      // Energy plugs report power in mW steps that jitter between polls: whole watts matter.
      if (key === 'power' && typeof value === 'number') return Math.round(value);
      if (key === 'outlets' && state.outlets) {
        return state.outlets.map((o) => ({
          ...o,
          power: o.power === undefined ? null : Math.round(o.power),
        }));
      }
      return value ?? null;
    }),
  );
}
