/**
 * Power strips: each outlet a child device behind the parent's address. Two Tapo strips in the
 * SMART dialect over KLAP (P300: 3 outlets, listed in reverse as firmware 1.0.13+ lists them;
 * P304M: 4 metered outlets) and two Kasa strips in the IOT dialect over the legacy protocol
 * (KP303: 3 outlets; HS300: 6 outlets, each metered). Versions, field sets and component lists
 * follow public device dumps (docs/protocols/outlets.md §5); ids, MACs and names are our own.
 */
import { b64, COMMON_COMPONENTS, c, commonInfo } from './model-parts';
import type { IotModel, SmartModel } from './model-types';
import { ids, mac } from './models-legacy';
import type { SmartChildMeter, SmartChildModel } from './smart-children';

export type StripModelName = 'P300' | 'P304M' | 'KP303' | 'HS300';

export const STRIP_MODEL_NAMES: readonly StripModelName[] = ['P300', 'P304M', 'KP303', 'HS300'];

/** A SMART outlet's device_id: the strip's own with its last two digits the outlet's slot. */
function outletId(parentId: string, position: number): string {
  return `${parentId.slice(0, 38)}${String(position - 1).padStart(2, '0')}`;
}

/** Components of every SMART device that strips do not list. */
const NOT_ON_STRIPS = new Set(['inherit']);
/** Outlets have no Wi-Fi of their own (and no LED: strips list it with the parent's only). */
const OUTLETS_LACK = new Set(['inherit', 'wireless']);

/** The components both strip parents list (P300 and P304M alike). */
const STRIP_PARENT_COMPONENTS = [
  ...COMMON_COMPONENTS.filter((x) => !NOT_ON_STRIPS.has(x.id)),
  c('led', 1),
  c('control_child', 2),
  c('child_device', 2),
];

/** The components every outlet lists. */
const OUTLET_COMPONENTS = COMMON_COMPONENTS.filter((x) => !OUTLETS_LACK.has(x.id));

interface OutletSpec {
  position: number;
  name: string;
  on: boolean;
  /** W drawn while on, on metering strips. */
  watts?: number;
}

/** What a strip's outlets share with it, and what the strip adds to each. */
interface StripSpec {
  parent: Record<string, unknown>;
  outlets: OutletSpec[];
  components: SmartChildModel['components'];
  /** Fields this model's outlets add to the common ones. */
  fields: Record<string, unknown>;
  getters: Record<string, unknown>;
  meter?: Omit<SmartChildMeter, 'watts'>;
}

/** The outlets in the order the spec lists them, each with the fields the dumps show. */
function outlets(spec: StripSpec): SmartChildModel[] {
  const { parent } = spec;
  const copied = ['fw_id', 'fw_ver', 'hw_id', 'hw_ver', 'latitude', 'longitude', 'model'];
  return spec.outlets.map((outlet) => ({
    info: {
      ...Object.fromEntries(copied.map((key) => [key, parent[key]])),
      auto_off_remain_time: 0,
      auto_off_status: 'off',
      bind_count: 1,
      category: 'plug.powerstrip.sub-plug',
      default_states: { type: 'last_states' },
      device_id: outletId(String(parent.device_id), outlet.position),
      device_on: outlet.on,
      has_set_location_info: true,
      mac: String(parent.mac).replace(/-/g, ''),
      nickname: b64(outlet.name),
      on_time: outlet.on ? 3600 : 0,
      original_device_id: parent.device_id,
      overheat_status: 'normal',
      position: outlet.position,
      region: parent.region,
      slot_number: spec.outlets.length,
      status_follow_edge: true,
      type: 'SMART.TAPOPLUG',
      ...spec.fields,
    },
    components: spec.components.map((x) => ({ ...x })),
    getters: structuredClone(spec.getters),
    ...(spec.meter ? { meter: { ...spec.meter, watts: outlet.watts ?? 0 } } : {}),
  }));
}

/** A strip parent's get_device_info: the common fields, without power or overheat state. */
function parentInfo(model: string, alias: string, macLast: number): Record<string, unknown> {
  const {
    device_on: _on,
    overheated: _hot,
    ...info
  } = commonInfo(model, 'SMART.TAPOPLUG', alias, macLast);
  return { ...info, avatar: '' };
}

const AUTO_OFF = { get_auto_off_config: { delay_min: 120, enable: false } };

/** A strip LED's night-mode rule: from sunset to sunrise, in minutes of the day. */
const NIGHT_MODE = { night_mode_type: 'sunrise_sunset', sunrise_offset: 0, sunset_offset: 0 };

/** Three outlets; firmware 1.0.13 and later list them in reverse (positions 3, 2, 1). */
const P300 = (): SmartModel => {
  const parent = {
    ...parentInfo('P300', 'Study power strip', 0x30),
    fw_ver: '1.0.15 Build 231130 Rel.122554',
    hw_ver: '1.0',
    region: 'Europe/Berlin',
  };
  return {
    dialect: 'smart',
    name: 'P300',
    description: 'Tapo power strip, 3 outlets',
    klap: 2,
    components: [
      ...STRIP_PARENT_COMPONENTS,
      c('auto_off', 2),
      c('homekit', 2),
      c('overheat_protection', 1),
    ],
    info: parent,
    // The strip's own settings (P300(EU) 1.0.15 dump): LED off by rule, no auto-update.
    settings: {
      get_led_info: {
        led_rule: 'never',
        led_status: false,
        night_mode: { ...NIGHT_MODE, end_time: 340, start_time: 1277 },
      },
      get_auto_update_info: { enable: false, random_range: 120, time: 180 },
    },
    children: outlets({
      parent,
      outlets: [
        { position: 3, name: 'Fan', on: false },
        { position: 2, name: 'Reading lamp', on: false },
        { position: 1, name: 'Desk lamp', on: true },
      ],
      components: [...OUTLET_COMPONENTS, c('overheat_protection', 1), c('auto_off', 2)],
      fields: { avatar: '' },
      getters: {
        ...AUTO_OFF,
        get_device_usage: { time_usage: { today: 60, past7: 1260, past30: 5400 } },
      },
    }),
  };
};

/** Four outlets, each metered (get_energy_usage without current_power, get_current_power). */
const P304M = (): SmartModel => {
  const parent = {
    ...parentInfo('P304M', 'Living room power strip', 0x34),
    fw_ver: '1.0.3 Build 240605 Rel.091502',
    hw_ver: '1.0',
  };
  const protection = [c('current_protection', 1), c('power_protection', 1)];
  return {
    dialect: 'smart',
    name: 'P304M',
    description: 'Tapo power strip, 4 metered outlets',
    klap: 2,
    components: [
      ...STRIP_PARENT_COMPONENTS,
      c('localSmart', 1),
      c('auto_off', 2),
      c('matter', 2),
      c('overheat_protection', 1),
      c('energy_monitoring', 2),
      ...protection,
      c('charging_protection', 2),
    ],
    info: parent,
    // The strip's own settings (P304M(UK) 1.0.3 dump): LED in night mode, auto-update on.
    settings: {
      get_led_info: {
        bri_config: { bri_type: 'overall', overall_bri: 50 },
        led_rule: 'night_mode',
        led_status: true,
        night_mode: { ...NIGHT_MODE, end_time: 461, start_time: 1077 },
      },
      get_auto_update_info: { enable: true, random_range: 120, time: 180 },
    },
    children: outlets({
      parent,
      outlets: [
        { position: 1, name: 'Floor lamp', on: true, watts: 12 },
        { position: 2, name: 'Aquarium light', on: false, watts: 8 },
        { position: 3, name: 'TV', on: false, watts: 65 },
        { position: 4, name: 'Phone charger', on: true, watts: 5 },
      ],
      components: [
        ...OUTLET_COMPONENTS,
        c('localSmart', 1),
        c('overheat_protection', 1),
        c('auto_off', 2),
        c('energy_monitoring', 2),
        ...protection,
        c('charging_protection', 2),
      ],
      fields: {
        avatar: 'plug',
        charging_status: 'normal',
        is_usb: false,
        overcurrent_status: 'normal',
        power_protection_status: 'normal',
        protection_enabled: false,
        protection_power: 0,
      },
      getters: { ...AUTO_OFF, get_max_power: { max_power: 3252 } },
      meter: { volts: 230, emeterData: false },
    }),
  };
};

/** sysinfo children of a Kasa strip: ids are the strip's deviceId and two digits. */
function iotOutlets(deviceId: string, outlets: { name: string; on: boolean }[]) {
  return outlets.map((outlet, index) => ({
    id: `${deviceId}${String(index).padStart(2, '0')}`,
    state: outlet.on ? 1 : 0,
    alias: outlet.name,
    on_time: 0,
    next_action: { type: -1 },
  }));
}

/** What a Kasa strip reports besides its outlets (no relay_state or on_time of its own). */
function iotStripInfo(model: string, alias: string, macLast: number): Record<string, unknown> {
  return {
    alias,
    deviceId: ids(model).deviceId,
    hwId: ids(model).hwId,
    oemId: ids(model).oemId,
    feature: 'TIM',
    latitude_i: 0,
    longitude_i: 0,
    led_off: 0,
    mac: mac(macLast, ':'),
    mic_type: 'IOT.SMARTPLUGSWITCH',
    model,
    rssi: -52,
    status: 'new',
    updating: 0,
  };
}

function iotStrip(
  name: StripModelName,
  description: string,
  sysinfo: Record<string, unknown>,
  outlets: { name: string; on: boolean }[],
  extra: Partial<IotModel> = {},
): IotModel {
  const children = iotOutlets(String(sysinfo.deviceId), outlets);
  return {
    dialect: 'iot',
    name,
    description,
    klap: 1,
    protocol: 'legacy',
    sysinfo: { ...sysinfo, child_num: children.length, children },
    ...extra,
  };
}

/** Three outlets, no meter; hardware 2.0. */
const KP303 = (): IotModel =>
  iotStrip(
    'KP303',
    'Kasa power strip, 3 outlets',
    {
      ...iotStripInfo('KP303(US)', 'Bedroom power strip', 0x33),
      sw_ver: '1.0.9 Build 240131 Rel.141407',
      hw_ver: '2.0',
      led_off: 1,
      ntc_state: 0,
      obd_src: 'tplink',
    },
    [
      { name: 'Bedside lamp', on: true },
      { name: 'Fairy lights', on: false },
      { name: 'Humidifier', on: false },
    ],
  );

/**
 * Six outlets, each metered in milli-units; hardware 2.0 adds slot_id (the outlet's index) to
 * each reading. Each outlet's load is in outletWatts.
 */
const HS300 = (): IotModel =>
  iotStrip(
    'HS300',
    'Kasa power strip, 6 metered outlets',
    {
      ...iotStripInfo('HS300(US)', 'Office power strip', 0x30),
      sw_ver: '1.0.12 Build 220121 Rel.175814',
      hw_ver: '2.0',
      feature: 'TIM:ENE',
    },
    [
      { name: 'Desk lamp', on: true },
      { name: 'Monitor', on: false },
      { name: 'Speakers', on: false },
      { name: 'Printer', on: false },
      { name: 'Router', on: true },
      { name: 'Phone charger', on: true },
    ],
    {
      emeter: { style: 'milli', watts: 9, volts: 120.1, extra: { slot_id: 0 } },
      outletWatts: [9, 25, 20, 30, 7, 5],
    },
  );

export const STRIP_FACTORIES: Record<StripModelName, () => SmartModel | IotModel> = {
  P300,
  P304M,
  KP303,
  HS300,
};
