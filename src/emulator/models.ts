/**
 * Realistic descriptions of the emulated devices: what get_device_info / component_nego (SMART)
 * or get_sysinfo (IOT) return on real hardware, shaped after public device dumps
 * (docs/protocols/dialects.md §5), with our own identifiers. Each call returns a fresh copy the
 * device can mutate.
 */

import { c, commonInfo, deviceId, idleStripEffect, plugInfo, smartModel } from './model-parts';
import type { DeviceModel, IotModel } from './model-types';
import { HUB_FACTORIES, HUB_MODEL_NAMES, type HubModelName } from './models-hubs';
import { LEGACY_FACTORIES, LEGACY_MODEL_NAMES, type LegacyModelName } from './models-legacy';
import {
  SEGMENT_STRIP_FACTORIES,
  SEGMENT_STRIP_MODEL_NAMES,
  type SegmentStripModelName,
} from './models-segment-strips';
import { STRIP_FACTORIES, STRIP_MODEL_NAMES, type StripModelName } from './models-strips';

export type ModelName =
  | 'L530'
  | 'L510'
  | 'L900'
  | 'P100'
  | 'P110'
  | 'HS100'
  | LegacyModelName
  | StripModelName
  | SegmentStripModelName
  | HubModelName;

export const MODEL_NAMES: readonly ModelName[] = [
  ...['L530', 'L510', 'L900', 'P100', 'P110', 'HS100'],
  ...LEGACY_MODEL_NAMES,
  ...STRIP_MODEL_NAMES,
  ...SEGMENT_STRIP_MODEL_NAMES,
  ...HUB_MODEL_NAMES,
] as ModelName[];

export type { DeviceModel, EmeterProfile, IotModel, SmartModel } from './model-types';

const LAMP_COMPONENTS = [c('preset', 1), c('brightness', 1), c('on_off_gradually', 3)];
const COLOR_LAMP_COMPONENTS = [...LAMP_COMPONENTS, c('color', 1), c('color_temperature', 1)];
const PLUG_COMPONENTS = [c('led', 1), c('auto_off', 2), c('power_protection', 1)];

/*
 * Setting values below are facts read off python-kasa's device dumps (docs/features.md §5 lists
 * which): what each getter answers on that model's firmware.
 */

/** get_auto_update_info as every dump shows it but for `enable`. */
const autoUpdate = (enable: boolean) => ({ enable, random_range: 120, time: 180 });

/** on_off_gradually v2+: both directions enabled or not, with their durations in s. */
const fade = (enable: boolean, seconds: number) => ({
  on_state: { enable, duration: seconds, max_duration: 60 },
  off_state: { enable, duration: seconds, max_duration: 60 },
});

/** Colour-bulb presets (L530E 1.1.6): one white, then red-to-magenta colours. */
const L530_PRESETS = [
  { brightness: 50, color_temp: 2700, hue: 0, saturation: 100 },
  { brightness: 100, color_temp: 0, hue: 240, saturation: 100 },
  { brightness: 100, color_temp: 0, hue: 0, saturation: 100 },
  { brightness: 100, color_temp: 0, hue: 120, saturation: 100 },
  { brightness: 100, color_temp: 0, hue: 277, saturation: 86 },
  { brightness: 100, color_temp: 0, hue: 60, saturation: 100 },
  { brightness: 100, color_temp: 0, hue: 300, saturation: 100 },
];

const L530 = () =>
  smartModel(
    'L530',
    'colour bulb',
    [
      ...COLOR_LAMP_COMPONENTS,
      c('auto_light', 1),
      c('light_effect', 1),
      c('bulb_quick_control', 1),
    ],
    {
      ...commonInfo('L530', 'SMART.TAPOBULB', 'Living room lamp', 0x30),
      brightness: 100,
      hue: 0,
      saturation: 100,
      color_temp: 2700,
      color_temp_range: [2500, 6500],
      dynamic_light_effect_enable: false,
      dynamic_light_effect_id: '',
      default_states: {
        type: 'last_states',
        re_power_type: 'always_on',
        state: { brightness: 100, color_temp: 2700, hue: 0, saturation: 100 },
      },
    },
    {
      get_preset_rules: { states: L530_PRESETS },
      get_on_off_gradually_info: fade(true, 2),
      get_auto_update_info: autoUpdate(false),
    },
  );

const L510 = () =>
  smartModel(
    'L510',
    'dimmable white bulb',
    LAMP_COMPONENTS,
    {
      ...commonInfo('L510', 'SMART.TAPOBULB', 'Hallway lamp', 0x10),
      fw_ver: '1.1.2 Build 230921 Rel.172130',
      hw_ver: '3.0',
      brightness: 80,
      color_temp: 2700,
      color_temp_range: [2700, 2700],
      default_states: {
        type: 'last_states',
        re_power_type: 'always_on',
        state: { brightness: 80 },
      },
    },
    {
      // White bulbs store brightness-only presets as a bare list (L510E 1.1.2).
      get_preset_rules: { brightness: [1, 25, 50, 75, 100] },
      get_on_off_gradually_info: fade(false, 2),
      get_auto_update_info: autoUpdate(true),
    },
  );

const L900 = () =>
  smartModel(
    'L900',
    'light strip',
    [
      // Light strips list presets v3 (paged) and on_off_gradually v1, a bare switch (L900-5 1.1.0).
      c('preset', 3),
      c('brightness', 1),
      c('on_off_gradually', 1),
      c('color', 1),
      c('color_temperature', 1),
      c('light_strip', 1),
      c('light_strip_lighting_effect', 1),
      c('music_rhythm', 1),
    ],
    {
      ...commonInfo('L900', 'SMART.TAPOBULB', 'TV backlight', 0x90),
      fw_ver: '1.1.0 Build 230905 Rel.184939',
      hw_ver: '1.0',
      brightness: 50,
      hue: 240,
      saturation: 100,
      color_temp: 0,
      color_temp_range: [9000, 9000],
      lighting_effect: idleStripEffect(),
      music_rhythm_enable: false,
      music_rhythm_mode: 'single_lamp',
      default_states: {
        type: 'last_states',
        state: { brightness: 50, color_temp: 0, hue: 240, saturation: 100 },
      },
    },
    {
      // The strip's white preset is its fixed 9000 K.
      get_preset_rules: {
        start_index: 0,
        states: [
          { brightness: 50, color_temp: 9000, hue: 0, saturation: 100 },
          { brightness: 100, color_temp: 0, hue: 240, saturation: 100 },
          { brightness: 100, color_temp: 0, hue: 0, saturation: 100 },
          { brightness: 100, color_temp: 0, hue: 120, saturation: 100 },
        ],
        sum: 4,
      },
      get_on_off_gradually_info: { enable: false },
      get_auto_update_info: autoUpdate(false),
    },
  );

/** The first Tapo plug: a status LED, but no auto-off and firmware v1 (no auto-update setting). */
const P100 = () => {
  const model = smartModel(
    'P100',
    'plug',
    [c('led', 1)],
    {
      ...commonInfo('P100', 'SMART.TAPOPLUG', 'Desk lamp plug', 0x01),
      fw_ver: '1.2.1 Build 220831 Rel.163526',
      hw_ver: '1.0',
      on_time: 0,
      overheat_status: 'normal',
      default_states: { type: 'last_states', state: {} },
    },
    { get_led_info: { led_rule: 'always', led_status: false } },
  );
  model.components = model.components.map((x) => (x.id === 'firmware' ? c('firmware', 1) : x));
  return model;
};

const P110 = () =>
  smartModel(
    'P110',
    'energy plug',
    [...PLUG_COMPONENTS, c('energy_monitoring', 2), c('current_protection', 1)],
    {
      ...commonInfo('P110', 'SMART.TAPOPLUG', 'Floor lamp plug', 0x11),
      // Firmware 1.3.1 (as on P110(AU)) answers get_emeter_data; 1.3.0 (EU/UK) does not.
      fw_ver: '1.3.1 Build 240621 Rel.162048',
      hw_ver: '1.0',
      ...plugInfo(),
      rssi: -53,
      overcurrent_status: 'normal',
      power_protection_status: 'normal',
      default_states: { type: 'last_states', state: {} },
    },
    {
      get_auto_off_config: { delay_min: 120, enable: false },
      get_led_info: {
        bri_config: { bri_type: 'overall', overall_bri: 50 },
        led_rule: 'always',
        led_status: false,
        night_mode: {
          end_time: 410,
          night_mode_type: 'sunrise_sunset',
          start_time: 1252,
          sunrise_offset: 0,
          sunset_offset: 0,
        },
      },
      get_auto_update_info: autoUpdate(true),
    },
    { voltageMv: 238_609 },
  );

const HS100: () => IotModel = () => ({
  dialect: 'iot',
  name: 'HS100',
  description: 'Kasa plug',
  klap: 1,
  sysinfo: {
    sw_ver: '1.1.0 Build 201016 Rel.175121',
    hw_ver: '4.1',
    model: 'HS100(UK)',
    deviceId: deviceId('HS100'),
    oemId: deviceId('HS100-oem').slice(0, 32),
    hwId: deviceId('HS100-hw').slice(0, 32),
    rssi: -48,
    latitude_i: 0,
    longitude_i: 0,
    alias: 'Kitchen lamp plug',
    status: 'new',
    obd_src: 'tplink',
    mic_type: 'IOT.SMARTPLUGSWITCH',
    feature: 'TIM',
    mac: '1C:3B:F3:4A:7B:00',
    updating: 0,
    led_off: 0,
    relay_state: 0,
    on_time: 0,
    icon_hash: '',
    dev_name: 'Smart Wi-Fi Plug',
    active_mode: 'none',
    next_action: { type: -1 },
    ntc_state: 0,
  },
});

const FACTORIES: Record<ModelName, () => DeviceModel> = {
  ...{ L530, L510, L900, P100, P110, HS100 },
  ...LEGACY_FACTORIES,
  ...STRIP_FACTORIES,
  ...SEGMENT_STRIP_FACTORIES,
  ...HUB_FACTORIES,
};

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/** A fresh, mutable description of a model. */
export function createModel(name: ModelName): DeviceModel {
  return FACTORIES[name]();
}
