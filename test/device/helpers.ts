import assert from 'node:assert/strict';
/** Shared fixtures for device-layer tests: emulated devices behind an in-memory transport. */

import {
  componentVersions,
  iotCapabilities,
  smartCapabilities,
} from '../../src/device/capabilities';
import { LampClient } from '../../src/device/client';
import type { Capabilities, LampState } from '../../src/device/types';
import { createDevice } from '../../src/emulator';
import { EmulatedIotDevice } from '../../src/emulator/iot-device';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { createModel, type ModelName } from '../../src/emulator/models';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { InvalidCommandError, UnsupportedFeatureError } from '../../src/transport/errors';

/** Capabilities of a model, worked out the way the client does from its description. */
export function capabilitiesOf(name: ModelName): Capabilities {
  const model = createModel(name);
  return model.dialect === 'smart'
    ? smartCapabilities(componentVersions({ component_list: model.components }), model.info)
    : iotCapabilities(model.sysinfo);
}

export interface Rig {
  client: LampClient;
  transport: MemoryTransport;
  device: EmulatedSmartDevice | EmulatedIotDevice;
}

/** A client talking to an emulated model through MemoryTransport (no network, no KLAP). */
export function rig(name: ModelName): Rig {
  const device = createDevice(createModel(name));
  const transport = new MemoryTransport((text) => device.handle(text));
  const client = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
  return { client, transport, device };
}

export function smartDevice(r: Rig): EmulatedSmartDevice {
  if (r.device instanceof EmulatedIotDevice) throw new Error('not a SMART device');
  return r.device;
}

/** The state of the emulated HS100 (Kasa plug), as every dialect-level test expects it. */
export function hs100State(on: boolean): LampState {
  return {
    on,
    online: true,
    model: 'HS100',
    alias: 'Kitchen lamp plug',
    type: 'plug',
    firmware: '1.1.0',
    led: true,
    rssi: -48,
  };
}

/**
 * `call` is refused before anything reaches the device: an InvalidCommandError or
 * UnsupportedFeatureError (`kind` when given) naming `property`, with `message`.
 */
export async function expectRefused(
  transport: MemoryTransport,
  call: () => Promise<unknown>,
  property: string,
  message: RegExp,
  kind?: typeof InvalidCommandError | typeof UnsupportedFeatureError,
): Promise<void> {
  transport.sent.length = 0;
  await assert.rejects(call(), (error: unknown) => {
    const expected = kind
      ? error instanceof kind
      : error instanceof InvalidCommandError || error instanceof UnsupportedFeatureError;
    assert.ok(expected, String(error));
    assert.equal((error as InvalidCommandError).property, property);
    assert.match((error as Error).message, message);
    return true;
  });
  assert.equal(transport.sent.length, 0, 'nothing sent');
}
