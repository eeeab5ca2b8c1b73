/**
 * startEmulator with a device description instead of a model name: how scripts/check-fixtures
 * serves real device dumps. The description's own name, state and wire reach the client, and the
 * caller's object stays as it was while the device runs.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import {
  createModel,
  type DeviceModel,
  type EmulatedDevice,
  type EmulatorOptions,
  startEmulator,
} from '../../src/emulator';

const USER = 'someone@example.com';
const PASS = 'Secret-Pass1';

const running: EmulatedDevice[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.close()));
});

async function emulate(model: DeviceModel, extra: Partial<EmulatorOptions> = {}) {
  const device = await startEmulator({ model, username: USER, password: PASS, ...extra });
  running.push(device);
  const lamp = await connect({
    host: device.host,
    port: device.port,
    username: USER,
    password: PASS,
    timeoutMs: 3000,
    discoveryPort: null,
  });
  return { device, lamp };
}

describe('startEmulator({ model: a description })', () => {
  it('serves a SMART description of a model we do not ship, over AES login v1', async () => {
    const model = createModel('L530');
    assert.equal(model.dialect, 'smart');
    // A lamp none of our models is, as a dump of older firmware would describe it.
    const described: DeviceModel = {
      ...model,
      name: 'L535',
      info: {
        ...model.info,
        model: 'L535',
        nickname: Buffer.from('Reading lamp').toString('base64'),
        device_on: true,
        brightness: 64,
      },
    };
    const before = structuredClone(described);
    const { device, lamp } = await emulate(described, { protocol: 'aes', loginVersion: 1 });
    try {
      assert.deepEqual(
        [device.model, device.protocol, device.loginVersion, device.dialect],
        ['L535', 'aes', 1, 'smart'],
      );
      const state = await lamp.getState();
      assert.deepEqual(
        [state.model, state.alias, state.on, state.brightness],
        ['L535', 'Reading lamp', true, 64],
      );
      assert.equal(lamp.login?.variant, 'AES, login v1');
      await lamp.setState({ on: false });
      assert.equal(device.info.device_on, false, 'the command reached the running device');
      assert.deepEqual(described, before, "the caller's description is unchanged");
    } finally {
      await lamp.close();
    }
  });

  it('serves an IOT description over the legacy protocol, and one over KLAP v1', async () => {
    const model = createModel('HS103');
    assert.equal(model.dialect, 'iot');
    const described: DeviceModel = {
      ...model,
      name: 'KP105',
      sysinfo: { ...model.sysinfo, model: 'KP105(UK)', alias: 'Kettle' },
    };
    for (const [protocol, variant] of [
      ['legacy', 'Kasa legacy (XOR, TCP)'],
      ['klap', 'KLAP 1 (MD5)'],
    ] as const) {
      const { device, lamp } = await emulate({ ...described, klap: 1 }, { protocol });
      try {
        assert.equal(device.protocol, protocol);
        const state = await lamp.getState();
        assert.deepEqual([state.model, state.alias], ['KP105', 'Kettle']);
        assert.equal(lamp.login?.variant, variant);
        await lamp.setState({ on: true });
        assert.equal(device.info.relay_state, 1);
      } finally {
        await lamp.close();
      }
    }
    assert.equal(described.sysinfo.relay_state, model.sysinfo.relay_state);
  });
});
