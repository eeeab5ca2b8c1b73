/** Emulated hubs for the device-layer hub tests: a started H100/KH100 and a client to it. */
import { after } from 'node:test';
import { connect, type LampClient } from '../../src/device/client';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import type { HubChildOption } from '../../src/emulator/models-hubs';

export const USER = 'hub@example.com';
export const PASS = 'Hub-Pass9';

export const EVERY_KIND: HubChildOption[] = [
  'S200B',
  'S200D',
  'T100',
  'T110',
  'T300',
  'T315',
  'S220',
  'KE100',
];

export const running: { device: EmulatedDevice; lamp: LampClient }[] = [];
after(async () => {
  for (const { device, lamp } of running.splice(0)) {
    await lamp.close();
    await device.close();
  }
});

/** A hub with `children`, started, and a client logged in to it (both closed after the file). */
export async function hub(
  children: HubChildOption[] = EVERY_KIND,
  options: { protocol?: 'klap' | 'aes'; model?: 'H100' | 'KH100' } = {},
) {
  const protocol = options.protocol ?? 'klap';
  const device = await startEmulator({
    model: options.model ?? 'H100',
    children,
    username: USER,
    password: PASS,
    protocol,
  });
  const lamp = await connect({
    host: device.host,
    port: device.port,
    username: USER,
    password: PASS,
    protocol,
  });
  running.push({ device, lamp });
  return { device, lamp };
}
