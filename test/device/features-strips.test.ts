/**
 * Beyond on/off on power strips, through the library over real KLAP on 127.0.0.1: the strip's
 * own settings (LED, auto-update) work as on a plug and ride in the strip's one read with its
 * outlets; single outlets refuse settings and energy history, naming the outlet, before sending.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type LampClient } from '../../src/device/client';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { InvalidCommandError, UnsupportedFeatureError } from '../../src/transport/errors';

const USER = 'strip-features@example.com';
const PASS = 'Strip-Feat9';

const running: { device: EmulatedDevice; lamp: LampClient }[] = [];
after(async () => {
  for (const { device, lamp } of running.splice(0)) {
    await lamp.close();
    await device.close();
  }
});

async function strip(model: 'P300' | 'P304M' | 'KP303') {
  const tapo = model !== 'KP303';
  const device = await startEmulator({
    model,
    ...(tapo ? { username: USER, password: PASS } : {}),
  });
  const lamp = await connect({
    host: device.host,
    port: device.port,
    ...(tapo ? { username: USER, password: PASS } : {}),
  });
  running.push({ device, lamp });
  return { device, lamp };
}

async function refusedBeforeSending(
  device: EmulatedDevice,
  call: () => Promise<unknown>,
  property: string,
  message: RegExp,
) {
  const before = device.server.counters.requests;
  await assert.rejects(call(), (error: unknown) => {
    assert.ok(
      error instanceof UnsupportedFeatureError || error instanceof InvalidCommandError,
      String(error),
    );
    assert.equal((error as UnsupportedFeatureError).property, property);
    assert.match((error as Error).message, message);
    return true;
  });
  assert.equal(device.server.counters.requests, before, 'nothing sent');
}

describe('beyond on/off on power strips', () => {
  it('P300: the strip LED and auto-update, set with the outlets read in the same request', async () => {
    const { device, lamp } = await strip('P300');
    const first = await lamp.getState();
    assert.deepEqual([first.led, first.autoUpdate], [false, false], 'as the P300 dump');
    const before = device.server.counters.requests;
    const on = await lamp.setState({ led: true, autoUpdate: true });
    assert.deepEqual([on.led, on.autoUpdate], [true, true]);
    assert.equal(on.outlets?.length, 3, 'the outlets are read in the same batch');
    assert.equal(device.server.counters.requests - before, 1);
  });

  it('P304M: the strip LED (night mode) off and back, rssi; no meter of its own', async () => {
    const { lamp } = await strip('P304M');
    const first = await lamp.getState();
    assert.deepEqual([first.led, first.autoUpdate, typeof first.rssi], [true, true, 'number']);
    assert.equal(first.outlets?.length, 4);
    assert.equal(first.voltage, undefined, 'the parent meters through its outlets');
    assert.equal((await lamp.setState({ led: false })).led, false);
    assert.equal((await lamp.setState({ led: true })).led, true);
    const rule = (await lamp.request('get_led_info')) as { led_rule: string };
    assert.equal(rule.led_rule, 'night_mode', 'led: true brings back the night-mode rule');
  });

  it('single outlets refuse settings and energy history, naming the outlet', async () => {
    const { device, lamp } = await strip('P304M');
    await lamp.getState();
    await refusedBeforeSending(
      device,
      () => lamp.setState({ autoOff: { enabled: true } }, { outlet: 2 }),
      'autoOff',
      /auto-off/,
    );
    await refusedBeforeSending(
      device,
      () => lamp.energyHistory({ interval: 'day' }, { outlet: 2 }),
      'energyHistory',
      /this P304M outlet 2 keeps no energy history we can read/,
    );
    await refusedBeforeSending(
      device,
      () => lamp.energyHistory({ interval: 'day' }),
      'energyHistory',
      /this P304M has no energy meter/,
    );
  });

  it('KP303 (Kasa): the strip LED through system.set_led_off', async () => {
    const { lamp } = await strip('KP303');
    const first = await lamp.getState();
    assert.equal(typeof first.led, 'boolean');
    assert.equal((await lamp.setState({ led: !first.led })).led, !first.led);
    assert.equal((await lamp.setState({ on: false })).on, false, 'the outlets still switch');
  });
});
