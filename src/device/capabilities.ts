/**
 * What a device can do, worked out from what it reports about itself: SMART devices list their
 * components (component_nego) and describe themselves (get_device_info); IOT devices put flags
 * in get_sysinfo. Commands are validated against the result before anything is sent.
 */
import { BULB_EFFECTS, STRIP_EFFECTS } from './effects';
import { IOT_STRIP_EFFECT_NAMES, iotClass, iotKelvinRange } from './iot-models';
import type { Capabilities, DeviceKind } from './types';

export interface SmartComponent {
  id: string;
  ver_code: number;
}

/** Pull the component ids out of a component_nego result (tolerates a missing list). */
export function componentIds(componentNego: unknown): Set<string> {
  const list = (componentNego as { component_list?: unknown } | undefined)?.component_list;
  const ids = new Set<string>();
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (typeof entry?.id === 'string') ids.add(entry.id);
    }
  }
  return ids;
}

/**
 * Each component's ver_code: some features change shape between versions (on_off_gradually v1
 * is a bare switch, v2+ has durations; energy_monitoring v2 adds the meter's history).
 */
export function componentVersions(componentNego: unknown): Map<string, number> {
  const list = (componentNego as { component_list?: unknown } | undefined)?.component_list;
  const versions = new Map<string, number>();
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (typeof entry?.id !== 'string') continue;
      versions.set(entry.id, typeof entry.ver_code === 'number' ? entry.ver_code : 1);
    }
  }
  return versions;
}

/** A component list: ids alone (version 1 assumed), or ids with their ver_code. */
export type Components = ReadonlySet<string> | ReadonlyMap<string, number>;

function version(components: Components, id: string): number {
  if (!components.has(id)) return 0;
  return components instanceof Map ? (components.get(id) ?? 1) : 1;
}

/**
 * The kind, following python-kasa's inference order (docs/protocols/dialects.md §4), narrowed
 * to what we model.
 */
export function smartKind(components: Components, info: Record<string, unknown>): DeviceKind {
  const type = typeof info.type === 'string' ? info.type.toUpperCase() : '';
  if (type.includes('PLUG') || type.includes('SWITCH')) return 'plug';
  if (components.has('light_strip')) return 'strip';
  if (components.has('brightness')) return 'bulb';
  return 'plug';
}

/** [min, max] from color_temp_range, or null when missing or min = max (fixed white). */
export function tunableRange(range: unknown): { min: number; max: number } | null {
  if (!Array.isArray(range) || range.length !== 2) return null;
  const [min, max] = range;
  if (typeof min !== 'number' || typeof max !== 'number' || !(min < max)) return null;
  return { min, max };
}

/**
 * Gates follow docs/features.md §2: each setting needs its component, and some also a field in
 * get_device_info that shows the firmware really serves it (python-kasa checks the same).
 */
export function smartCapabilities(
  components: Components,
  info: Record<string, unknown>,
): Capabilities {
  const kind = smartKind(components, info);
  // Brightness needs both the component and the field: dimmable plugs list it, some plugs
  // list the component without the field (python-kasa checks both).
  const brightness = components.has('brightness') && typeof info.brightness === 'number';
  let effects: string[] | null = null;
  if (components.has('light_strip_lighting_effect')) effects = STRIP_EFFECTS.map((e) => e.name);
  else if (components.has('light_effect')) effects = BULB_EFFECTS.map((e) => e.name);
  return {
    dialect: 'smart',
    kind,
    brightness,
    color: components.has('color'),
    colorTemp: components.has('color_temperature') ? tunableRange(info.color_temp_range) : null,
    effects,
    // SMART lamps fade only through a global setting (set_on_off_gradually_info), not per call.
    transition: false,
    energy: components.has('energy_monitoring'),
    energyHistory: version(components, 'energy_monitoring') >= 2 ? ['hour', 'day', 'month'] : [],
    presets: components.has('preset') && brightness,
    fade: version(components, 'on_off_gradually') >= 2 && brightness,
    autoOff: components.has('auto_off') && 'auto_off_status' in info,
    led: components.has('led'),
    autoUpdate: version(components, 'firmware') >= 2,
  };
}

const flag = (value: unknown) => value === 1 || value === true;

/**
 * Kasa IOT capabilities from sysinfo: lamps by their is_dimmable / is_color /
 * is_variable_color_temp flags (white ranges from our model table), dimmers by class, energy
 * from the `ENE` feature on plugs (every lamp has a meter).
 */
export function iotCapabilities(sysinfo: Record<string, unknown>): Capabilities {
  const kind = iotClass(sysinfo);
  const model = String(sysinfo.model ?? '');
  // Kasa firmware has no auto-off setting (only one-shot countdown rules) and no auto-update.
  const settings = {
    presets: kind !== 'plug' && kind !== 'strip' && iotPresetEntries(sysinfo).length > 0,
    led: 'led_off' in sysinfo,
    autoOff: false,
    autoUpdate: false,
  };
  if (kind !== 'bulb' && kind !== 'lightstrip') {
    const energy = kind !== 'strip' && String(sysinfo.feature ?? '').includes('ENE');
    return {
      ...settings,
      dialect: 'iot',
      kind: 'plug',
      brightness: kind === 'dimmer',
      color: false,
      colorTemp: null,
      effects: null,
      // Dimmers fade to a brightness over a given time (set_dimmer_transition).
      transition: kind === 'dimmer',
      // A strip's own meter reading is one outlet's; strips get energy with their outlets.
      energy,
      energyHistory: energy ? IOT_HISTORY : [],
      // Dimmers keep fade-on/fade-off times (smartlife.iot.dimmer.get_dimmer_parameters).
      fade: kind === 'dimmer',
    };
  }
  const strip = kind === 'lightstrip';
  return {
    ...settings,
    dialect: 'iot',
    kind: strip ? 'strip' : 'bulb',
    brightness: flag(sysinfo.is_dimmable),
    color: flag(sysinfo.is_color),
    colorTemp: flag(sysinfo.is_variable_color_temp) ? iotKelvinRange(model) : null,
    effects:
      strip && typeof sysinfo.lighting_effect_state === 'object' && sysinfo.lighting_effect_state
        ? [...IOT_STRIP_EFFECT_NAMES]
        : null,
    // Bulbs take transition_period (ms) on every change; strips ignore it.
    transition: !strip,
    energy: true,
    energyHistory: IOT_HISTORY,
    // Kasa lamps fade per command (transition), they keep no fade setting.
    fade: false,
  };
}

/** The beyond-on/off part of a device that has none of it (docs/features.md §2). */
export const NO_SETTINGS: Pick<
  Capabilities,
  'energyHistory' | 'presets' | 'fade' | 'autoOff' | 'led' | 'autoUpdate'
> = {
  energyHistory: [],
  presets: false,
  fade: false,
  autoOff: false,
  led: false,
  autoUpdate: false,
};

/** Kasa meters keep days and months, never hours. */
const IOT_HISTORY: Capabilities['energyHistory'] = ['day', 'month'];

/**
 * sysinfo.preferred_state without the light strips' effect presets (those carry an `id` and
 * no light values).
 */
export function iotPresetEntries(sysinfo: Record<string, unknown>): Record<string, unknown>[] {
  const list = sysinfo.preferred_state;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (entry): entry is Record<string, unknown> =>
      typeof entry === 'object' &&
      entry !== null &&
      !('id' in entry) &&
      typeof (entry as Record<string, unknown>).brightness === 'number',
  );
}
