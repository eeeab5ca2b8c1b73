/**
 * Beyond on/off on Tapo (SMART) devices, through LampClient and the emulated models in memory:
 * energy month/voltage/current, presets, fade, auto-off, LED, auto-update, rssi. Each feature
 * works where the model has it (one device request per command) and is refused before
 * anything is sent where it does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { createModel, type SmartModel } from '../../src/emulator/models';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { InvalidCommandError, UnsupportedFeatureError } from '../../src/transport/errors';
import { expectRefused, type Rig, rig, smartDevice } from './helpers';

type Sub = { method: string; params?: Record<string, unknown> };
type Sent = { method: string; params?: { requests?: Sub[] } & Record<string, unknown> };

/** Every sub-request sent, flattened, per device request. */
function sentBatches(r: Rig): Sub[][] {
  return (r.transport.requests as Sent[]).map((q) =>
    q.method === 'multipleRequest'
      ? (q.params?.requests ?? [])
      : [{ method: q.method, params: q.params }],
  );
}

/** An opened client whose first poll has run (so every setting is known), sent list cleared. */
async function polled(name: Parameters<typeof rig>[0]): Promise<Rig> {
  const r = rig(name);
  await r.client.open();
  await r.client.getState();
  r.transport.sent.length = 0;
  return r;
}

function refused(
  r: Rig,
  payload: unknown,
  property: string,
  kind: typeof InvalidCommandError | typeof UnsupportedFeatureError,
  message: RegExp,
) {
  return expectRefused(r.transport, () => r.client.setState(payload), property, message, kind);
}

/** A fresh client on the same emulated device: what the device itself now holds. */
async function reread(r: Rig): Promise<Awaited<ReturnType<LampClient['getState']>>> {
  const device = smartDevice(r);
  const client = new LampClient(
    { host: '127.0.0.1', port: 9 },
    new MemoryTransport((t) => device.handle(t)),
  );
  await client.open();
  return client.getState();
}

describe('SMART presets', () => {
  it('L530: read in the first poll, applied as one set_device_info', async () => {
    const r = await polled('L530');
    const state = await r.client.getState();
    assert.equal(state.presets?.length, 7);
    assert.deepEqual(state.presets?.[0], { brightness: 50, colorTemp: 2700 });
    assert.deepEqual(state.presets?.[1], { brightness: 100, hue: 240, saturation: 100 });
    r.transport.sent.length = 0;
    const blue = await r.client.setState({ preset: 2 });
    assert.deepEqual(sentBatches(r), [
      [
        {
          method: 'set_device_info',
          params: { device_on: true, brightness: 100, hue: 240, saturation: 100, color_temp: 0 },
        },
        { method: 'get_device_info' },
      ],
    ]);
    assert.deepEqual([blue.on, blue.hue, blue.saturation, blue.colorTemp], [true, 240, 100, 0]);
    const white = await r.client.setState({ preset: 1 });
    assert.deepEqual([white.brightness, white.colorTemp], [50, 2700]);
  });

  it('refuses a preset the lamp does not have, and contradictions, before sending', async () => {
    const r = await polled('L530');
    await refused(r, { preset: 8 }, 'preset', InvalidCommandError, /from 1 to 7 on this L530/);
    await refused(r, { preset: 0 }, 'preset', InvalidCommandError, /whole number from 1/);
    await refused(r, { preset: 1.5 }, 'preset', InvalidCommandError, /whole number/);
    await refused(r, { preset: 2, brightness: 20 }, 'preset', InvalidCommandError, /brightness/);
    await refused(r, { preset: 2, on: false }, 'preset', InvalidCommandError, /contradict/);
  });

  it('L510 keeps brightness-only presets; L900 its fixed-white preset as stored', async () => {
    const l510 = await polled('L510');
    assert.deepEqual((await l510.client.getState()).presets, [
      { brightness: 1 },
      { brightness: 25 },
      { brightness: 50 },
      { brightness: 75 },
      { brightness: 100 },
    ]);
    assert.equal((await l510.client.setState({ preset: 3 })).brightness, 50);
    const l900 = rig('L900');
    await l900.client.open();
    // Presets v3 are asked for with start_index.
    const state = await l900.client.getState();
    const read = sentBatches(l900)
      .flat()
      .find((s) => s.method === 'get_preset_rules');
    assert.deepEqual(read?.params, { start_index: 0 });
    assert.deepEqual(state.presets?.[0], { brightness: 50, colorTemp: 9000 });
    await l900.client.setState({ preset: 1 });
    assert.equal(smartDevice(l900).info.color_temp, 9000);
  });

  it('a preset the client could not read yet is read first, then applied', async () => {
    // The presets getter fails once (at open), so the first preset command has to read them.
    const device = new EmulatedSmartDevice(createModel('L530') as SmartModel);
    let failed = false;
    const transport = new MemoryTransport((text) => {
      const reply = JSON.parse(device.handle(text));
      for (const response of reply.result?.responses ?? []) {
        if (response.method === 'get_preset_rules' && !failed) {
          failed = true;
          response.error_code = -1001;
          delete response.result;
        }
      }
      return JSON.stringify(reply);
    });
    const r = {
      client: new LampClient({ host: '127.0.0.1', port: 9 }, transport),
      transport,
      device,
    };
    assert.equal((await r.client.open()).presets, undefined);
    r.transport.sent.length = 0;
    const red = await r.client.setState({ preset: 3 });
    assert.equal(red.hue, 0);
    assert.equal(red.saturation, 100);
    assert.equal(sentBatches(r)[0]?.[0]?.method, 'get_preset_rules');
  });

  it('P100 has no presets', async () => {
    const r = await polled('P100');
    await refused(r, { preset: 1 }, 'preset', UnsupportedFeatureError, /P100 has no light presets/);
  });
});

describe('SMART fade (on_off_gradually)', () => {
  it('L530: seconds on the device, ms in the state; 0 disables one direction', async () => {
    const r = await polled('L530');
    assert.deepEqual((await r.client.getState()).fade, { on: 2000, off: 2000 });
    r.transport.sent.length = 0;
    const slower = await r.client.setState({ fade: { on: 5000 } });
    assert.deepEqual(sentBatches(r)[0]?.[0], {
      method: 'set_on_off_gradually_info',
      params: { on_state: { enable: true, duration: 5 } },
    });
    assert.deepEqual(slower.fade, { on: 5000, off: 2000 });
    assert.equal(slower.on, false, 'a setting does not switch the lamp on');
    const noOff = await r.client.setState({ fade: { off: 0, on: 1400 } });
    assert.deepEqual(noOff.fade, { on: 1000, off: 0 });
    assert.deepEqual((await reread(r)).fade, { on: 1000, off: 0 });
    const info = await r.client.request('get_on_off_gradually_info');
    assert.deepEqual((info as { off_state: unknown }).off_state, {
      enable: false,
      duration: 2,
      max_duration: 60,
    });
  });

  it('refuses out-of-range values, and lamps without durations (L900 v1, P100)', async () => {
    const r = await polled('L530');
    await refused(r, { fade: { on: 61_000 } }, 'fade.on', InvalidCommandError, /0 to 60000/);
    await refused(r, { fade: {} }, 'fade', InvalidCommandError, /empty/);
    await refused(r, { fade: { up: 1 } }, 'fade', InvalidCommandError, /on and\/or off/);
    const l900 = await polled('L900');
    await refused(
      l900,
      { fade: { on: 1000 } },
      'fade',
      UnsupportedFeatureError,
      /this L900 has no gradual on\/off durations \(fade\); its firmware only switches/,
    );
    assert.equal((await l900.client.getState()).fade, undefined);
    await refused(
      await polled('P100'),
      { fade: { on: 0 } },
      'fade',
      UnsupportedFeatureError,
      /P100/,
    );
  });

  it('transition stays refused on Tapo lamps, pointing at the fade setting', async () => {
    const r = await polled('L530');
    await refused(
      r,
      { on: true, transition: 500 },
      'transition',
      UnsupportedFeatureError,
      /gradually/,
    );
  });
});

describe('SMART plug settings: autoOff, led, autoUpdate', () => {
  it('P110 reads them within its polls, one device request each', async () => {
    const r = rig('P110');
    await r.client.open();
    r.transport.sent.length = 0;
    const first = await r.client.getState();
    const second = await r.client.getState();
    assert.equal(r.transport.sent.length, 2, 'one request per poll');
    for (const batch of sentBatches(r)) assert.ok(batch.length <= 5);
    assert.deepEqual(second.autoOff, { enabled: false, minutes: 120 });
    assert.equal(second.led, true);
    assert.equal(second.autoUpdate, true);
    assert.equal(second.rssi, -53);
    assert.ok(first.autoOff || first.led !== undefined);
  });

  it('autoOff: either field alone, the other kept from the device', async () => {
    const r = await polled('P110');
    const on = await r.client.setState({ autoOff: { enabled: true } });
    assert.deepEqual(sentBatches(r)[0]?.[0], {
      method: 'set_auto_off_config',
      params: { enable: true, delay_min: 120 },
    });
    assert.deepEqual(on.autoOff, { enabled: true, minutes: 120 });
    assert.equal(on.on, false);
    assert.equal(smartDevice(r).info.auto_off_status, 'on');
    const shorter = await r.client.setState({ autoOff: { minutes: 30 } });
    assert.deepEqual(shorter.autoOff, { enabled: true, minutes: 30 });
    assert.deepEqual((await reread(r)).autoOff, { enabled: true, minutes: 30 });
    await refused(
      r,
      { autoOff: { minutes: 0 } },
      'autoOff.minutes',
      InvalidCommandError,
      /1 to 1440/,
    );
    await refused(r, { autoOff: true }, 'autoOff', InvalidCommandError, /enabled and\/or minutes/);
  });

  it('led: off is rule "never"; on brings back the rule the user had', async () => {
    const r = rig('P110');
    const info = (r.device as { model: { settings?: Record<string, Record<string, unknown>> } })
      .model.settings?.get_led_info as Record<string, unknown>;
    info.led_rule = 'night_mode';
    await r.client.open();
    await r.client.getState();
    await r.client.getState();
    const off = await r.client.setState({ led: false });
    assert.equal(off.led, false);
    assert.equal(info.led_rule, 'never');
    const on = await r.client.setState({ led: true });
    assert.equal(on.led, true);
    assert.equal(info.led_rule, 'night_mode');
    assert.equal((await reread(r)).led, true);
  });

  it('autoUpdate sends the whole setting back with enable changed', async () => {
    const r = await polled('P110');
    await r.client.getState();
    r.transport.sent.length = 0;
    const off = await r.client.setState({ autoUpdate: false });
    assert.deepEqual(sentBatches(r)[0]?.[0], {
      method: 'set_auto_update_info',
      params: { enable: false, random_range: 120, time: 180 },
    });
    assert.equal(off.autoUpdate, false);
    await refused(r, { autoUpdate: 'no' }, 'autoUpdate', InvalidCommandError, /true or false/);
  });

  it('a light change and settings travel together in one request', async () => {
    const r = await polled('P110');
    await r.client.getState();
    r.transport.sent.length = 0;
    const state = await r.client.setState({ on: true, led: false, autoOff: { enabled: true } });
    assert.equal(r.transport.sent.length, 1);
    assert.deepEqual([state.on, state.led, state.autoOff?.enabled], [true, false, true]);
    // Three writes leave room for two reads: the meter's last values stand in.
    assert.equal(state.energyMonth, 3120);
    assert.equal(state.voltage, 238.609);
  });

  it('P100 has a LED but no auto-off or auto-update; lamps have no LED', async () => {
    const p100 = await polled('P100');
    assert.equal((await p100.client.setState({ led: false })).led, false);
    p100.transport.sent.length = 0;
    await refused(
      p100,
      { autoOff: { enabled: true } },
      'autoOff',
      UnsupportedFeatureError,
      /this P100 has no auto-off setting \(autoOff\)/,
    );
    await refused(
      p100,
      { autoUpdate: true },
      'autoUpdate',
      UnsupportedFeatureError,
      /P100 has no firmware auto-update/,
    );
    await refused(
      await polled('L530'),
      { led: true },
      'led',
      UnsupportedFeatureError,
      /L530 has no status LED/,
    );
  });
});

describe('SMART energy', () => {
  it('P110: month energy, voltage and current next to power', async () => {
    const r = await polled('P110');
    const on = await r.client.setState(true);
    assert.equal(on.energyMonth, 3120);
    assert.equal(on.voltage, 238.609);
    assert.equal(on.current, Math.round((8962 / 238_609) * 1000) / 1000);
    assert.equal(on.power, 8.962);
  });

  it('firmware without get_emeter_data: no voltage, and it is not asked again', async () => {
    const r = rig('P110');
    delete (r.device as { model: { emeterData?: unknown } }).model.emeterData;
    const first = await r.client.open();
    assert.equal(first.voltage, undefined);
    assert.equal(first.energyMonth, 3120);
    r.transport.sent.length = 0;
    await r.client.getState();
    assert.ok(
      !sentBatches(r)
        .flat()
        .some((s) => s.method === 'get_emeter_data'),
    );
  });
});
