/**
 * The outlets of an emulated strip as a user sees them: numbered by their place on the housing
 * (SMART `position`; IOT sysinfo order, from 1), whatever order the firmware lists them in. For
 * tests and the CLI line; the devices themselves answer in their firmware's own shapes.
 */

import { fullChildId } from './iot/outlets';
import { EmulatedIotDevice } from './iot-device';
import type { Json } from './json';
import type { EmulatedSmartDevice } from './smart-device';

export interface EmulatedOutlet {
  /** 1-based number on the housing. */
  position: number;
  /** SMART device_id; IOT child id in its full form (the strip's deviceId and two digits). */
  id: string;
  alias: string;
  on: boolean;
}

/** A device's outlets by position (empty for a device without any). */
export function outletsOf(device: EmulatedSmartDevice | EmulatedIotDevice): EmulatedOutlet[] {
  if (device instanceof EmulatedIotDevice) {
    const info = device.info;
    const children = Array.isArray(info.children) ? (info.children as Json[]) : [];
    return children.map((child, index) => ({
      position: index + 1,
      id: fullChildId(String(info.deviceId ?? ''), String(child.id)),
      alias: String(child.alias ?? ''),
      on: child.state === 1,
    }));
  }
  return device.children
    .map(({ info }, index) => ({
      position: typeof info.position === 'number' ? info.position : index + 1,
      id: String(info.device_id),
      alias: Buffer.from(String(info.nickname ?? ''), 'base64').toString('utf8'),
      on: info.device_on === true,
    }))
    .sort((a, b) => a.position - b.position);
}
