/**
 * Facts about Kasa IOT devices that their sysinfo does not state: how to tell the classes apart,
 * the white range of each tunable bulb, and which built-in effects the light strips have.
 */

/** The classes of Kasa IOT device, by what they report in sysinfo. */
export type IotClass = 'bulb' | 'lightstrip' | 'dimmer' | 'strip' | 'plug';

/**
 * Bulbs say SMARTBULB (in mic_type, or type on older firmware), light strips add `length`;
 * among SMARTPLUGSWITCH devices, strips of outlets list `children` and dimmers name themselves
 * in dev_name ("Wi-Fi Smart Dimmer", "Kasa Smart Wi-Fi Outdoor Plug-In Dimmer").
 */
export function iotClass(sysinfo: Record<string, unknown>): IotClass {
  const type = String(sysinfo.type ?? sysinfo.mic_type ?? '').toUpperCase();
  if (type.includes('BULB') || type.includes('LIGHTSTRIP')) {
    return type.includes('LIGHTSTRIP') || typeof sysinfo.length === 'number'
      ? 'lightstrip'
      : 'bulb';
  }
  if (Array.isArray(sysinfo.children)) return 'strip';
  if (String(sysinfo.dev_name ?? '').includes('Dimmer')) return 'dimmer';
  return 'plug';
}

export interface KelvinRange {
  min: number;
  max: number;
}

/**
 * IOT bulbs do not report their white range; these are the ranges of the Kasa app, by model
 * (first match wins, so KL120(US) comes before the other KL120s).
 */
const KELVIN_RANGES: ReadonlyArray<[RegExp, KelvinRange]> = [
  [/^KL120\(US\)/, { min: 2700, max: 5000 }],
  [/^(KL120|LB120)/, { min: 2700, max: 6500 }],
  [/^KL125/, { min: 2500, max: 6500 }],
  [/^(KL130|KL135|KL400|KL430|LB130|LB230|KB130)/, { min: 2500, max: 9000 }],
];

/** Used for a tunable model missing from the table. */
const FALLBACK_KELVIN: KelvinRange = { min: 2700, max: 6500 };

export function iotKelvinRange(model: string): KelvinRange {
  for (const [pattern, range] of KELVIN_RANGES) if (pattern.test(model)) return { ...range };
  return { ...FALLBACK_KELVIN };
}

/**
 * The built-in effects of Kasa light strips (KL400, KL420, KL430): the Tapo strips' set without
 * the three Tapo added later (Grandma's Christmas Lights, Sunrise, Sunset).
 */
export const IOT_STRIP_EFFECT_NAMES: readonly string[] = [
  'Aurora',
  'Bubbling Cauldron',
  'Candy Cane',
  'Christmas',
  'Flicker',
  'Hanukkah',
  'Haunted Mansion',
  'Icicle',
  'Lightning',
  'Ocean',
  'Rainbow',
  'Raindrop',
  'Spring',
  'Valentines',
];

/** Where each class keeps its energy meter (plugs: `emeter`; lamps: their own module). */
export function iotMeterModule(kind: IotClass): string {
  return kind === 'bulb' || kind === 'lightstrip' ? 'smartlife.iot.common.emeter' : 'emeter';
}
