/**
 * What a device can do, worked out from what it reports about itself: SMART devices list their
 * components (component_nego) and describe themselves (get_device_info); IOT devices put flags
 * in get_sysinfo. Commands are validated against the result before anything is sent.
 */
import { BULB_EFFECTS, STRIP_EFFECTS } from './effects';
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

/** The kind, following python-kasa's inference order (notes §2.5), narrowed to what we model. */
export function smartKind(components: Set<string>, info: Record<string, unknown>): DeviceKind {
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

export function smartCapabilities(
  components: Set<string>,
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
  };
}

/** IOT bulbs do not report their range; these come from python-kasa's table (notes §2.8). */
const IOT_KELVIN_RANGES: ReadonlyArray<[RegExp, { min: number; max: number }]> = [
  [/^KL120\(US\)/, { min: 2700, max: 5000 }],
  [/^(KL120|LB120)/, { min: 2700, max: 6500 }],
  [/^KL125/, { min: 2500, max: 6500 }],
  [/^(KL130|KL135|KL400|KL430|LB130)/, { min: 2500, max: 9000 }],
];

function iotKelvinRange(model: string): { min: number; max: number } {
  for (const [pattern, range] of IOT_KELVIN_RANGES) if (pattern.test(model)) return range;
  return { min: 2700, max: 6500 };
}

export function iotCapabilities(sysinfo: Record<string, unknown>): Capabilities {
  const type = String(sysinfo.type ?? sysinfo.mic_type ?? '').toUpperCase();
  const model = String(sysinfo.model ?? '');
  if (!type.includes('BULB') && !type.includes('LIGHTSTRIP')) {
    return {
      dialect: 'iot',
      kind: 'plug',
      brightness: false,
      color: false,
      colorTemp: null,
      effects: null,
      transition: false,
      // Kasa energy plugs (feature "TIM:ENE") answer emeter.get_realtime; we do not read it yet.
      energy: false,
    };
  }
  const strip = type.includes('LIGHTSTRIP') || typeof sysinfo.length === 'number';
  return {
    dialect: 'iot',
    kind: strip ? 'strip' : 'bulb',
    brightness: sysinfo.is_dimmable === 1 || sysinfo.is_dimmable === true,
    color: sysinfo.is_color === 1 || sysinfo.is_color === true,
    colorTemp:
      sysinfo.is_variable_color_temp === 1 || sysinfo.is_variable_color_temp === true
        ? iotKelvinRange(model)
        : null,
    effects: null,
    // IOT bulbs take transition_period (ms) on every light-state change.
    transition: true,
    energy: false,
  };
}
