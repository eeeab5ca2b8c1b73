/**
 * Beyond on/off on power strips, through the library over real KLAP on 127.0.0.1: the strip's
 * own settings (LED, auto-update) work as on a plug and ride in the strip's one read with its
 * outlets; single outlets refuse settings, naming the outlet, before sending; a metering
 * outlet reports its month and answers its own energy history.
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

  it('single outlets refuse settings, naming the outlet; one that does not meter refuses history', async () => {
    const { device, lamp } = await strip('P304M');
    await lamp.getState();
    await refusedBeforeSending(
      device,
      () => lamp.setState({ led: false }, { outlet: 2 }),
      'led',
      /LED/,
    );
    await refusedBeforeSending(
      device,
      () => lamp.energyHistory({ interval: 'day' }),
      'energyHistory',
      /this P304M has no energy meter/,
    );
    const p300 = await strip('P300');
    await p300.lamp.getState();
    await refusedBeforeSending(
      p300.device,
      () => p300.lamp.energyHistory({ interval: 'day' }, { outlet: 2 }),
      'energyHistory',
      /this P300 outlet 2 has no energy meter/,
    );
  });

  it("P300: each outlet's own auto-off, read at open and set in one request without switching it", async () => {
    const { device, lamp } = await strip('P300');
    const state = await lamp.getState();
    assert.deepEqual(
      state.outlets?.map((o) => o.autoOff),
      [1, 2, 3].map(() => ({ enabled: false, minutes: 120 })),
    );
    const before = device.server.counters.requests;
    const two = await lamp.outlet(2).setState({ autoOff: { enabled: true, minutes: 30 } });
    assert.deepEqual(two.autoOff, { enabled: true, minutes: 30 });
    assert.equal(two.on, false, 'auto-off alone does not switch the outlet on');
    // The control_child alone (the proven shape), then the strip's read.
    assert.equal(device.server.counters.requests - before, 2, 'the write, then the read');
    const smart = device.device as unknown as {
      children: { info: Record<string, unknown>; model: { getters?: Record<string, unknown> } }[];
    };
    const child = smart.children.find((c) => c.info.position === 2);
    assert.deepEqual(child?.model.getters?.get_auto_off_config, { delay_min: 30, enable: true });
    assert.equal(child?.info.auto_off_status, 'on');
    const again = await lamp.getState();
    assert.deepEqual(
      again.outlets?.map((o) => o.autoOff?.enabled),
      [false, true, false],
      'the other outlets kept theirs',
    );
    const minutesOnly = await lamp.outlet(2).setState({ autoOff: { minutes: 45 } });
    assert.deepEqual(minutesOnly.autoOff, { enabled: true, minutes: 45 });
    await refusedBeforeSending(
      device,
      () => lamp.setState({ autoOff: { enabled: true } }),
      'autoOff',
      /this P300 has no auto-off setting/,
    );
  });

  it("P304M: an outlet's month energy, and its own history by hour, day and month", async () => {
    const { device, lamp } = await strip('P304M');
    const state = await lamp.getState();
    const months = (state.outlets ?? []).map((o) => o.energyMonth);
    assert.ok(
      months.every((wh) => typeof wh === 'number'),
      'every outlet reports its month',
    );
    assert.equal(
      state.energyMonth,
      months.reduce((a = 0, b = 0) => a + b, 0),
      'the strip sums them',
    );
    assert.equal((await lamp.outlet(2).getState()).energyMonth, months[1]);
    const smart = device.device as unknown as {
      children: { counters: { methods: Record<string, number> } }[];
    };
    for (const interval of ['hour', 'day', 'month'] as const) {
      const points = await lamp.energyHistory({ interval }, { outlet: 'Aquarium light' });
      assert.ok(points.length > 0, interval);
      for (const p of points) {
        assert.equal(typeof p.wh, 'number');
        assert.ok(!Number.isNaN(Date.parse(p.t)));
      }
    }
    const asked = smart.children.map((c) => c.counters.methods.get_energy_data ?? 0);
    assert.ok((asked[1] ?? 0) >= 3, 'outlet 2 answered the history itself');
    assert.equal(asked.filter((n, i) => i !== 1 && n > 0).length, 0, 'no other outlet was asked');
  });

  it("HS300 (Kasa): an outlet's month energy and its history by day and month, not by hour", async () => {
    const device = await startEmulator({ model: 'HS300' });
    const lamp = await connect({ host: device.host, port: device.port });
    running.push({ device, lamp });
    const state = await lamp.getState();
    assert.ok((state.outlets ?? []).every((o) => typeof o.energyMonth === 'number'));
    const days = await lamp.energyHistory({ interval: 'day' }, { outlet: 1 });
    const months = await lamp.energyHistory({ interval: 'month' }, { outlet: 1 });
    assert.ok(days.length > 0 && months.length > 0);
    const thisMonth = months.at(-1);
    assert.equal(
      thisMonth?.wh,
      state.outlets?.[0]?.energyMonth,
      "the history's last month is the outlet's month",
    );
    await refusedBeforeSending(
      device,
      () => lamp.energyHistory({ interval: 'hour' }, { outlet: 1 }),
      'energyHistory.interval',
      /no energy history by hour/,
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
