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
  DEVICE_MISMATCH: 'deviceMismatch',
  BAD_MAC: 'badMac',
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

/** Another app keeps taking the device's session (SessionContestedError). */
export function isContested(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { contested?: unknown }).contested === true
  );
}

/** The red ring for an error of this device. */
export function errorStatus(t: Translate, err: unknown): DeviceStatus {
  const key = isContested(err) ? 'contested' : (STATUS_KEYS[errorCode(err) ?? ''] ?? 'error');
  return { fill: 'red', shape: 'ring', text: t(`klap-device.status.${key}`) };
}

/** The fields of a hub child's state the ring shows (docs/protocols/hubs.md §4). */
interface ChildFields {
  kind?: unknown;
  online?: unknown;
  on?: unknown;
  motion?: unknown;
  open?: unknown;
  leak?: unknown;
  temperature?: unknown;
  humidity?: unknown;
  targetTemperature?: unknown;
  batteryLow?: unknown;
  children?: unknown;
  alarm?: unknown;
}

const num = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isFinite(value)
    ? String(Math.round(value * 10) / 10)
    : undefined;

/**
 * The ring of a device paired to a hub ("motion", "open", "21.5 °C · 40 %", "battery low"),
 * or undefined for anything else.
 */
function childStatus(t: Translate, state: ChildFields): DeviceStatus | undefined {
  if (typeof state.kind !== 'string') return undefined;
  const say = (
    fill: DeviceStatus['fill'],
    shape: DeviceStatus['shape'],
    key: string,
    vars = {},
  ) => ({
    fill,
    shape,
    text: t(`klap-device.status.child.${key}`, vars),
  });
  if (state.online === false) return say('grey', 'ring', 'offline');
  const temperature = num(state.temperature);
  switch (state.kind) {
    case 'motion':
      if (state.motion === true) return say('yellow', 'dot', 'motion');
      break;
    case 'contact':
      if (typeof state.open === 'boolean') {
        return state.open ? say('yellow', 'dot', 'open') : say('green', 'dot', 'closed');
      }
      break;
    case 'leak':
      if (typeof state.leak === 'boolean') {
        return state.leak ? say('red', 'dot', 'leak') : say('green', 'dot', 'dry');
      }
      break;
    case 'climate':
      if (temperature !== undefined) {
        const humidity = num(state.humidity);
        return humidity === undefined
          ? say('green', 'dot', 'temperature', { temperature })
          : say('green', 'dot', 'climate', { temperature, humidity });
      }
      break;
    case 'thermostat': {
      const target = num(state.targetTemperature);
      if (state.on === false) return say('grey', 'ring', 'frost');
      if (temperature !== undefined && target !== undefined) {
        return say('green', 'dot', 'thermostat', { temperature, target });
      }
      break;
    }
    case 'switch':
      if (typeof state.on === 'boolean') {
        return state.on
          ? { fill: 'green', shape: 'dot', text: t('klap-device.status.on') }
          : { fill: 'grey', shape: 'ring', text: t('klap-device.status.off') };
      }
      break;
  }
  if (state.batteryLow === true) return say('yellow', 'ring', 'batteryLow');
  if (state.kind === 'motion') return say('grey', 'ring', 'still');
  return say('green', 'ring', 'ready');
}

/**
 * "off", "on · 80 %", "on · 12.5 W" or "on"; for a hub "6 devices paired" (or "alarm"), for a
 * device paired to one its own reading.
 */
export function stateStatus(t: Translate, state: ReportedState): DeviceStatus {
  const fields = state as ChildFields;
  const child = childStatus(t, fields);
  if (child) return child;
  if (Array.isArray(fields.children)) {
    if (fields.alarm === true) {
      return { fill: 'red', shape: 'dot', text: t('klap-device.status.alarm') };
    }
    return {
      fill: 'green',
      shape: 'dot',
      text: t('klap-device.status.hub', { count: fields.children.length }),
    };
  }
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

/**
 * Fields compared to decide whether a state "changed"; order fixed so snapshots compare. A hub
 * child's keys (docs/protocols/hubs.md §4) are here too: a child's state is not a LampState.
 */
const STATE_KEYS: string[] = [
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
  'segments',
  // Hubs and the devices paired to them; battery % and temperatures move slowly enough.
  'kind',
  'batteryLow',
  'battery',
  'motion',
  'open',
  'leak',
  'temperature',
  'humidity',
  'targetTemperature',
  'mode',
  'children',
  'alarm',
  'alarmSounds',
];

/** A string that is equal for two states exactly when a user would see no difference. */
export function stateSnapshot(state: ReportedState): string {
  return JSON.stringify(
    STATE_KEYS.map((key) => {
      const value = (state as Record<string, unknown>)[key];
      // Energy plugs report power in mW steps that jitter between polls: whole watts matter.
      if (key === 'power' && typeof value === 'number') return Math.round(value);
      if (key === 'children' && Array.isArray(value)) {
        // Each child's radio signal jitters like the hub's own rssi: it alone is no change.
        return value.map((child: Record<string, unknown>) => ({ ...child, rssi: null }));
      }
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
