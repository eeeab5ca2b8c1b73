/**
 * End to end over real HTTP on 127.0.0.1: LampClient + KlapTransport against KlapServer +
 * emulated devices, one per model.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, LampClient } from '../../src/device/client';
import { STRIP_EFFECTS } from '../../src/device/effects';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { InvalidCommandError, LampError } from '../../src/transport/errors';
import { hs100State } from '../device/helpers';

const USER = 'someone@example.com';
const PASS = 'Secret-Pass1';

const running: EmulatedDevice[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.close()));
});

async function emulate(model: EmulatorOptions['model'], extra: Partial<EmulatorOptions> = {}) {
  const device = await startEmulator({ model, username: USER, password: PASS, ...extra });
  running.push(device);
  const lamp = await connect({
    host: device.host,
    port: device.port,
    username: USER,
    password: PASS,
    timeoutMs: 3000,
  });
  return { device, lamp };
}

describe('end to end over KLAP on 127.0.0.1', () => {
  it('L530: state, colour, white, brightness, toggle, effect, raw request', async () => {
    const { device, lamp } = await emulate('L530');
    assert.equal(device.host, '127.0.0.1');
    assert.equal(device.klapVersion, 2);
    assert.equal(device.dialect, 'smart');
    const first = await lamp.getState();
    assert.equal(first.model, 'L530');
    assert.equal(first.on, false);
    let state = await lamp.setState({ color: '#00ff00', brightness: 40 });
    assert.deepEqual(
      [state.on, state.hue, state.saturation, state.brightness, state.colorTemp],
      [true, 120, 100, 40, 0],
    );
    state = await lamp.setState({ colorTemp: 3000 });
    assert.equal(state.colorTemp, 3000);
    assert.equal((await lamp.setState(75)).brightness, 75);
    assert.equal((await lamp.setState('toggle')).on, false);
    assert.equal((await lamp.setState('toggle')).on, true);
    state = await lamp.setState({ effect: 'Party' });
    assert.equal(state.effect, 'Party');
    assert.equal(device.info.dynamic_light_effect_id, 'L1');
    const raw = (await lamp.request('get_device_info')) as { model: string };
    assert.equal(raw.model, 'L530');
    const requests = device.klap.counters.requests;
    await assert.rejects(lamp.setState({ colorTemp: 9000 }), /between 2500 and 6500 K/);
    await assert.rejects(lamp.setState({ brightness: 101 }), /from 1 to 100 \(got 101\)/);
    assert.equal(device.klap.counters.requests, requests, 'refused commands send nothing');
    await lamp.close();
    await assert.rejects(
      lamp.getState(),
      (e: unknown) => e instanceof LampError && e.code === 'CLOSED',
    );
  });

  it('L510, L900, P100: what each can and cannot do', async () => {
    const l510 = await emulate('L510');
    assert.equal((await l510.lamp.setState(10)).brightness, 10);
    await assert.rejects(l510.lamp.setState('#ff0000'), /this L510 has no colour/);
    const l900 = await emulate('L900');
    const aurora = await l900.lamp.setState({ effect: 'Aurora' });
    assert.equal(aurora.effect, 'Aurora');
    assert.equal(aurora.type, 'strip');
    assert.equal((await l900.lamp.setState({ effect: 'off' })).effect, 'off');
    await assert.rejects(l900.lamp.setState({ colorTemp: 2700 }), /cannot tune its white/);
    const p100 = await emulate('P100');
    assert.equal((await p100.lamp.setState('on')).on, true);
    await assert.rejects(p100.lamp.setState({ brightness: 5 }), /this P100 has no brightness/);
    await Promise.all([l510.lamp.close(), l900.lamp.close(), p100.lamp.close()]);
  });

  it('L900: every built-in strip effect starts, reads back by name, and stops', async () => {
    const { device, lamp } = await emulate('L900');
    const names = (await lamp.capabilities()).effects ?? [];
    assert.equal(names.length, 17);
    for (const name of names) {
      const state = await lamp.setState({ effect: name.toUpperCase() });
      assert.equal(state.effect, name, `${name} reads back as state.effect`);
      assert.equal(state.on, true);
      const running = (await lamp.request('get_lighting_effect')) as Record<string, unknown>;
      const builtIn = STRIP_EFFECTS.find((e) => e.name === name);
      assert.equal(running.id, builtIn?.id);
      assert.equal(running.type, builtIn?.type);
      assert.equal(running.enable, 1);
    }
    assert.equal((await lamp.setState({ effect: 'off' })).effect, 'off');
    assert.equal((device.info.lighting_effect as { enable: number }).enable, 0);
    const requests = device.klap.counters.requests;
    await assert.rejects(
      lamp.setState({ effect: 'Disco' }),
      (e: unknown) =>
        e instanceof InvalidCommandError &&
        e.message.includes('Aurora, Bubbling Cauldron') &&
        e.message.endsWith('Valentines (got "Disco")'),
    );
    assert.equal(device.klap.counters.requests, requests, 'an unknown effect sends nothing');
    await lamp.close();
  });

  it('P110 reports power and energy', async () => {
    const { lamp } = await emulate('P110');
    const off = await lamp.getState();
    assert.equal(off.power, 0);
    const on = await lamp.setState(true);
    assert.equal(on.power, 8.962);
    assert.equal(on.energyToday, 120);
    assert.deepEqual(await lamp.request('get_current_power'), { current_power: 9 });
    await lamp.close();
  });

  it('HS100 speaks IOT over KLAP v1', async () => {
    const { device, lamp } = await emulate('HS100');
    assert.equal(device.klapVersion, 1);
    assert.equal(lamp.dialect, 'iot');
    const state = await lamp.setState('on');
    assert.deepEqual(state, hs100State(true));
    assert.equal(device.info.relay_state, 1);
    const sysinfo = (await lamp.request('system.get_sysinfo')) as { model: string };
    assert.equal(sysinfo.model, 'HS100(UK)');
    assert.equal((await lamp.capabilities()).dialect, 'iot');
    await lamp.close();
  });

  it('HS100 on KLAP v2 and with the Kasa default credentials still connects', async () => {
    const v2 = await startEmulator({ model: 'HS100', klap: 2, username: USER, password: PASS });
    const kasa = await startEmulator({ model: 'HS100', credentials: 'kasa-default', alias: 'Fan' });
    running.push(v2, kasa);
    for (const device of [v2, kasa]) {
      const lamp = await connect({
        host: device.host,
        port: device.port,
        username: USER,
        password: PASS,
      });
      assert.equal((await lamp.setState('toggle')).on, true);
      await lamp.close();
    }
    assert.equal(kasa.info.alias, 'Fan');
  });

  it('device-level faults reach the caller as DeviceError and change nothing', async () => {
    const { device, lamp } = await emulate('P110');
    const faults = device.deviceFaults as EmulatedSmartDevice['faults'];
    faults.errorCodes.push(-1301);
    await assert.rejects(
      lamp.setState(true),
      (e: unknown) =>
        e instanceof LampError && e.code === 'DEVICE_ERROR' && /rate limited/.test(e.message),
    );
    assert.equal(device.info.device_on, false);
    assert.equal((await lamp.setState(true)).on, true);
    await lamp.close();
  });

  it('survives a session the device forgot (9999) and batches it refuses (-1003)', async () => {
    const { device, lamp } = await emulate('L530');
    const handshakes = device.klap.counters.handshakes;
    device.klap.faults.sessionTimeoutError = 1;
    assert.equal((await lamp.setState(true)).on, true);
    assert.equal(device.klap.counters.handshakes, handshakes + 1, 'logged in again once');
    (device.device as EmulatedSmartDevice).faults.refuseBatches = true;
    assert.equal((await lamp.setState(false)).on, false);
    assert.equal((await lamp.setState(true)).on, true);
    await lamp.close();
  });

  it('two clients on a device that keeps one session take turns by logging in again', async () => {
    const device = await startEmulator({ model: 'L510', server: { maxSessions: 1 } });
    running.push(device);
    const a = await connect({ host: device.host, port: device.port });
    const b = await connect({ host: device.host, port: device.port });
    assert.equal((await a.setState(20)).brightness, 20);
    assert.equal((await b.getState()).brightness, 20);
    assert.equal((await a.setState(30)).brightness, 30);
    assert.ok(device.klap.counters.handshakes >= 3, 'each turn needed a new login');
    await Promise.all([a.close(), b.close()]);
  });

  it('unplugged devices fail clearly and work again once plugged in', async () => {
    const { device, lamp } = await emulate('P100', { alias: 'Porch' });
    const port = device.port;
    await device.unplug();
    await assert.rejects(
      lamp.getState(),
      (e: unknown) => e instanceof LampError && e.code === 'UNREACHABLE',
    );
    await device.plugIn();
    assert.equal(device.port, port);
    const state = await lamp.getState();
    assert.equal(state.alias, 'Porch');
    await lamp.close();
  });

  it('blank-credential devices, and wrong credentials refused with AUTH_FAILED', async () => {
    const blank = await startEmulator({ model: 'P100' });
    running.push(blank);
    assert.equal(blank.credentialMode, 'blank');
    const lamp = await connect({ host: blank.host, port: blank.port });
    assert.equal((await lamp.getState()).model, 'P100');
    await lamp.close();
    const device = await startEmulator({ model: 'L510', username: USER, password: PASS });
    running.push(device);
    await assert.rejects(
      connect({
        host: device.host,
        port: device.port,
        username: USER,
        password: 'wrong',
        timeoutMs: 3000,
      }),
      (e: unknown) => e instanceof LampError && e.code === 'AUTH_FAILED',
    );
    const lazy = new LampClient({
      host: device.host,
      port: device.port,
      username: USER,
      password: PASS,
    });
    assert.equal((await lazy.capabilities()).brightness, true);
    await lazy.close();
  });
});
