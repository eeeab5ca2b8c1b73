/**
 * Realistic descriptions of the emulated devices: what get_device_info / component_nego (SMART)
 * or get_sysinfo (IOT) return on real hardware, shaped after public device dumps
 * (docs/protocols/dialects.md §5), with our own identifiers. Each call returns a fresh copy the
 * device can mutate.
 */

import { c, commonInfo, deviceId, plugInfo, smartModel } from './model-parts';
import { LEGACY_FACTORIES, LEGACY_MODEL_NAMES, type LegacyModelName } from './models-legacy';
import { STRIP_FACTORIES, STRIP_MODEL_NAMES, type StripModelName } from './models-strips';
import type { SmartChildModel } from './smart-children';

export type ModelName =
  | 'L530'
  | 'L510'
  | 'L900'
  | 'P100'
  | 'P110'
  | 'HS100'
  | LegacyModelName
  | StripModelName;

export const MODEL_NAMES: readonly ModelName[] = [
  ...['L530', 'L510', 'L900', 'P100', 'P110', 'HS100'],
  ...LEGACY_MODEL_NAMES,
  ...STRIP_MODEL_NAMES,
] as ModelName[];

export interface SmartModel {
  dialect: 'smart';
  /** A ModelName for ours; any model name for one built elsewhere (e.g. from a device dump). */
  name: string;
  /** Short description for the CLI line. */
  description: string;
  /** The KLAP variant devices of this model use. */
  klap: 1 | 2;
  protocol?: 'klap' | 'aes' | 'tpap' | 'legacy';
  components: { id: string; ver_code: number }[];
  info: Record<string, unknown>;
  /**
   * A power strip's outlets, in the order get_child_device_list lists them (which need not be
   * their `position` order: P300 firmware 1.0.13+ lists 3, 2, 1). The parent then answers
   * get_child_device_list, get_child_device_component_list and control_child, and has no power
   * or meter of its own (docs/protocols/outlets.md).
   */
  children?: SmartChildModel[];
  /** Outlets per get_child_device_list page (default 10); tests force small pages with it. */
  childPageSize?: number;
  /**
   * The device_ids in the order get_child_device_component_list lists them, where firmware
   * orders it unlike the child list (KS240); default: the child list's order.
   */
  childComponentOrder?: string[];
  /**
   * Keep the pre-outlet behaviour of a strip parent: it takes set_device_info device_on (and
   * then reports it) and, with energy_monitoring, meters the sum of its outlets. No real strip
   * does the first; it serves clients that drive a strip as one plug (scripts/check-fixtures.mjs
   * until it checks outlets).
   */
  parentAsPlug?: boolean;
}

export interface IotModel {
  dialect: 'iot';
  /** A ModelName for ours; any model name for one built elsewhere (e.g. from a device dump). */
  name: string;
  description: string;
  klap: 1 | 2;
  protocol?: 'klap' | 'aes' | 'tpap' | 'legacy';
  sysinfo: Record<string, unknown>;
  /** The energy meter, on devices that have one. */
  emeter?: EmeterProfile;
  /** What smartlife.iot.dimmer.get_dimmer_parameters answers, on dimmers. */
  dimmer?: Record<string, number>;
  /** The answer to a module the device lacks, where it is not -1 "module not support". */
  moduleError?: { err_code: number; err_msg: string };
  /**
   * Methods of modules the firmware knows but cannot serve, answered one level deeper with -1
   * "module not support" (older plugs do this for emeter.get_realtime).
   */
  unsupportedMethods?: Record<string, string[]>;
  /** Further read-only answers, module -> method -> result, served as given (e.g. a dump's). */
  getters?: Record<string, Record<string, Record<string, unknown>>>;
  /**
   * A metering strip's loads: W each outlet draws while on, in sysinfo `children` order (each
   * outlet has its own meter of the `emeter` profile; absent: each draws `emeter.watts`).
   */
  outletWatts?: number[];
}

/**
 * How a meter answers: 'milli' integers (power_mw, voltage_mv, current_ma, total_wh), 'base'
 * floats of first-generation plugs (power W, voltage V, current A, total kWh), 'lamp' bulbs'
 * power_mw and total_wh.
 */
export interface EmeterProfile {
  style: 'milli' | 'base' | 'lamp';
  /** The get_realtime keys this firmware reports, where it reports fewer than its style has. */
  fields?: string[];
  /** Constant keys some firmware adds to get_realtime (slot_id on HS300 hw 2). */
  extra?: Record<string, number>;
  /** Drawn while on (lamps: at full brightness). */
  watts: number;
  volts: number;
}

export type DeviceModel = SmartModel | IotModel;

const LAMP_COMPONENTS = [c('preset', 1), c('brightness', 1), c('on_off_gradually', 3)];
const COLOR_LAMP_COMPONENTS = [...LAMP_COMPONENTS, c('color', 1), c('color_temperature', 1)];
const PLUG_COMPONENTS = [c('led', 1), c('auto_off', 2), c('power_protection', 1)];

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
  );

const L510 = () =>
  smartModel('L510', 'dimmable white bulb', LAMP_COMPONENTS, {
    ...commonInfo('L510', 'SMART.TAPOBULB', 'Hallway lamp', 0x10),
    fw_ver: '1.1.2 Build 230921 Rel.172130',
    hw_ver: '3.0',
    brightness: 80,
    color_temp: 2700,
    color_temp_range: [2700, 2700],
    default_states: { type: 'last_states', re_power_type: 'always_on', state: { brightness: 80 } },
  });

const L900 = () =>
  smartModel(
    'L900',
    'light strip',
    [
      ...COLOR_LAMP_COMPONENTS,
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
      lighting_effect: {
        brightness: 50,
        custom: 0,
        display_colors: [],
        enable: 0,
        id: '',
        name: 'station',
      },
      music_rhythm_enable: false,
      music_rhythm_mode: 'single_lamp',
      default_states: {
        type: 'last_states',
        state: { brightness: 50, color_temp: 0, hue: 240, saturation: 100 },
      },
    },
  );

const P100 = () =>
  smartModel('P100', 'plug', PLUG_COMPONENTS, {
    ...commonInfo('P100', 'SMART.TAPOPLUG', 'Desk lamp plug', 0x01),
    fw_ver: '1.2.1 Build 220831 Rel.163526',
    hw_ver: '1.0',
    ...plugInfo(),
    default_states: { type: 'last_states', state: {} },
  });

const P110 = () =>
  smartModel(
    'P110',
    'energy plug',
    [...PLUG_COMPONENTS, c('energy_monitoring', 2), c('current_protection', 1)],
    {
      ...commonInfo('P110', 'SMART.TAPOPLUG', 'Floor lamp plug', 0x11),
      fw_ver: '1.3.0 Build 230905 Rel.152200',
      hw_ver: '1.0',
      ...plugInfo(),
      overcurrent_status: 'normal',
      power_protection_status: 'normal',
      default_states: { type: 'last_states', state: {} },
    },
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
};

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/** A fresh, mutable description of a model. */
export function createModel(name: ModelName): DeviceModel {
  return FACTORIES[name]();
}
