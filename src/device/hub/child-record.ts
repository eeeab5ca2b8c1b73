/**
 * A hub's child record (one entry of get_child_device_list) → the HubChild state object: kind
 * from the category, the keys of its kind, battery, signal and whether the hub reports it
 * online (docs/protocols/hubs.md §2, §4).
 */
import { decodeNickname, modelWithoutRegion } from '../state';
import type { ChildKind, HubChild } from '../types';

type Info = Record<string, unknown>;

/** Category prefixes as hubs report them, and the kind each one is. */
const KIND_BY_CATEGORY: readonly [string, ChildKind][] = [
  ['subg.trigger.button', 'button'],
  ['subg.trigger.motion-sensor', 'motion'],
  ['subg.trigger.contact-sensor', 'contact'],
  ['subg.trigger.water-leak-sensor', 'leak'],
  ['subg.trigger.temp-hmdt-sensor', 'climate'],
  ['subg.plugswitch', 'switch'],
  ['subg.trv', 'thermostat'],
];

/** Models whose button is a dial (the S200D shares the S200B's category). */
const DIALS: ReadonlySet<string> = new Set(['S200D']);

export function childKind(record: Info): ChildKind {
  const model = modelWithoutRegion(record.model);
  const category = typeof record.category === 'string' ? record.category : '';
  const found = KIND_BY_CATEGORY.find(([prefix]) => category.startsWith(prefix));
  if (found?.[1] === 'button' && DIALS.has(model)) return 'dial';
  return found?.[1] ?? 'other';
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** °C, whatever unit the child reports in (temp_unit "fahrenheit" is converted). */
function celsius(record: Info, value: unknown): number | undefined {
  const reading = num(value);
  if (reading === undefined) return undefined;
  if (record.temp_unit !== 'fahrenheit') return reading;
  return Math.round((((reading - 32) * 5) / 9) * 10) / 10;
}

/** trv_states as the app names the valve's mode; frost protection alone is "off". */
const MODES: ReadonlyMap<string, string> = new Map([
  ['heating', 'heating'],
  ['progress_calibration', 'calibrating'],
  ['hold_on', 'hold'],
  ['off', 'off'],
  ['shutdown', 'shutdown'],
]);

function thermostatMode(record: Info): string {
  if (record.frost_protection_on === true) return 'off';
  const states = Array.isArray(record.trv_states)
    ? record.trv_states.filter((s): s is string => typeof s === 'string' && s !== 'low_battery')
    : [];
  const first = states[0];
  return first === undefined ? 'idle' : (MODES.get(first) ?? first);
}

/** The id of a child record ('' when the hub sent none). */
export function childId(record: Info): string {
  return typeof record.device_id === 'string' ? record.device_id : '';
}

export function hubChild(record: Info): HubChild {
  if (record.category === 'camera') return cameraChild(record);
  const kind = childKind(record);
  const child: HubChild = {
    id: childId(record),
    alias: decodeNickname(record.nickname),
    model: modelWithoutRegion(record.model),
    kind,
    // Only "online" is known; a record without status is taken as online.
    online: record.status === undefined || record.status === 'online',
  };
  // Sensors, buttons and valves say at_low_battery, wall switches is_low.
  const low = record.at_low_battery ?? record.is_low;
  if (typeof low === 'boolean') child.batteryLow = low;
  const battery = num(record.battery_percentage);
  if (battery !== undefined) child.battery = battery;
  const rssi = num(record.rssi);
  if (rssi !== undefined) child.rssi = rssi;
  switch (kind) {
    case 'switch':
      child.on = record.device_on === true;
      break;
    case 'motion':
      child.motion = record.detected === true;
      break;
    case 'contact':
      child.open = record.open === true;
      break;
    case 'leak':
      child.leak =
        typeof record.water_leak_status === 'string'
          ? record.water_leak_status === 'water_leak'
          : record.in_alarm === true;
      break;
    case 'climate': {
      const temperature = celsius(record, record.current_temp);
      if (temperature !== undefined) child.temperature = temperature;
      const humidity = num(record.current_humidity);
      if (humidity !== undefined) child.humidity = humidity;
      break;
    }
    case 'thermostat': {
      child.on = record.frost_protection_on !== true;
      const temperature = celsius(record, record.current_temp);
      if (temperature !== undefined) child.temperature = temperature;
      const target = celsius(record, record.target_temp);
      if (target !== undefined) child.targetTemperature = target;
      child.mode = thermostatMode(record);
      break;
    }
  }
  return child;
}

/**
 * A camera-type child of an H200 (the D230 doorbell): its record is the camera's own shape
 * (alias in plain text, device_model, battery_percent, online) and it takes no commands.
 */
function cameraChild(record: Info): HubChild {
  const child: HubChild = {
    id: childId(record),
    alias: typeof record.alias === 'string' ? record.alias : '',
    model: modelWithoutRegion(record.device_model),
    kind: 'camera',
    online: record.online === undefined || record.online === true,
  };
  if (typeof record.low_battery === 'boolean') child.batteryLow = record.low_battery;
  const battery = num(record.battery_percent);
  if (battery !== undefined) child.battery = battery;
  const rssi = num(record.rssi);
  if (rssi !== undefined) child.rssi = rssi;
  return child;
}

/** A thermostat's target range in °C (min_control_temp…max_control_temp; 5–30 when unsaid). */
export function targetRange(record: Info): { min: number; max: number } {
  return {
    min: celsius(record, record.min_control_temp) ?? 5,
    max: celsius(record, record.max_control_temp) ?? 30,
  };
}
