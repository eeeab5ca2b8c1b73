import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import { findStripEffect } from '../../src/device/effects';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { createModel, type SmartModel } from '../../src/emulator/models';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import {
  ClosedError,
  DeviceError,
  InvalidCommandError,
  UnsupportedFeatureError,
} from '../../src/transport/errors';
import { hs100State, type Rig, rig, smartDevice } from './helpers';

type Sent = {
  method: string;
  params?: { requests?: { method: string; params?: Record<string, unknown> }[] };
};

function sentMethods(r: Rig): string[] {
  return (r.transport.requests as Sent[]).map((q) =>
    q.method === 'multipleRequest'
      ? `[${q.params?.requests?.map((s) => s.method).join(',')}]`
      : q.method,
  );
}

async function opened(model: Parameters<typeof rig>[0]): Promise<Rig> {
  const r = rig(model);
  await r.client.open();
  r.transport.sent.length = 0;
  return r;
}

describe('LampClient over SMART (in memory)', () => {
  it('open negotiates in one batch and returns the first state', async () => {
    const r = rig('P100');
    const state = await r.client.open();
    assert.equal(state.model, 'P100');
    assert.equal(r.client.dialect, 'smart');
    // The plug's LED setting is read in a second batch, so the first state is complete.
    assert.deepEqual(sentMethods(r), [
      '[component_nego,get_device_info]',
      '[get_device_info,get_led_info]',
    ]);
    assert.equal(state.led, true);
    assert.deepEqual(r.client.lastState, state);
    assert.equal((await r.client.capabilities()).led, true);
    assert.equal(r.transport.sent.length, 2, 'capabilities are cached');
  });

  it('a lamp with settings reads them once at open, then polls the light alone', async () => {
    const r = rig('L530');
    const state = await r.client.open();
    assert.deepEqual(sentMethods(r), [
      '[component_nego,get_device_info]',
      '[get_device_info,get_preset_rules,get_on_off_gradually_info,get_auto_update_info]',
    ]);
    assert.equal(state.presets?.length, 7);
    assert.deepEqual((await r.client.capabilities()).colorTemp, { min: 2500, max: 6500 });
  });

  it('getState opens lazily, then reads fresh each time', async () => {
    const r = rig('L510');
    assert.equal(r.client.lastState, undefined);
    const first = await r.client.getState();
    assert.equal(first.brightness, 80);
    smartDevice(r).info.brightness = 33;
    assert.equal((await r.client.getState()).brightness, 33);
    // Opening read the settings too (they ride in one batch with the light); polls then do not.
    assert.deepEqual(sentMethods(r), [
      '[component_nego,get_device_info]',
      '[get_device_info,get_preset_rules,get_on_off_gradually_info,get_auto_update_info]',
      'get_device_info',
    ]);
  });

  it('unchanged polls map nothing anew, yet every state and raw answer handed out is its own', async () => {
    const r = rig('L530');
    await r.client.getState(); // opens, reading the settings too
    const first = await r.client.getState();
    // A caller changing what it was given changes nothing the client keeps, though the next
    // poll gets the very same reply and is not mapped again.
    (first.presets as { brightness: number }[])[0].brightness = 1;
    first.presets?.push({ brightness: 2 });
    first.alias = 'changed';
    const second = await r.client.getState();
    assert.notEqual(second, first);
    assert.equal(second.presets?.length, 7);
    assert.notEqual(second.presets?.[0]?.brightness, 1);
    assert.notEqual(second.alias, 'changed');
    assert.deepEqual(await r.client.getState(), second);
    // Raw answers to the same question are parsed afresh: one may be changed without the other.
    const a = (await r.client.request('get_device_info')) as Record<string, unknown>;
    a.brightness = -1;
    const b = (await r.client.request('get_device_info')) as Record<string, unknown>;
    assert.equal(b.brightness, second.brightness);
    // And a change on the device shows at the next poll.
    smartDevice(r).info.brightness = 12;
    assert.equal((await r.client.getState()).brightness, 12);
  });

  it('poll() names each state with a mark and hands out no state for a repeated one', async () => {
    const r = rig('L530');
    await r.client.getState(); // opens, reading the settings too
    const first = await r.client.poll();
    assert.equal(first.state?.model, 'L530');
    // The device changed nothing: the same mark, no state (the caller holds it).
    const again = await r.client.poll(first.mark);
    assert.deepEqual(again, { mark: first.mark });
    // Without the mark, or with another one, the state comes as getState's would.
    assert.deepEqual((await r.client.poll()).state, first.state);
    assert.deepEqual((await r.client.poll(first.mark - 1)).state, first.state);
    // A change on the device moves the mark.
    smartDevice(r).info.brightness = 12;
    const changed = await r.client.poll(first.mark);
    assert.notEqual(changed.mark, first.mark);
    assert.equal(changed.state?.brightness, 12);
    // So does a command, even one that leaves the device as it was read.
    await r.client.setState({ brightness: 12 });
    const after = await r.client.poll(changed.mark);
    assert.notEqual(after.mark, changed.mark);
    assert.equal(after.state?.brightness, 12);
    assert.deepEqual(await r.client.poll(after.mark), { mark: after.mark });
  });

  it('a metering plug whose meter reply only moved its clock repeats its state; new readings show', async () => {
    let now = Date.parse('2026-12-07T12:00:00Z');
    const device = new EmulatedSmartDevice(createModel('P110') as SmartModel, { clock: () => now });
    const replies: string[] = [];
    const transport = new MemoryTransport((text) => {
      const reply = device.handle(text);
      replies.push(reply);
      return reply;
    });
    const client = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
    await client.getState();
    const first = await client.poll();
    now += 1000;
    assert.deepEqual(await client.poll(first.mark), { mark: first.mark });
    const [before, after] = replies.slice(-2);
    assert.notEqual(before, after, 'the meter part carries the clock');
    assert.match(after ?? '', /"local_time":"[^"]*12:00:01"/);
    // The meter counts on: the new reading shows, the device's own part as it was.
    (device as unknown as { power: { todayMwh: number } }).power.todayMwh += 7000;
    now += 1000;
    const counted = await client.poll(first.mark);
    assert.notEqual(counted.mark, first.mark);
    assert.equal(counted.state?.energyToday, (first.state?.energyToday ?? 0) + 7);
    assert.deepEqual({ ...counted.state, energyToday: first.state?.energyToday }, first.state);
    // And a change of the device itself is parsed whole.
    device.info.nickname = Buffer.from('Desk').toString('base64');
    assert.equal((await client.poll(counted.mark)).state?.alias, 'Desk');
  });

  it('poll() of a plug with outlets always hands out the state (its outlets are read afresh)', async () => {
    const r = rig('P300');
    await r.client.getState();
    const first = await r.client.poll();
    const again = await r.client.poll(first.mark);
    assert.notEqual(again.mark, first.mark);
    assert.deepEqual(again.state, first.state);
  });

  it('a combined change is one request that also reads the new state back', async () => {
    const r = await opened('L530');
    const state = await r.client.setState({ on: true, brightness: 40, colorTemp: 4000 });
    assert.deepEqual(sentMethods(r), ['[set_device_info,get_device_info]']);
    const set = (r.transport.requests[0] as Sent).params?.requests?.[0];
    assert.deepEqual(set?.params, { device_on: true, brightness: 40, color_temp: 4000 });
    assert.equal(state.on, true);
    assert.equal(state.brightness, 40);
    assert.equal(state.colorTemp, 4000);
    assert.deepEqual(r.client.lastState, state);
  });

  it('colour switches to colour mode (color_temp 0) and turns the lamp on', async () => {
    const r = await opened('L530');
    const state = await r.client.setState('#0000ff');
    const set = (r.transport.requests[0] as Sent).params?.requests?.[0];
    assert.deepEqual(set?.params, {
      brightness: 100,
      hue: 240,
      saturation: 100,
      color_temp: 0,
      device_on: true,
    });
    assert.equal(state.on, true);
    assert.equal(state.color, '#0000ff');
    assert.equal(state.colorTemp, 0);
    assert.equal((await r.client.setState({ hue: 120 })).hue, 120);
    assert.equal((await r.client.setState(0)).on, false);
    assert.equal(
      (await r.client.setState('#800000')).color,
      '#800000',
      'colours read back as sent',
    );
  });

  it('refusals send nothing, whether or not the client is open', async () => {
    const fresh = rig('P100');
    await assert.rejects(fresh.client.setState({ bogus: 1 }), InvalidCommandError);
    assert.equal(fresh.transport.sent.length, 0, 'a malformed payload does not even log in');
    const r = await opened('P100');
    await assert.rejects(r.client.setState(50), UnsupportedFeatureError);
    await assert.rejects(
      r.client.setState({ brightness: 140 }),
      /brightness must be a number from 1 to 100 \(got 140\)/,
    );
    const l530 = await opened('L530');
    await assert.rejects(
      l530.client.setState({ colorTemp: 9000 }),
      /between 2500 and 6500 K on this L530 \(got 9000\)/,
    );
    await assert.rejects(
      l530.client.setState({ transition: 300, on: true }),
      UnsupportedFeatureError,
    );
    assert.equal(r.transport.sent.length + l530.transport.sent.length, 0);
  });

  it('toggle reads then writes; toggles queued together resolve in order into one request', async () => {
    const r = await opened('P100');
    assert.equal((await r.client.setState('toggle')).on, true);
    assert.deepEqual(sentMethods(r), ['get_device_info', '[set_device_info,get_device_info]']);
    r.transport.sent.length = 0;
    // Three toggles queued together: on → off → on → off, as if sent one by one, but the
    // device hears one toggle (read, then one write) and every message gets the final state.
    const results = await Promise.all([
      r.client.setState('toggle'),
      r.client.setState('toggle'),
      r.client.setState('toggle'),
    ]);
    assert.deepEqual(
      results.map((s) => s.on),
      [false, false, false],
    );
    assert.equal(smartDevice(r).info.device_on, false);
    assert.deepEqual(sentMethods(r), ['get_device_info', '[set_device_info,get_device_info]']);
  });

  it('bulb effects: on, with brightness in the same batch, and off', async () => {
    const r = await opened('L530');
    const party = await r.client.setState({ effect: 'party', brightness: 60 });
    assert.equal(party.effect, 'Party');
    assert.equal(party.brightness, 60);
    assert.deepEqual(sentMethods(r), [
      '[set_device_info,set_dynamic_light_effect_rule_enable,get_device_info]',
    ]);
    const requests = (r.transport.requests[0] as Sent).params?.requests ?? [];
    assert.deepEqual(requests[1].params, { enable: true, id: 'L1' });
    const off = await r.client.setState({ effect: 'off' });
    assert.equal(off.effect, 'off');
    await r.client.setState({ effect: 'Relax' });
    assert.equal((await r.client.setState({ effect: 'off', colorTemp: 3000 })).colorTemp, 3000);
    assert.deepEqual(
      sentMethods(r).at(-1),
      '[set_dynamic_light_effect_rule_enable,set_device_info,get_device_info]',
    );
  });

  it('strip effects carry the whole effect object and stop with enable 0', async () => {
    const r = await opened('L900');
    const aurora = await r.client.setState({ effect: 'aurora', brightness: 30 });
    assert.equal(aurora.effect, 'Aurora');
    assert.equal(aurora.on, true);
    const requests = (r.transport.requests[0] as Sent).params?.requests ?? [];
    assert.deepEqual(
      requests.map((q) => q.method),
      ['set_device_info', 'set_lighting_effect', 'get_device_info'],
    );
    assert.deepEqual(requests[0].params, { device_on: true });
    assert.equal(requests[1].params?.id, 'TapoStrip_1MClvV18i15Jq3bvJVf0eP');
    assert.equal(requests[1].params?.brightness, 30);
    assert.equal(requests[1].params?.type, 'sequence');
    const off = await r.client.setState({ effect: 'off' });
    assert.equal(off.effect, 'off');
    const stop = (r.transport.requests[1] as Sent).params?.requests?.[0];
    assert.equal(stop?.params?.enable, 0);
    assert.equal(stop?.params?.name, 'Aurora');
    // Unknown running effect (e.g. set in the app): stopped by its id.
    smartDevice(r).info.lighting_effect = {
      enable: 1,
      id: 'custom-1',
      name: 'Mine',
      brightness: 30,
    };
    await r.client.getState();
    assert.equal((await r.client.setState({ effect: 'off' })).effect, 'off');
    const custom = (r.transport.requests.at(-1) as Sent).params?.requests?.[0];
    assert.deepEqual(custom?.params, { id: 'custom-1', enable: 0 });
    await r.client.setState({ effect: 'Ocean' });
    const ocean = (r.transport.requests.at(-1) as Sent).params?.requests?.[1];
    assert.equal(ocean?.params?.brightness, 30, 'keeps the strip brightness when none is given');
    assert.deepEqual(ocean?.params, { ...findStripEffect('Ocean'), brightness: 30 });
    assert.equal((await r.client.setState('#00ff00')).effect, 'off', 'a colour stops the effect');
  });

  it('energy plugs read power with the state, in the same batch as a change', async () => {
    const r = rig('P110');
    const first = await r.client.open();
    assert.equal(first.power, 0);
    assert.equal(first.energyToday, 120);
    r.transport.sent.length = 0;
    const on = await r.client.setState(true);
    assert.equal(on.power, 8.962);
    // This firmware answers get_emeter_data, so voltage and current come in the same batch.
    assert.deepEqual(sentMethods(r), [
      '[set_device_info,get_device_info,get_energy_usage,get_emeter_data]',
    ]);
    assert.equal(on.voltage, 238.609);
  });

  it('device errors surface as DeviceError; -1003 devices get single requests', async () => {
    const r = rig('P100');
    smartDevice(r).faults.refuseBatches = true;
    const state = await r.client.setState('on');
    assert.equal(state.on, true);
    assert.deepEqual(sentMethods(r), [
      '[component_nego,get_device_info]',
      'component_nego',
      'get_device_info',
      'get_device_info',
      'get_led_info',
      'set_device_info',
      'get_device_info',
    ]);
    smartDevice(r).faults.errorCodes.push(-1301);
    await assert.rejects(
      r.client.setState('off'),
      (e: unknown) => e instanceof DeviceError && e.deviceCode === -1301,
    );
    assert.equal(smartDevice(r).info.device_on, true, 'nothing changed');
    assert.equal(r.client.lastState?.on, true);
  });

  it('a failing write in a batch fails the command without re-sending the rest', async () => {
    const r = await opened('L530');
    smartDevice(r).info.color_temp_range = [2500, 3000]; // device disagrees with what we negotiated
    await assert.rejects(r.client.setState({ colorTemp: 6000 }), /invalid parameters/);
    assert.deepEqual(sentMethods(r), ['[set_device_info,get_device_info]']);
  });

  it('raw requests: method names and params, decoded results', async () => {
    const r = await opened('L530');
    const info = (await r.client.request('get_device_info')) as { model: string };
    assert.equal(info.model, 'L530');
    assert.deepEqual(
      await r.client.request('set_device_info', {
        nickname: Buffer.from('Den').toString('base64'),
      }),
      {},
    );
    assert.equal((await r.client.getState()).alias, 'Den');
    const sent = r.transport.sent.length;
    await assert.rejects(
      r.client.request(undefined as unknown as string),
      /method must be a device method name.*got undefined/,
    );
    await assert.rejects(r.client.request(' '), InvalidCommandError);
    // Text that is no method name is refused before sending, quoted short.
    for (const junk of ['x'.repeat(100_000), 'get info', '__proto__', 'a.constructor', 'a..b']) {
      await assert.rejects(r.client.request(junk), (error: unknown) => {
        assert.ok(error instanceof InvalidCommandError);
        assert.equal(error.property, 'method');
        assert.ok(error.message.length < 300, `a message of ${error.message.length} chars`);
        return true;
      });
    }
    assert.equal(r.transport.sent.length, sent);
    await assert.rejects(
      r.client.request('no_such_method'),
      /method not supported by this device \(error -1002\)/,
    );
  });

  it('close ends the transport; later calls fail with ClosedError', async () => {
    const r = await opened('P100');
    await r.client.close();
    await r.client.close();
    await assert.rejects(r.client.getState(), ClosedError);
    await assert.rejects(r.client.setState(true), ClosedError);
    await assert.rejects(r.client.request('get_device_info'), ClosedError);
  });

  it('a device without component_nego is understood from get_device_info', async () => {
    const r = rig('L530');
    const device = smartDevice(r);
    const handle = device.handle.bind(device);
    const transport = new MemoryTransport((text) => {
      const req = JSON.parse(text);
      if (req.method === 'multipleRequest') {
        req.params.requests = req.params.requests.filter(
          (q: { method: string }) => q.method !== 'component_nego',
        );
        const reply = JSON.parse(handle(JSON.stringify(req)));
        reply.result.responses.unshift({ method: 'component_nego', error_code: -1002 });
        return JSON.stringify(reply);
      }
      return handle(text);
    });
    const client = new LampClient({ host: 'x' }, transport);
    await client.open();
    const caps = await client.capabilities();
    assert.equal(caps.color, true);
    assert.equal(caps.brightness, true);
    assert.deepEqual(caps.effects, ['Party', 'Relax']);
  });
});

describe('LampClient over IOT (in memory)', () => {
  it('detects the Kasa dialect, reads sysinfo, switches the relay in one request', async () => {
    const r = rig('HS100');
    const state = await r.client.open();
    assert.equal(r.client.dialect, 'iot');
    assert.deepEqual(state, hs100State(false));
    assert.deepEqual(r.transport.requests.slice(1), [{ system: { get_sysinfo: {} } }]);
    r.transport.sent.length = 0;
    assert.equal((await r.client.setState(true)).on, true);
    assert.deepEqual(r.transport.requests, [
      { system: { set_relay_state: { state: 1 }, get_sysinfo: {} } },
    ]);
    assert.equal((await r.client.setState('toggle')).on, false);
    assert.equal((await r.client.getState()).on, false);
  });

  it('raw IOT requests are "module.method"', async () => {
    const r = await opened('HS100');
    const info = (await r.client.request('system.get_sysinfo')) as {
      model: string;
      err_code?: number;
    };
    assert.equal(info.model, 'HS100(UK)');
    assert.equal(info.err_code, undefined);
    await r.client.request('system.set_dev_alias', { alias: 'Kettle' });
    assert.equal((await r.client.getState()).alias, 'Kettle');
    await assert.rejects(r.client.request('get_sysinfo'), /"module.method"/);
    await assert.rejects(r.client.request('system.'), InvalidCommandError);
    await assert.rejects(
      r.client.request('emeter.get_realtime'),
      /module not supported by this device \(error -1\)/,
    );
    await assert.rejects(
      r.client.request('system.nope'),
      /method not supported by this device \(error -2\)/,
    );
  });
});

/** A tiny Kasa IOT bulb (not emulated as a model) to drive the bulb/strip branches. */
function iotBulb(strip = false) {
  const light: Record<string, unknown> = {
    on_off: 1,
    hue: 0,
    saturation: 0,
    color_temp: 2700,
    brightness: 50,
  };
  const service = strip ? 'smartlife.iot.lightStrip' : 'smartlife.iot.smartbulb.lightingservice';
  const method = strip ? 'set_light_state' : 'transition_light_state';
  const calls: Record<string, unknown>[] = [];
  const transport = new MemoryTransport((text) => {
    const req = JSON.parse(text);
    if (!req.system)
      return JSON.stringify({ method: { err_code: -1, err_msg: 'module not support' } });
    const reply: Record<string, unknown> = {};
    if (req[service]) {
      const args = req[service][method];
      calls.push(args);
      for (const k of ['on_off', 'hue', 'saturation', 'color_temp', 'brightness'])
        if (k in args) light[k] = args[k];
      reply[service] = { [method]: { ...light, err_code: 0 } };
    }
    reply.system = {
      get_sysinfo: {
        mic_type: 'IOT.SMARTBULB',
        model: 'KL130(EU)',
        alias: 'Bulb',
        sw_ver: '1.8.11 Build 1',
        is_dimmable: 1,
        is_color: 1,
        is_variable_color_temp: 1,
        ...(strip ? { length: 16 } : {}),
        light_state: { ...light },
        err_code: 0,
      },
    };
    return JSON.stringify(reply);
  });
  return { client: new LampClient({ host: 'x' }, transport), calls, transport };
}

describe('IOT bulbs and strips', () => {
  it('transition_light_state with colour, white, power and transition', async () => {
    const { client, calls } = iotBulb();
    await client.open();
    assert.equal((await client.setState({ color: '#ff0000', transition: 500 })).color, '#ff0000');
    assert.deepEqual(calls[0], {
      on_off: 1,
      brightness: 100,
      hue: 0,
      saturation: 100,
      color_temp: 0,
      transition_period: 500,
      ignore_default: 1,
    });
    assert.equal((await client.setState({ colorTemp: 9000 })).colorTemp, 9000);
    assert.equal((await client.setState(false)).on, false);
    assert.deepEqual(calls[2], { on_off: 0, ignore_default: 1 });
    assert.equal((await client.setState({ on: true, transition: 100 })).on, true);
    assert.deepEqual(calls[3], { on_off: 1, transition_period: 100, ignore_default: 0 });
    await assert.rejects(
      client.setState({ colorTemp: 9500 }),
      /between 2500 and 9000 K on this KL130/,
    );
  });

  it('strips use smartlife.iot.lightStrip set_light_state', async () => {
    const { client, calls } = iotBulb(true);
    assert.equal((await client.open()).type, 'strip');
    await client.setState({ hue: 200, saturation: 50 });
    assert.deepEqual(calls[0], {
      on_off: 1,
      hue: 200,
      saturation: 50,
      color_temp: 0,
      ignore_default: 1,
    });
  });
});
