/**
 * Hubs and the devices paired to them: the Tapo H100 and Kasa KH100 (SMART dialect, KLAP on
 * today's firmware) and every child kind they pair with. Field sets, component lists and
 * versions follow public device dumps (docs/emulator-hubs.md §1–§3); ids, MACs and names
 * are our own. A hub starts with no children; pairChildren() adds them.
 */
import {
  HUB_CHILD_KINDS,
  HUB_CHILD_MODEL_NAMES,
  type HubChildModel,
  type HubChildModelName,
} from './hub-types';
import { b64, c, commonInfo, deviceId } from './model-parts';
import type { SmartModel } from './model-types';

export type HubModelName = 'H100' | 'KH100';

export const HUB_MODEL_NAMES: readonly HubModelName[] = ['H100', 'KH100'];

/** Components from "id:version id:version …", the way the dumps list them. */
function components(list: string): SmartModel['components'] {
  return list
    .split(' ')
    .filter((item) => item !== '')
    .map((item) => {
      const [id, version] = item.split(':');
      return c(id, Number(version));
    });
}

/** A child to pair: its model, or its model and name. */
export type HubChildOption = HubChildModelName | { model: HubChildModelName; alias?: string };

/** Components every hub lists (H100 1.5.23 adds matter and chime, the KH100 does not). */
const HUB_COMPONENTS = components(
  'device:2 firmware:2 quick_setup:3 inherit:1 time:1 wireless:1 account:1 ' +
    'synchronize:1 sunrise_sunset:1 led:1 cloud_connect:1 iot_cloud:1 child_device:1 ' +
    'child_quick_setup:1 child_inherit:1 control_child:1 alarm:1 device_load:1 ' +
    'device_local_time:1 alarm_logs:1',
);

/** The sounds every hub dump offers, in the hubs' own order. */
export const HUB_ALARM_TYPES = [
  ...Array.from({ length: 10 }, (_, i) => `Doorbell Ring ${i + 1}`),
  'Phone Ring',
  'Alarm 1',
  'Alarm 2',
  'Alarm 3',
  'Alarm 4',
  'Dripping Tap',
  'Alarm 5',
  'Connection 1',
  'Connection 2',
];

function hubInfo(model: HubModelName, type: string, fwVer: string, macLast: number) {
  const { device_on: _on, ...info } = commonInfo(model, type, 'Hub', macLast);
  return {
    ...info,
    avatar: model === 'H100' ? 'hub' : 'kasa_hub',
    fw_ver: fwVer,
    hw_ver: '1.0',
    has_set_location_info: true,
    in_alarm: false,
    in_alarm_source: '',
    specs: 'EU',
  };
}

function hub(
  name: HubModelName,
  description: string,
  info: Record<string, unknown>,
  components: SmartModel['components'],
  getters: Record<string, unknown>,
  aesFirmware: string,
): SmartModel {
  return {
    dialect: 'smart',
    name,
    description,
    klap: 2,
    protocol: 'klap',
    aesFirmware,
    components,
    info,
    settings: {
      get_led_info: {
        led_rule: 'always',
        led_status: true,
        night_mode: {
          end_time: 420,
          night_mode_type: 'sunrise_sunset',
          start_time: 1140,
          sunrise_offset: 0,
          sunset_offset: 0,
        },
      },
      get_auto_update_info: { enable: false, random_range: 120, time: 180 },
    },
    hub: {
      children: [],
      alarm: { duration: 300, type: 'Doorbell Ring 1', volume: 'high' },
      alarmTypes: [...HUB_ALARM_TYPES],
      getters,
    },
  };
}

const H100 = (): SmartModel =>
  hub(
    'H100',
    'Tapo hub',
    hubInfo('H100', 'SMART.TAPOHUB', '1.5.23 Build 241106 Rel.093525', 0xa1),
    [...HUB_COMPONENTS, c('localSmart', 2), c('matter', 3), c('chime', 1)],
    {
      get_matter_setup_info: { setup_code: '34970112332', setup_payload: 'MT:Y.K90AFN00KA0648G00' },
    },
    '1.5.10 Build 240207 Rel.175759',
  );

const KH100 = (): SmartModel =>
  hub(
    'KH100',
    'Kasa hub',
    hubInfo('KH100', 'SMART.KASAHUB', '1.5.12 Build 240320 Rel.123648', 0xa2),
    [...HUB_COMPONENTS, c('localSmart', 1)],
    {},
    '1.5.6 Build 240202 Rel.164142',
  );

export const HUB_FACTORIES: Record<HubModelName, () => SmartModel> = { H100, KH100 };

// --- Children ---

/** Components every paired sensor and button lists. */
const SENSOR_COMPONENTS = components(
  'device:2 quick_setup:3 trigger_log:1 time:1 device_local_time:1 account:1 ' +
    'synchronize:1 cloud_connect:1 iot_cloud:1 firmware:1 localSmart:1 ' +
    'battery_detect:1',
);

const CLIMATE_COMPONENTS = [
  ...SENSOR_COMPONENTS,
  ...components(
    'temperature:1 humidity:1 temp_humidity_record:1 comfort_temperature:1 ' +
      'comfort_humidity:1 report_mode:1',
  ),
];

const SWITCH_COMPONENTS = components(
  'device:2 quick_setup:3 trigger_log:1 time:1 device_local_time:1 schedule:2 ' +
    'countdown:2 antitheft:1 account:1 synchronize:1 sunrise_sunset:1 cloud_connect:1 ' +
    'iot_cloud:1 delay_action:1 battery_detect:1 firmware:1 localSmart:1',
);

/** A radiator valve logs nothing (no trigger_log) but lists much else. */
const VALVE_COMPONENTS = components(
  'device:2 quick_setup:3 time:1 device_local_time:1 schedule:2 countdown:2 ' +
    'account:1 synchronize:1 sunrise_sunset:1 cloud_connect:1 iot_cloud:1 ' +
    'frost_protection:1 child_protection:1 temperature:1 temp_control:1 ' +
    'remove_scale:1 shutdown_mode:1 progress_calibration:1 early_start:1 ' +
    'temp_record:1 screen_setting:1 night_mode:1 smart_control_schedule:1 firmware:1 ' +
    'battery_detect:1 temperature_correction:1 window_open_detect:2',
);

/** Sensors report at_low_battery and a report period. */
const sensor = { at_low_battery: false, report_interval: 16 };

interface ChildSpec {
  name: string;
  type: string;
  category: string;
  avatar: string;
  fwVer: string;
  components: HubChildModel['components'];
  fields: Record<string, unknown>;
  getters?: Record<string, unknown>;
}

const SWITCH_FIELDS = {
  battery_percentage: 100,
  device_on: false,
  has_set_location_info: true,
  is_low: false,
  latitude: 0,
  led_off: 0,
  longitude: 0,
  position: 1,
};

const CHILDREN: Record<HubChildModelName, ChildSpec> = {
  S200B: {
    name: 'Button',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.button',
    avatar: 'button',
    fwVer: '1.12.0 Build 231121 Rel.092508',
    components: [...SENSOR_COMPONENTS, c('double_click', 1)],
    fields: sensor,
    getters: { get_double_click_info: { enable: false } },
  },
  S200D: {
    name: 'Dial',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.button',
    avatar: 'button',
    fwVer: '1.12.0 Build 231121 Rel.092444',
    components: [...SENSOR_COMPONENTS, c('double_click', 1)],
    fields: sensor,
    getters: { get_double_click_info: { enable: true } },
  },
  T100: {
    name: 'Motion sensor',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.motion-sensor',
    avatar: 'sensor',
    fwVer: '1.12.0 Build 230512 Rel.103040',
    components: [...SENSOR_COMPONENTS, c('sensitivity', 1)],
    fields: { ...sensor, detected: false },
  },
  T110: {
    name: 'Contact sensor',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.contact-sensor',
    avatar: 'sensor_t110',
    fwVer: '1.9.0 Build 230704 Rel.154531',
    components: SENSOR_COMPONENTS,
    fields: { ...sensor, open: false },
  },
  T300: {
    name: 'Leak sensor',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.water-leak-sensor',
    avatar: 'sensor_t300',
    fwVer: '1.7.0 Build 230628 Rel.194748',
    components: [...SENSOR_COMPONENTS, c('sensor_alarm', 1)],
    fields: { ...sensor, battery_percentage: 100, in_alarm: false, water_leak_status: 'normal' },
  },
  T310: {
    name: 'Climate sensor',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.temp-hmdt-sensor',
    avatar: 'sensor_t310',
    // Kept without a build number, as T310(US) 1.5.0 reports it: clients must cope.
    fwVer: '1.5.0',
    components: CLIMATE_COMPONENTS,
    fields: {
      ...sensor,
      current_humidity: 52,
      current_humidity_exception: 0,
      current_temp: 20.6,
      current_temp_exception: 0,
      temp_unit: 'celsius',
    },
  },
  T315: {
    name: 'Climate display',
    type: 'SMART.TAPOSENSOR',
    category: 'subg.trigger.temp-hmdt-sensor',
    avatar: 'sensor_t315',
    fwVer: '1.8.0 Build 230921 Rel.091519',
    components: CLIMATE_COMPONENTS,
    fields: {
      ...sensor,
      battery_percentage: 100,
      current_humidity: 48,
      current_humidity_exception: 0,
      current_temp: 21.2,
      current_temp_exception: 0,
      temp_unit: 'celsius',
    },
  },
  S210: {
    name: 'Light switch',
    type: 'SMART.TAPOSWITCH',
    category: 'subg.plugswitch.switch',
    avatar: 'switch_s210',
    fwVer: '1.9.0 Build 231106 Rel.164425',
    components: SWITCH_COMPONENTS,
    fields: { ...SWITCH_FIELDS, slot_number: 1 },
    getters: { get_device_usage: { time_usage: { past30: 0, past7: 0, today: 0 } } },
  },
  S220: {
    // Two gangs on the wall; whether a hub lists the second as a record of its own is not
    // known (docs/emulator-hubs.md §8), so the emulator lists one record, gang 1 of 2.
    name: 'Light switch',
    type: 'SMART.TAPOSWITCH',
    category: 'subg.plugswitch.switch',
    avatar: 'switch',
    fwVer: '1.9.0 Build 231106 Rel.164353',
    components: SWITCH_COMPONENTS,
    fields: { ...SWITCH_FIELDS, slot_number: 2 },
    getters: { get_device_usage: { time_usage: { past30: 0, past7: 0, today: 0 } } },
  },
  KE100: {
    name: 'Radiator valve',
    type: 'SMART.KASAENERGY',
    category: 'subg.trv',
    avatar: 'kasa_trv',
    fwVer: '2.8.0 Build 240202 Rel.135229',
    components: VALVE_COMPONENTS,
    fields: {
      at_low_battery: false,
      battery_percentage: 100,
      child_protection: false,
      current_temp: 19.5,
      frost_protection_on: false,
      location: '',
      max_control_temp: 30,
      min_control_temp: 5,
      target_temp: 21,
      temp_offset: 0,
      temp_unit: 'celsius',
      trv_states: ['heating'],
    },
  },
};

export function isHubChildModelName(name: string): name is HubChildModelName {
  return (HUB_CHILD_MODEL_NAMES as string[]).includes(name);
}

/** One paired device of `hubInfo`'s hub, the `index`-th (from 0), with our own ids. */
export function hubChildModel(
  name: HubChildModelName,
  alias: string,
  index: number,
  hubInfo: Record<string, unknown>,
): HubChildModel {
  const spec = CHILDREN[name];
  const hubId = String(hubInfo.device_id);
  const id = deviceId(`${hubId}-child-${index}-${name}`);
  const fields: Record<string, unknown> = structuredClone(spec.fields);
  if (spec.category === 'subg.plugswitch.switch') fields.original_device_id = id;
  return {
    kind: HUB_CHILD_KINDS[name],
    info: {
      avatar: spec.avatar,
      bind_count: 1,
      category: spec.category,
      device_id: id,
      fw_ver: spec.fwVer,
      hw_id: deviceId(`${name}-hw`).slice(0, 32),
      hw_ver: '1.0',
      jamming_rssi: -115,
      jamming_signal_level: 1,
      // A fixed past moment (2025-01-06), so records stay the same run to run.
      lastOnboardingTimestamp: 1736150400 + index * 60,
      mac: `5CE9314C${index.toString(16).toUpperCase().padStart(4, '0')}`,
      model: name,
      nickname: b64(alias),
      oem_id: deviceId(`${name}-oem`).slice(0, 32),
      parent_device_id: hubId,
      region: hubInfo.region,
      rssi: -50 - (index % 5) * 3,
      signal_level: 3,
      specs: 'EU',
      status: 'online',
      status_follow_edge: false,
      type: spec.type,
      ...fields,
    },
    components: spec.components.map((x) => ({ ...x })),
    ...(spec.getters ? { getters: structuredClone(spec.getters) } : {}),
  };
}

/**
 * Pairs `children` with a hub model (in place): each gets our own id and a name, the model's
 * default ("Button", "Motion sensor", …) numbered when it repeats ("Button 2").
 */
export function pairChildren(model: SmartModel, children: readonly HubChildOption[]): SmartModel {
  const spec = model.hub;
  if (!spec) {
    throw new Error(
      `${model.name} is not a hub; only ${HUB_MODEL_NAMES.join(' and ')} take children`,
    );
  }
  const taken = new Set(
    spec.children.map((child) => Buffer.from(String(child.info.nickname), 'base64').toString()),
  );
  for (const option of children) {
    const { model: name, alias } = typeof option === 'string' ? { model: option } : option;
    if (!isHubChildModelName(name)) {
      throw new Error(`unknown child model "${name}"; valid: ${HUB_CHILD_MODEL_NAMES.join(', ')}`);
    }
    let chosen = alias ?? CHILDREN[name].name;
    for (let n = 2; alias === undefined && taken.has(chosen); n++) {
      chosen = `${CHILDREN[name].name} ${n}`;
    }
    taken.add(chosen);
    // The next free place: after an unpairing, a new device must not get an old one's id.
    const ids = new Set(spec.children.map((child) => child.info.device_id));
    let index = spec.children.length;
    while (ids.has(hubChildModel(name, chosen, index, model.info).info.device_id)) index++;
    spec.children.push(hubChildModel(name, chosen, index, model.info));
  }
  return model;
}
