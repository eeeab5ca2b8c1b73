/**
 * The hub part of the msg.payload grammar: `{ alarm }` for the hub's siren and
 * `{ targetTemperature }` for a radiator valve, parsed with the rest of a payload; and the check
 * of a command addressed to one hub child against what that child's kind takes
 * (docs/protocols/hubs.md §4, §6). Refusals name the property and the child's model.
 */
import { UnsupportedFeatureError } from '../../transport/errors';
import { invalid, isPlainObject, wholeNumberIn } from '../grammar-values';
import type { AlarmCommand, AlarmVolume, HubChild, LampCommand } from '../types';
import { targetRange } from './child-record';

export const HUB_PROPERTIES = ['alarm', 'targetTemperature'] as const;

const VOLUMES: readonly AlarmVolume[] = ['mute', 'low', 'normal', 'high'];
/** The siren's duration range in seconds (python-kasa's Alarm module allows 1–600). */
export const ALARM_DURATION = { min: 1, max: 600 };
/** Targets outside this are typos, whatever the valve's own range. */
const TARGET_LIMITS = { min: -40, max: 60 };

function parseAlarm(value: unknown): AlarmCommand {
  if (typeof value === 'boolean') return { play: value };
  const usage =
    'alarm must be true (sound the siren), false (stop it) or { sound?, volume?, duration? }';
  if (!isPlainObject(value)) throw invalid('alarm', `${usage} (got ${JSON.stringify(value)})`);
  const unknown = Object.keys(value).filter((k) => !['sound', 'volume', 'duration'].includes(k));
  if (unknown.length > 0) {
    throw invalid('alarm', `${usage}; unknown key ${JSON.stringify(unknown[0]?.slice(0, 40))}`);
  }
  const alarm: AlarmCommand = { play: true };
  if (value.sound !== undefined) {
    if (typeof value.sound !== 'string' || value.sound.trim() === '') {
      throw invalid(
        'alarm.sound',
        "alarm.sound must be the name of one of the hub's sounds (see alarmSounds)",
      );
    }
    alarm.sound = value.sound.trim();
  }
  if (value.volume !== undefined) {
    const volume = typeof value.volume === 'string' ? value.volume.trim().toLowerCase() : '';
    if (!(VOLUMES as readonly string[]).includes(volume)) {
      throw invalid(
        'alarm.volume',
        `alarm.volume must be one of ${VOLUMES.join(', ')} (got ${JSON.stringify(value.volume)})`,
      );
    }
    alarm.volume = volume as AlarmVolume;
  }
  if (value.duration !== undefined) {
    alarm.duration = wholeNumberIn(
      'alarm.duration',
      value.duration,
      ALARM_DURATION.min,
      ALARM_DURATION.max,
    );
  }
  return alarm;
}

/** Reads `alarm` and `targetTemperature` from a payload object into `command`. */
export function parseHubCommand(input: Record<string, unknown>, command: LampCommand): void {
  if (input.alarm !== undefined) command.alarm = parseAlarm(input.alarm);
  if (input.targetTemperature !== undefined) {
    const target = input.targetTemperature;
    if (
      typeof target !== 'number' ||
      !Number.isFinite(target) ||
      target < TARGET_LIMITS.min ||
      target > TARGET_LIMITS.max
    ) {
      throw invalid(
        'targetTemperature',
        `targetTemperature must be a temperature in °C, e.g. 21.5 (got ${JSON.stringify(target)})`,
      );
    }
    // Valves take half degrees; tenths are as fine as any reports.
    command.targetTemperature = Math.round(target * 10) / 10;
  }
}

/** The properties a command sets, as the payload named them (a toggle is `on`). */
export function commandProperties(command: LampCommand): string[] {
  const properties = Object.entries(command)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => (key === 'toggle' ? 'on' : key));
  return [...new Set(properties)];
}

/** What each child kind takes besides nothing at all. */
const CHILD_PROPERTIES: Readonly<Partial<Record<HubChild['kind'], readonly string[]>>> = {
  switch: ['on'],
  thermostat: ['on', 'targetTemperature'],
};

/**
 * Refuses, before anything is sent, a command the child cannot take: sensors, buttons and dials
 * take none, switches `on`/toggle, valves `on`/toggle and `targetTemperature` within `range`.
 */
export function checkChildCommand(
  command: LampCommand,
  child: HubChild,
  range?: { min: number; max: number },
): void {
  const allowed = CHILD_PROPERTIES[child.kind] ?? [];
  const name = `this ${child.model || 'child'} (${child.kind}${child.alias ? ` "${child.alias}"` : ''})`;
  for (const property of commandProperties(command)) {
    if (allowed.includes(property)) continue;
    const takes =
      allowed.length === 0
        ? 'it takes no commands (its state and events are read only)'
        : `it takes ${allowed.join(' and ')}`;
    throw new UnsupportedFeatureError(property, `${name} has no ${property}; ${takes}`);
  }
  if (command.targetTemperature !== undefined && range) {
    if (command.targetTemperature < range.min || command.targetTemperature > range.max) {
      throw invalid(
        'targetTemperature',
        `targetTemperature must be between ${range.min} and ${range.max} °C on ${name} (got ${command.targetTemperature})`,
      );
    }
  }
}

/**
 * The device-level check of the hub properties: `alarm` only where there is a siren (and a
 * sound it offers), `targetTemperature` never (it is a child valve's).
 */
export function checkHubProperties(
  command: LampCommand,
  device: { alarm?: boolean; model: string; sounds?: readonly string[] },
): void {
  const name = `this ${device.model || 'device'}`;
  if (command.targetTemperature !== undefined) {
    throw new UnsupportedFeatureError(
      'targetTemperature',
      `${name} has no thermostat; targetTemperature is for a radiator valve paired to a hub: set child to the valve`,
    );
  }
  if (command.alarm === undefined) return;
  if (!device.alarm) {
    throw new UnsupportedFeatureError('alarm', `${name} has no siren (alarm is for hubs)`);
  }
  const sound = command.alarm.sound;
  if (sound !== undefined && device.sounds && device.sounds.length > 0) {
    const match = device.sounds.find((s) => s.toLowerCase() === sound.toLowerCase());
    if (!match) {
      throw invalid(
        'alarm.sound',
        `alarm.sound must be one of the sounds of ${name}: ${device.sounds.join(', ')} (got ${JSON.stringify(sound.slice(0, 40))})`,
      );
    }
    command.alarm.sound = match;
  }
}

/**
 * The set_device_info a child takes for a command (the same on an H100 and an H200, which only
 * wrap it differently), checked first against what the child's kind takes.
 */
export function childSetRequest(
  command: LampCommand,
  child: HubChild,
  record: Record<string, unknown>,
): { method: string; params: Record<string, unknown> } {
  checkChildCommand(command, child, child.kind === 'thermostat' ? targetRange(record) : undefined);
  const params: Record<string, unknown> = {};
  const on = command.toggle ? child.on !== true : command.on;
  if (child.kind === 'switch') {
    params.device_on = on ?? true;
  } else {
    // A valve is "off" in frost protection; a new target takes it out of it, as the app does.
    if (command.targetTemperature !== undefined) {
      params.target_temp = deviceUnit(record, command.targetTemperature);
      params.frost_protection_on = on === false;
    } else if (on !== undefined) {
      params.frost_protection_on = !on;
    }
  }
  return { method: 'set_device_info', params };
}

/** °C → the unit the valve works in. */
function deviceUnit(record: Record<string, unknown>, celsius: number): number {
  if (record.temp_unit !== 'fahrenheit') return celsius;
  return Math.round((celsius * 9) / 5 + 32);
}
