/**
 * The Tapo H200 hub as the emulator runs it (docs/protocols/smartcam.md §6): its basic_info, app
 * components, siren and the records of a camera-type child (the D230 doorbell). Field sets
 * and versions follow the public H200 and D230 dumps' facts; ids, MACs and names are our own.
 * Its SMART children (buttons, sensors, switches, valves) are the H100's (models-hubs.ts).
 */

import { deviceId } from './model-parts';
import { HUB_ALARM_TYPES } from './models-hubs';

export const H200_FIRMWARE = '1.3.6 Build 20240829 rel.71119';

/** App components an H200 of firmware 1.3.6 lists ({name, version}, smartcam's shape). */
export const H200_COMPONENTS = appComponents(
  'sdCard:2 dateTime:1 system:4 led:1 firmware:2 account:1 quickSetup:1 hubRecord:1 ' +
    'deviceShare:1 siren:2 childControl:1 childQuickSetup:1 childInherit:1 deviceLoad:1 subg:2 ' +
    'iotCloud:1 diagnose:1 preWakeUp:1 supportRE:1 testSignal:1 dataDownload:1 ' +
    'testChildSignal:1 ringLog:1 matter:1 localSmart:1 generalCameraManage:1 playback:6 hubPlayback:1',
);

/** Components from "name:version …" in smartcam's {name, version} shape. */
function appComponents(list: string): readonly { name: string; version: number }[] {
  return list.split(' ').map((item) => {
    const [name, version] = item.split(':');
    return { name: String(name), version: Number(version) };
  });
}

/** The H200's basic_info (getDeviceInfo), our own ids. */
export function h200BasicInfo(alias: string): Record<string, unknown> {
  const id = deviceId('H200-emulated-hub').padEnd(40, '0').slice(0, 40);
  return {
    avatar: 'hub_h200',
    bind_status: true,
    child_num: 0,
    dev_id: id,
    device_alias: alias,
    device_info: 'H200 1.0',
    device_model: 'H200',
    device_name: 'Tapo Smart Hub',
    device_type: 'SMART.TAPOHUB',
    has_set_location_info: 1,
    hw_id: deviceId('H200-hw').slice(0, 32),
    hw_version: '1.0',
    latitude: 0,
    local_ip: '127.0.0.1',
    longitude: 0,
    mac: '3C-52-A1-5E-20-0A',
    need_sync_sha1_password: 0,
    oem_id: deviceId('H200-oem').slice(0, 32),
    product_name: 'Tapo Smart Hub',
    region: 'EU',
    status: 'configured',
    sw_version: H200_FIRMWARE,
  };
}

/** The siren: its stored configuration (volume "1".."10" as a string) and its sounds. */
export const H200_SIREN = {
  config: { duration: 300, siren_type: 'Doorbell Ring 1', volume: '6' },
  types: [...HUB_ALARM_TYPES],
};

/** Camera-type children an H200 takes (getSupportChildDeviceCategory lists ipcamera). */
export const H200_CAMERA_MODELS = ['D230'] as const;
export type H200CameraModel = (typeof H200_CAMERA_MODELS)[number];

/** A D230 battery doorbell's record in the H200's child list (camera-shaped), our own ids. */
export function d230Record(alias: string, index: number, hubId: string): Record<string, unknown> {
  const id = deviceId(`${hubId}-camera-${index}-D230`).padEnd(40, '0').slice(0, 40);
  return {
    alias,
    avatar: 'camera d210',
    battery_charging: 'NO',
    battery_installed: 1,
    battery_percent: 87,
    category: 'camera',
    dev_name: 'Tapo Smart Doorbell',
    device_id: id,
    device_model: 'D230',
    device_name: alias,
    device_type: 'SMART.TAPODOORBELL',
    hw_ver: '1.20',
    led_status: 'on',
    low_battery: false,
    mac: `F0:09:0D:4C:00:${(index + 16).toString(16).toUpperCase()}`,
    online: true,
    parent_device_id: hubId,
    power: 'BATTERY',
    power_save_mode: 'off',
    power_save_status: 'off',
    region: 'EU',
    rssi: -48,
    status: 'configured',
    sw_ver: '1.1.19 Build 20241011 rel.67020',
    updating: false,
  };
}

/** A D230's component list ({name, version}, as camera children list them). */
export const D230_COMPONENTS = appComponents(
  'sdCard:2 timezone:1 batCamSystem:1 led:1 playback:3 detection:3 firmware:1 video:3 ' +
    'record:1 audio:3 personDetection:2 msgPush:3 deviceShare:1 pir:1 battery:1 ring:1 ' +
    'whiteLamp:1 wakeUp:1 antiTheft:1 quickResponse:1',
);
