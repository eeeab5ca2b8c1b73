/**
 * Pieces every SMART model description is built from (ours in models.ts and models-strips.ts):
 * the components all of them list, the fields every get_device_info carries, our own ids.
 */
import { createHash } from 'node:crypto';
import type { SmartModel } from './model-types';
import type { SmartSettingValues } from './smart-settings';

export const c = (id: string, ver_code: number) => ({ id, ver_code });

/** Components every SMART device lists. */
export const COMMON_COMPONENTS = [
  c('device', 2),
  c('firmware', 2),
  c('quick_setup', 3),
  c('inherit', 1),
  c('time', 1),
  c('wireless', 1),
  c('schedule', 2),
  c('countdown', 2),
  c('antitheft', 1),
  c('account', 1),
  c('synchronize', 1),
  c('sunrise_sunset', 1),
  c('cloud_connect', 1),
  c('iot_cloud', 1),
  c('device_local_time', 1),
  c('default_states', 1),
];

/** A MAC in TP-Link's dash form, unique per model so several devices look distinct. */
export function mac(last: number): string {
  return `5C-E9-31-4A-7B-${last.toString(16).toUpperCase().padStart(2, '0')}`;
}

export function deviceId(seed: string): string {
  // A hash, so every model gets its own id (and hw_id, oem_id from it): several emulated
  // devices on one network must not look like one device.
  return createHash('sha1').update(`lamp-control-emulator-${seed}`).digest('hex').toUpperCase();
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Fields every SMART get_device_info carries. */
export function commonInfo(
  model: string,
  type: string,
  alias: string,
  macLast: number,
): Record<string, unknown> {
  return {
    device_id: deviceId(model),
    fw_ver: '1.1.6 Build 240130 Rel.173828',
    hw_ver: '3.0',
    type,
    model,
    mac: mac(macLast),
    hw_id: deviceId(`${model}-hw`).slice(0, 32),
    fw_id: '00000000000000000000000000000000',
    oem_id: deviceId(`${model}-oem`).slice(0, 32),
    ip: '127.0.0.1',
    time_diff: 0,
    ssid: b64('emulated-network'),
    rssi: -52,
    signal_level: 2,
    latitude: 0,
    longitude: 0,
    lang: 'en_US',
    avatar: type === 'SMART.TAPOPLUG' ? 'plug' : 'bulb',
    region: 'Europe/London',
    specs: '',
    nickname: b64(alias),
    has_set_location_info: false,
    device_on: false,
    overheated: false,
  };
}

/** A SMART model: every one of ours speaks KLAP v2 and lists the common components. */
export function smartModel(
  name: string,
  description: string,
  components: SmartModel['components'],
  info: Record<string, unknown>,
  settings: SmartSettingValues = {},
  emeterData?: { voltageMv: number },
): SmartModel {
  return {
    dialect: 'smart',
    name,
    description,
    klap: 2,
    components: [...COMMON_COMPONENTS, ...components],
    info,
    settings,
    ...(emeterData ? { emeterData } : {}),
  };
}

/** Fields Tapo plugs add to get_device_info. */
export function plugInfo(): Record<string, unknown> {
  return {
    on_time: 0,
    auto_off_status: 'off',
    auto_off_remain_time: 0,
    overheat_status: 'normal',
  };
}

/** get_device_info.lighting_effect of a light strip running no effect (as L900/L920/L930 dumps show). */
export function idleStripEffect(): Record<string, unknown> {
  return { brightness: 50, custom: 0, display_colors: [], enable: 0, id: '', name: 'station' };
}

/** What a device up to date answers to the firmware getters (hubs and their children). */
export function firmwareGetters(fwVer: string): Record<string, Record<string, unknown>> {
  return {
    get_latest_fw: {
      fw_size: 0,
      fw_ver: fwVer,
      hw_id: '',
      need_to_upgrade: false,
      oem_id: '',
      release_date: '',
      release_note: '',
      type: 0,
    },
    get_fw_download_state: {
      auto_upgrade: false,
      download_progress: 0,
      reboot_time: 5,
      status: 0,
      upgrade_time: 5,
    },
  };
}
