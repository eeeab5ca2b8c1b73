/**
 * Outlets through the library against emulated SMART strips over real KLAP on 127.0.0.1: the
 * strip's state lists its outlets by their number on the housing (not the list order), one
 * outlet is found by number, name or id, commands reach only the outlet named, `{ on }` to the
 * strip switches every outlet, energy per metering outlet, and every refusal before sending.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type LampClient } from '../../src/device/client';
import { outletState } from '../../src/device/outlets/outlet';
import type { LampState } from '../../src/device/types';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { createModel, type SmartModel } from '../../src/emulator/models';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';

const USER = 'outlets@example.com';
const PASS = 'Strip-Pass9';

const running: { device: EmulatedDevice; lamp: LampClient }[] = [];
after(async () => {
  for (const { device, lamp } of running.splice(0)) {
    await lamp.close();
    await device.close();
  }
});

async function strip(model: 'P300' | 'P304M' | SmartModel, wrap = 'klap' as 'klap' | 'aes') {
  const device = await startEmulator({ model, username: USER, password: PASS, protocol: wrap });
  const lamp = await connect({
    host: device.host,
    port: device.port,
    username: USER,
    password: PASS,
    protocol: wrap,
  });
  running.push({ device, lamp });
  return { device, lamp, smart: device.device as EmulatedSmartDevice };
}

/** The outlet at `position` switched by someone else (the button on the strip, the app). */
function press(smart: EmulatedSmartDevice, position: number, on: boolean): void {
  const child = smart.children.find((c) => c.info.position === position);
  assert.ok(child, `outlet ${position}`);
  child.info.device_on = on;
}

const ons = (state: LampState) => state.outlets?.map((o) => o.on);

describe('outlets of a SMART strip (P300 over KLAP)', () => {
  it('lists the outlets by position although the firmware lists them 3-2-1', async () => {
    const { lamp, smart } = await strip('P300');
    assert.deepEqual(
      smart.children.map((c) => c.info.position),
      [3, 2, 1],
      'the emulated firmware lists them reversed',
    );
    const state = await lamp.getState();
    assert.deepEqual(
      state.outlets?.map(({ position, alias }) => [position, alias]),
      [
        [1, 'Desk lamp'],
        [2, 'Reading lamp'],
        [3, 'Fan'],
      ],
    );
    assert.equal(
      state.on,
      state.outlets?.some((o) => o.on),
    );
    assert.equal(state.power, undefined, 'a P300 does not meter');
  });

  it('finds an outlet by number, number as text, name (any case) and id', async () => {
    const { lamp } = await strip('P300');
    const state = await lamp.getState();
    const second = state.outlets?.find((o) => o.position === 2);
    assert.ok(second);
    for (const selector of [2, '2', 'reading LAMP', second.id]) {
      const outlet = await lamp.outlet(selector).getState();
      assert.equal(outlet.outlet, 2, `selector ${selector}`);
      assert.equal(outlet.alias, 'Reading lamp');
      assert.equal(outlet.parent, state.alias);
      assert.equal(outlet.type, 'plug');
      assert.equal(outlet.online, true);
    }
  });

  it('switches only the outlet asked for, and toggles it from its own state', async () => {
    const { device, lamp, smart } = await strip('P300');
    press(smart, 1, false);
    press(smart, 2, false);
    press(smart, 3, true);
    const before = device.klap.counters.requests;
    const after2 = await lamp.setState({ on: true }, { outlet: 2 });
    assert.deepEqual(ons(after2), [false, true, true]);
    // control_child goes as a request of its own (the shape real strips are known to take),
    // then the strip's read: two requests.
    assert.equal(device.klap.counters.requests - before, 2, 'the switch, then the read');
    const toggled = await lamp.outlet('Fan').setState('toggle');
    assert.equal(toggled.on, false);
    assert.deepEqual(
      device.outlets.map((o) => o.on),
      [false, true, false],
    );
  });

  it('switches every outlet with { on } to the strip, and toggles the strip as a whole', async () => {
    const { device, lamp, smart } = await strip('P300');
    press(smart, 2, true);
    const off = await lamp.setState({ on: false });
    assert.equal(off.on, false);
    assert.deepEqual(ons(off), [false, false, false]);
    const on = await lamp.setState('toggle');
    assert.deepEqual(ons(on), [true, true, true]);
    assert.deepEqual(
      device.outlets.map((o) => o.on),
      [true, true, true],
    );
  });

  it('an outlet asked for as a child is the same outlet, in state and in commands', async () => {
    const { lamp } = await strip('P300');
    assert.deepEqual(await lamp.child('Fan').getState(), await lamp.outlet('Fan').getState());
    const viaChild = await lamp.child(3).setState('toggle');
    assert.deepEqual(await lamp.outlet(3).getState(), viaChild);
    assert.equal(viaChild.on, !(await lamp.outlet('Fan').setState('toggle')).on);
  });

  it('refuses, before sending, an unknown outlet, a light change to an outlet and an outlet of a lamp', async () => {
    const { device, lamp } = await strip('P300');
    await lamp.getState();
    const before = device.klap.counters.requests;
    await assert.rejects(
      lamp.setState({ on: true }, { outlet: 7 }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_COMMAND');
        assert.match(e.message, /no outlet 7; it has 1 "Desk lamp", 2 "Reading lamp", 3 "Fan"/);
        return true;
      },
    );
    await assert.rejects(lamp.outlet('Hall').getState(), /no outlet "Hall"/);
    // A selector that names nothing: refused naming the property each way of asking uses.
    for (const [part, property] of [
      [lamp.outlet(''), 'outlet'],
      [lamp.child(''), 'child'],
    ] as const) {
      await assert.rejects(part.setState(true), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_COMMAND');
        assert.match(e.message, new RegExp(`^${property}\\b|${property}\\(\\) needs`));
        return true;
      });
    }
    await assert.rejects(
      lamp.setState({ brightness: 40 }, { outlet: 1 }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'UNSUPPORTED');
        assert.match(e.message, /brightness/);
        return true;
      },
    );
    await assert.rejects(lamp.setState({ on: true }, { outlet: { n: 1 } }), /outlet must be/);
    assert.equal(device.klap.counters.requests, before + 1, 'only the getState of the name lookup');

    const bulb = await startEmulator({ model: 'L530', username: USER, password: PASS });
    const l530 = await connect({
      host: bulb.host,
      port: bulb.port,
      username: USER,
      password: PASS,
    });
    running.push({ device: bulb, lamp: l530 });
    await assert.rejects(l530.setState({ on: true }, { outlet: 1 }), /this L530 has no outlets/);
  });

  it('merges queued commands for one outlet, never across outlets', async () => {
    const { device, lamp, smart } = await strip('P300');
    press(smart, 1, false);
    press(smart, 2, false);
    press(smart, 3, false);
    await lamp.getState();
    const before = device.klap.counters.requests;
    const controlled = smart.counters.methods.control_child ?? 0;
    const results = await Promise.all([
      lamp.setState(true, { outlet: 1 }),
      lamp.setState(false, { outlet: 1 }),
      lamp.setState(true, { outlet: 1 }),
      lamp.setState(true, { outlet: 3 }),
    ]);
    assert.deepEqual(ons(results[3] as LampState), [true, false, true]);
    // Outlet 1's commands merge (all three, or the last two behind the first); outlet 3's
    // command goes alone: one control_child can switch only one outlet. Each switch is a
    // control_child of its own followed by the strip's read.
    const switches = (smart.counters.methods.control_child ?? 0) - controlled;
    assert.ok(switches >= 2 && switches <= 3, `${switches} switches`);
    assert.equal(device.klap.counters.requests - before, 2 * switches);
  });

  it('passes a raw request to one outlet through control_child', async () => {
    const { lamp } = await strip('P300');
    const info = (await lamp.outlet(3).request('get_device_info')) as Record<string, unknown>;
    assert.equal(info.position, 3);
    assert.equal(Buffer.from(String(info.nickname), 'base64').toString(), 'Fan');
  });

  it('reads a list longer than one page (start_index/sum)', async () => {
    const model = createModel('P300') as SmartModel;
    model.childPageSize = 2;
    const { device, lamp } = await strip(model);
    const state = await lamp.getState();
    assert.deepEqual(
      state.outlets?.map((o) => o.position),
      [1, 2, 3],
    );
    const listed = (device.device as EmulatedSmartDevice).counters.methods.get_child_device_list;
    assert.ok((listed ?? 0) >= 2, 'a second page was asked for');
  });

  it('works the same over AES', async () => {
    const { lamp } = await strip('P300', 'aes');
    const after1 = await lamp.setState({ on: false });
    const one = await lamp.setState({ on: true }, { outlet: 'Desk lamp' });
    assert.deepEqual(ons(after1), [false, false, false]);
    assert.deepEqual(ons(one), [true, false, false]);
  });
});

describe('outlets of a metering strip (P304M)', () => {
  it('reports power and energy per outlet, and their sum for the strip', async () => {
    const { lamp } = await strip('P304M');
    const state = await lamp.getState();
    const outlets = state.outlets ?? [];
    assert.equal(outlets.length, 4);
    for (const o of outlets) {
      assert.equal(typeof o.power, 'number', `outlet ${o.position} meters`);
      assert.equal(typeof o.energyToday, 'number');
      if (!o.on) assert.equal(o.power, 0);
    }
    const sum = outlets.reduce((total, o) => total + (o.power ?? 0), 0);
    assert.equal(state.power, sum);
    const lamp1 = outletState(state, outlets[0] as NonNullable<LampState['outlets']>[number]);
    assert.equal(lamp1.power, outlets[0]?.power);
    const switched = await lamp.outlet(2).setState(true);
    assert.equal(switched.on, true);
    assert.ok((switched.power ?? 0) > 0, 'an outlet switched on draws power');
  });
});

describe('outlets of a Kasa strip (legacy protocol)', () => {
  async function kasa(model: 'KP303' | 'HS300') {
    const device = await startEmulator({ model });
    const lamp = await connect({ host: device.host, port: device.port });
    running.push({ device, lamp });
    return { device, lamp };
  }

  it('numbers the outlets in socket order and switches only the one named (KP303)', async () => {
    const { device, lamp } = await kasa('KP303');
    const state = await lamp.getState();
    assert.deepEqual(
      state.outlets?.map(({ position, alias }) => [position, alias]),
      [
        [1, 'Bedside lamp'],
        [2, 'Fairy lights'],
        [3, 'Humidifier'],
      ],
    );
    assert.ok(
      state.outlets?.every((o) => o.id.length === 42),
      'full 42-character ids',
    );
    await lamp.setState(false);
    const two = await lamp.outlet('Fairy lights').setState(true);
    assert.deepEqual([two.outlet, two.on, two.parent], [2, true, state.alias]);
    assert.deepEqual(
      device.outlets.map((o) => o.on),
      [false, true, false],
    );
    const all = await lamp.setState({ on: true });
    assert.deepEqual(ons(all), [true, true, true]);
    const toggled = await lamp.outlet(3).setState('toggle');
    assert.equal(toggled.on, false);
    await assert.rejects(lamp.outlet(3).setState({ brightness: 20 }), /brightness/);
  });

  it('meters each outlet of an HS300 and sums them for the strip', async () => {
    const { lamp } = await kasa('HS300');
    const state = await lamp.getState();
    assert.equal(state.outlets?.length, 6);
    const watts = (state.outlets ?? []).map((o) => o.power ?? Number.NaN);
    assert.ok(watts.every((w) => Number.isFinite(w)));
    assert.equal(
      state.power,
      watts.reduce((a, b) => a + b, 0),
    );
    const monitor = await lamp.outlet(2).setState(true);
    assert.ok((monitor.power ?? 0) > 0);
    const realtime = (await lamp.outlet(2).request('emeter.get_realtime')) as Record<
      string,
      unknown
    >;
    assert.equal(realtime.slot_id, 1, "the outlet's own meter (slots count from 0)");
  });
});
