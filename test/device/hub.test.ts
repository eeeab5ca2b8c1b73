/**
 * A Tapo H100 hub and the devices paired to it, through the library against the emulator over
 * real HTTP (KLAP, and AES for older firmware): every child kind's state from one read, naming
 * children, commands to switches, valves and the siren, and refusals before anything is sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childState } from '../../src/device/children/child';
import { connect } from '../../src/device/client';
import type { HubChild, HubChildState } from '../../src/device/types';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import type { HubChildOption } from '../../src/emulator/models-hubs';
import { UnsupportedFeatureError } from '../../src/transport/errors';
import { hub, PASS, running, USER } from './hub-support';

const requests = (device: EmulatedDevice) => device.server.counters.requests;

describe('hub children through the library (H100 over KLAP)', () => {
  it('reads every child kind with its keys from one read of the hub', async () => {
    const { device, lamp } = await hub();
    const before = requests(device);
    const state = await lamp.getState();
    assert.ok(requests(device) - before <= 2, 'the hub and its child list: one batch (+1 page)');
    assert.equal(state.type, 'hub');
    assert.equal(state.alarm, false);
    assert.ok(state.alarmSounds?.includes('Alarm 1'));
    const kinds = state.children?.map((c) => [c.model, c.kind]);
    assert.deepEqual(kinds, [
      ['S200B', 'button'],
      ['S200D', 'dial'],
      ['T100', 'motion'],
      ['T110', 'contact'],
      ['T300', 'leak'],
      ['T315', 'climate'],
      ['S220', 'switch'],
      ['KE100', 'thermostat'],
    ]);
    const byKind = new Map((state.children ?? []).map((c) => [c.kind, c]));
    const has = (kind: HubChild['kind'], keys: string[]) => {
      const child = byKind.get(kind) as unknown as Record<string, unknown>;
      for (const key of ['id', 'alias', 'model', 'kind', 'online', 'batteryLow', 'rssi', ...keys]) {
        assert.ok(key in child, `${kind} has ${key}`);
      }
    };
    has('switch', ['on', 'battery']);
    has('motion', ['motion']);
    has('contact', ['open']);
    has('leak', ['leak', 'battery']);
    has('climate', ['temperature', 'humidity', 'battery']);
    has('thermostat', ['on', 'temperature', 'targetTemperature', 'mode', 'battery']);
    assert.equal(byKind.get('button')?.on, undefined, 'a button has no on');

    // The emulated devices change; one more read of the hub shows it for every child.
    device.hub.contact('Contact sensor', true);
    device.hub.leak('Leak sensor', true);
    device.hub.motion('Motion sensor');
    device.hub.climate('Climate display', { temperature: 23.5, humidity: 61 });
    device.hub.setOnline('Button', false);
    device.hub.setBatteryLow('Dial', true);
    const after = await lamp.getState();
    const child = (name: string) => childState(after, name) as HubChildState;
    assert.equal(child('contact sensor').open, true);
    assert.equal(child('Leak sensor').leak, true);
    assert.equal(child('Motion sensor').motion, true);
    assert.deepEqual(
      [child('Climate display').temperature, child('Climate display').humidity],
      [23.5, 61],
    );
    assert.equal(child('Button').online, false);
    assert.equal(child('Dial').batteryLow, true);
    assert.equal(child('Dial').parent, after.alias);
  });

  it('child() by name (any case) or id answers the child state, offline with its hub', async () => {
    const { lamp } = await hub();
    const state = await lamp.getState();
    const button = state.children?.find((c) => c.kind === 'button') as HubChild;
    const byName = await lamp.child('BUTTON').getState();
    const byId = await lamp.child(button.id).getState();
    assert.deepEqual(byName, byId);
    assert.deepEqual(byName, { ...button, parent: state.alias });
    await assert.rejects(lamp.child('Garage').getState(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'INVALID_COMMAND');
      assert.match(error.message, /no child "Garage"; it has "Button" \(S200B\), "Dial" \(S200D\)/);
      return true;
    });
  });

  it('switches a wall switch on, off and by toggle, and reads it back', async () => {
    const { device, lamp } = await hub();
    const switchRecord = () =>
      device.hub.child('Light switch').snapshot() as { device_on: boolean };
    const on = await lamp.child('light switch').setState(true);
    assert.equal(on.on, true);
    assert.equal(switchRecord().device_on, true);
    const toggled = await lamp.setState('toggle', { child: 'Light switch' });
    assert.equal(childState(toggled, 'Light switch').on, false);
    assert.equal(switchRecord().device_on, false);
    const off = await lamp.child('Light switch').setState({ on: false });
    assert.equal(off.on, false);
  });

  it('sets a valve target within its range, turns it off and on', async () => {
    const { device, lamp } = await hub();
    const valve = lamp.child('Radiator valve');
    const set = (await valve.setState({ targetTemperature: 22.5 })) as HubChildState;
    assert.equal(set.targetTemperature, 22.5);
    assert.equal(set.on, true);
    const off = (await valve.setState(false)) as HubChildState;
    assert.deepEqual([off.on, off.mode], [false, 'off']);
    const record = device.hub.child('Radiator valve').snapshot() as Record<string, unknown>;
    assert.equal(record.frost_protection_on, true);
    assert.equal(((await valve.setState('toggle')) as HubChildState).on, true);
    const before = requests(device);
    await assert.rejects(valve.setState({ targetTemperature: 31 }), (error: Error) => {
      assert.match(error.message, /targetTemperature must be between 5 and 30 °C on this KE100/);
      return true;
    });
    assert.equal(requests(device), before, 'nothing sent');
  });

  it('sounds and stops the siren, with a sound, volume and duration', async () => {
    const { device, lamp } = await hub();
    const playing = await lamp.setState({
      alarm: { sound: 'alarm 2', volume: 'low', duration: 30 },
    });
    assert.equal(playing.alarm, true);
    assert.deepEqual(device.hub.alarm.last, { type: 'Alarm 2', volume: 'low', duration: 30 });
    const stopped = await lamp.setState({ alarm: false });
    assert.equal(stopped.alarm, false);
    assert.equal((await lamp.setState({ alarm: true })).alarm, true);
    assert.equal(device.hub.alarm.plays, 2);
  });

  it('refuses, before sending, what a child or the hub cannot take', async () => {
    const { device, lamp } = await hub();
    await lamp.getState();
    const before = requests(device);
    const refusals: [() => Promise<unknown>, string, RegExp][] = [
      [() => lamp.child('Button').setState(true), 'on', /this S200B \(button "Button"\) has no on/],
      [
        () => lamp.child('Motion sensor').setState({ brightness: 20 }),
        'brightness',
        /this T100 \(motion "Motion sensor"\) has no brightness; it takes no commands/,
      ],
      [
        () => lamp.child('Light switch').setState({ targetTemperature: 20 }),
        'targetTemperature',
        /this S220 .* has no targetTemperature; it takes on/,
      ],
      [() => lamp.setState(true), 'on', /this H100 is a hub and has no switch of its own/],
      [
        () => lamp.setState({ alarm: { sound: 'Foghorn' } }),
        'alarm.sound',
        /alarm.sound must be one of the sounds of this H100: Doorbell Ring 1/,
      ],
      [() => lamp.setState({ targetTemperature: 20 }), 'targetTemperature', /has no thermostat/],
      [
        () => lamp.setState(true, { outlet: 1, child: 'Button' }),
        'child',
        /give outlet or child, not both/,
      ],
      [
        () => lamp.energyHistory({ interval: 'day' }, { child: 'Light switch' }),
        'energyHistory',
        /this S220 \(switch\) has no energy meter/,
      ],
    ];
    for (const [call, property, message] of refusals) {
      await assert.rejects(call(), (error: Error & { property?: string }) => {
        assert.equal(error.property, property, error.message);
        assert.match(error.message, message);
        return true;
      });
    }
    assert.equal(requests(device), before, 'nothing sent');
  });

  it('passes a raw request to one child through control_child', async () => {
    const { lamp } = await hub();
    const info = (await lamp.child('Dial').request('get_device_info')) as Record<string, unknown>;
    assert.equal(info.model, 'S200D');
    const same = await lamp.request('get_device_info', undefined, { child: 'dial' });
    assert.deepEqual(same, info);
  });

  it('lamp events on a lamp are refused naming the model', async () => {
    const bulb = await startEmulator({ model: 'L530', username: USER, password: PASS });
    const lamp = await connect({
      host: bulb.host,
      port: bulb.port,
      username: USER,
      password: PASS,
    });
    running.push({ device: bulb, lamp });
    await assert.rejects(lamp.events().read(), (error: unknown) => {
      assert.ok(error instanceof UnsupportedFeatureError);
      assert.match(error.message, /this L530 is not a hub/);
      return true;
    });
    await assert.rejects(lamp.child('Button').getState(), /this L530 has no children/);
  });
});

describe('hubs on other firmware', () => {
  for (const [model, protocol] of [
    ['H100', 'aes'],
    ['KH100', 'aes'],
    ['KH100', 'klap'],
  ] as const) {
    it(`${model} over ${protocol.toUpperCase()}: children, a switch and the siren`, async () => {
      const { lamp } = await hub(['S200B', 'T100', 'S210'], { model, protocol });
      const state = await lamp.getState();
      assert.equal(state.model, model);
      assert.deepEqual(
        state.children?.map((c) => c.kind),
        ['button', 'motion', 'switch'],
      );
      assert.equal((await lamp.child('light switch').setState(true)).on, true);
      assert.equal((await lamp.setState({ alarm: true })).alarm, true);
    });
  }

  it('reads more than ten children over several pages', async () => {
    const twelve: HubChildOption[] = Array.from({ length: 12 }, (_, i) => ({
      model: 'T110',
      alias: `Window ${i + 1}`,
    }));
    const { lamp } = await hub(twelve);
    const state = await lamp.getState();
    assert.equal(state.children?.length, 12);
    assert.equal((await lamp.child('window 12').getState()).alias, 'Window 12');
  });
});
