/**
 * Legacy Kasa models: IOT JSON over the XOR protocol on TCP 9999 (no login). The sysinfo shapes
 * follow public device dumps class by class (which fields a bulb, a light strip, a dimmer or a
 * plug reports, value ranges, which services answer); identifiers and names are our own.
 */
import type { IotModel } from './model-types';

export type LegacyModelName = 'KL130' | 'KL110' | 'KL430' | 'HS103' | 'HS110' | 'HS220';

export const LEGACY_MODEL_NAMES: readonly LegacyModelName[] = [
  'KL130',
  'KL110',
  'KL430',
  'HS103',
  'HS110',
  'HS220',
];

/** 40 upper-case hex characters, stable per seed, so each emulated device has its own id. */
function hexId(seed: string, length = 40): string {
  return Buffer.from(`lamp-control-legacy-${seed}`)
    .toString('hex')
    .slice(-length)
    .toUpperCase()
    .padStart(length, '0');
}

/** A colon MAC (plugs) or a bare one (bulbs' mic_mac), unique per model. */
export function mac(last: number, separator: ':' | ''): string {
  return ['1C', '3B', 'F3', '5A', '6C', last.toString(16).toUpperCase().padStart(2, '0')].join(
    separator,
  );
}

/** deviceId, hwId and oemId of one of our legacy devices. */
export function ids(seed: string): Record<string, unknown> {
  return { deviceId: hexId(seed), hwId: hexId(`${seed}-hw`, 32), oemId: hexId(`${seed}-oem`, 32) };
}

/** Fields every legacy bulb and light strip reports (they have no relay, LED or dev_name). */
function lampInfo(
  model: string,
  alias: string,
  macLast: number,
  description: string,
): Record<string, unknown> {
  return {
    sw_ver: '1.8.11 Build 191113 Rel.105336',
    hw_ver: '1.0',
    model,
    description,
    alias,
    mic_type: 'IOT.SMARTBULB',
    dev_state: 'normal',
    mic_mac: mac(macLast, ''),
    ...ids(model),
    rssi: -55,
    active_mode: 'none',
    ctrl_protocols: { name: 'Linkie', version: '1.0' },
    is_factory: false,
    disco_ver: '1.0',
  };
}

/** Fields every legacy plug, wall switch and dimmer reports. */
function plugInfo(
  model: string,
  alias: string,
  macLast: number,
  devName: string,
): Record<string, unknown> {
  return {
    sw_ver: '1.1.4 Build 210409 Rel.113427',
    hw_ver: '2.1',
    model,
    alias,
    dev_name: devName,
    mic_type: 'IOT.SMARTPLUGSWITCH',
    feature: 'TIM',
    mac: mac(macLast, ':'),
    ...ids(model),
    rssi: -48,
    latitude_i: 0,
    longitude_i: 0,
    icon_hash: '',
    status: 'new',
    updating: 0,
    led_off: 0,
    relay_state: 0,
    on_time: 0,
    active_mode: 'none',
    next_action: { type: -1 },
  };
}

function legacy(
  name: LegacyModelName,
  description: string,
  sysinfo: Record<string, unknown>,
  extra: Partial<IotModel> = {},
): IotModel {
  // klap is unused on the legacy wire; 1 keeps the KLAP emulator usable for experiments.
  return { dialect: 'iot', name, description, klap: 1, protocol: 'legacy', sysinfo, ...extra };
}

/** Colour bulb, 2500–9000 K, off with a blue default (what the app restores on power-on). */
const KL130 = () =>
  legacy(
    'KL130',
    'Kasa colour bulb',
    {
      ...lampInfo('KL130(EU)', 'Reading corner', 0x30, 'Smart Wi-Fi LED Bulb with Color Changing'),
      sw_ver: '1.8.8 Build 190613 Rel.123436',
      heapsize: 302_452,
      is_dimmable: 1,
      is_color: 1,
      is_variable_color_temp: 1,
      light_state: {
        on_off: 0,
        dft_on_state: { mode: 'normal', hue: 240, saturation: 100, color_temp: 0, brightness: 30 },
      },
      preferred_state: [
        { index: 0, hue: 0, saturation: 0, color_temp: 2700, brightness: 50 },
        { index: 1, hue: 0, saturation: 75, color_temp: 0, brightness: 100 },
        { index: 2, hue: 120, saturation: 75, color_temp: 0, brightness: 100 },
        { index: 3, hue: 240, saturation: 75, color_temp: 0, brightness: 100 },
      ],
    },
    // Lamp firmware 1.8 reports power_mw alone.
    { emeter: { style: 'lamp', watts: 10, volts: 0, fields: ['power_mw'] } },
  );

/** Dimmable white bulb: the flags say no colour and no tunable white; color_temp stays 2700. */
const KL110 = () =>
  legacy(
    'KL110',
    'Kasa dimmable white bulb',
    {
      ...lampInfo('KL110(US)', 'Porch light', 0x10, 'Smart Wi-Fi LED Bulb with Dimmable Light'),
      heapsize: 291_620,
      is_dimmable: 1,
      is_color: 0,
      is_variable_color_temp: 0,
      light_state: {
        on_off: 1,
        mode: 'normal',
        hue: 0,
        saturation: 0,
        color_temp: 2700,
        brightness: 95,
      },
      preferred_state: [
        { index: 0, hue: 0, saturation: 0, color_temp: 2700, brightness: 100 },
        { index: 1, hue: 0, saturation: 0, color_temp: 2700, brightness: 75 },
        { index: 2, hue: 0, saturation: 0, color_temp: 2700, brightness: 25 },
        { index: 3, hue: 0, saturation: 0, color_temp: 2700, brightness: 1 },
      ],
    },
    { emeter: { style: 'lamp', watts: 9, volts: 0, fields: ['power_mw'] } },
  );

/** Light strip with 16 zones, tunable white, the built-in effects and newer firmware fields. */
const KL430 = () =>
  legacy(
    'KL430',
    'Kasa light strip',
    {
      ...lampInfo('KL430(US)', 'Shelf strip', 0x43, 'Kasa Smart Light Strip, Multicolor'),
      sw_ver: '1.0.11 Build 220812 Rel.153345',
      hw_ver: '2.0',
      status: 'new',
      latitude_i: 0,
      longitude_i: 0,
      is_dimmable: 1,
      is_color: 1,
      is_variable_color_temp: 1,
      length: 16,
      LEF: 1,
      light_state: {
        on_off: 0,
        dft_on_state: { mode: 'normal', hue: 30, saturation: 100, color_temp: 0, brightness: 50 },
      },
      lighting_effect_state: {
        brightness: 100,
        custom: 0,
        enable: 0,
        id: 'lamp-control-effect-flicker',
        name: 'Flicker',
      },
      preferred_state: [],
    },
    { emeter: { style: 'lamp', watts: 17, volts: 0, fields: ['power_mw', 'total_wh'] } },
  );

/** Plain plug (no meter): the emeter module is unknown to it. */
const HS103 = () =>
  legacy('HS103', 'Kasa plug', plugInfo('HS103(US)', 'Fan plug', 0x03, 'Smart Wi-Fi Plug Lite'));

/**
 * Energy plug, hardware 4.0: its meter answers in integer milli-units (power_mw, voltage_mv,
 * current_ma, total_wh). Hardware 1.0 answers W/V/A/kWh floats; the device supports both styles
 * (EmeterProfile.style) so that one can be emulated too.
 */
const HS110 = () =>
  legacy(
    'HS110',
    'Kasa energy plug',
    {
      ...plugInfo('HS110(EU)', 'Heater plug', 0x11, 'Smart Wi-Fi Plug With Energy Monitoring'),
      sw_ver: '1.0.4 Build 191111 Rel.143500',
      hw_ver: '4.0',
      feature: 'TIM:ENE',
      relay_state: 1,
      led_off: 1,
    },
    { emeter: { style: 'milli', watts: 61.75, volts: 230.8 } },
  );

/** Wall dimmer: a relay plus brightness in sysinfo, dimmed through smartlife.iot.dimmer. */
const HS220 = () => {
  // Dimmer firmware reports no `status`.
  const { status: _status, ...base } = plugInfo(
    'HS220(US)',
    'Stairs dimmer',
    0x22,
    'Wi-Fi Smart Dimmer',
  );
  return legacy(
    'HS220',
    'Kasa dimmer switch',
    {
      ...base,
      sw_ver: '1.0.3 Build 200326 Rel.082355',
      hw_ver: '2.0',
      brightness: 100,
      preferred_state: [
        { index: 0, brightness: 100 },
        { index: 1, brightness: 75 },
        { index: 2, brightness: 50 },
        { index: 3, brightness: 25 },
      ],
    },
    {
      dimmer: {
        fadeOnTime: 1000,
        fadeOffTime: 1000,
        gentleOnTime: 3000,
        gentleOffTime: 10000,
        rampRate: 30,
        minThreshold: 0,
      },
    },
  );
};

export const LEGACY_FACTORIES: Record<LegacyModelName, () => IotModel> = {
  KL130,
  KL110,
  KL430,
  HS103,
  HS110,
  HS220,
};
