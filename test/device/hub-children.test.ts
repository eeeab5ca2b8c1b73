/**
 * Hub children at the device layer, on records shaped as hubs send them (docs/protocols/hubs.md
 * §3): kind and state keys per kind, naming a child, the pure childState, and the command
 * grammar for children and the siren (refused before anything is sent).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childState, findChild, parseChildSelector } from '../../src/device/children/child';
import { parseCommand } from '../../src/device/command';
import { childKind, hubChild, targetRange } from '../../src/device/hub/child-record';
import { checkChildCommand, checkHubProperties } from '../../src/device/hub/hub-command';
import type { HubChild, LampState } from '../../src/device/types';
import { InvalidCommandError, UnsupportedFeatureError } from '../../src/transport/errors';

const b64 = (text: string) => Buffer.from(text).toString('base64');

function record(model: string, category: string, alias: string, extra: Record<string, unknown>) {
  return {
    device_id: `80${model}0000000000000000000000000000000000`.slice(0, 40),
    model,
    category,
    nickname: b64(alias),
    status: 'online',
    rssi: -60,
    signal_level: 2,
    ...extra,
  };
}

const RECORDS = {
  s220: record('S220', 'subg.plugswitch.switch', 'Hall switch', {
    device_on: true,
    is_low: false,
    battery_percentage: 100,
  }),
  s200b: record('S200B', 'subg.trigger.button', 'Door button', { at_low_battery: false }),
  s200d: record('S200D', 'subg.trigger.button', 'Dial', { at_low_battery: true }),
  t100: record('T100', 'subg.trigger.motion-sensor', 'Hall motion', {
    detected: true,
    at_low_battery: false,
  }),
  t110: record('T110', 'subg.trigger.contact-sensor', 'Front door', {
    open: false,
    at_low_battery: false,
  }),
  t300: record('T300', 'subg.trigger.water-leak-sensor', 'Basement', {
    water_leak_status: 'water_leak',
    in_alarm: true,
    battery_percentage: 80,
    at_low_battery: false,
  }),
  t315: record('T315', 'subg.trigger.temp-hmdt-sensor', 'Living room', {
    current_temp: 21.4,
    current_humidity: 48,
    temp_unit: 'celsius',
    at_low_battery: false,
  }),
  ke100: record('KE100', 'subg.trv', 'Radiator', {
    current_temp: 19.2,
    target_temp: 21,
    min_control_temp: 5,
    max_control_temp: 30,
    frost_protection_on: false,
    trv_states: ['heating'],
    battery_percentage: 90,
    at_low_battery: false,
  }),
};

describe('hub children: records → state', () => {
  it('gives every kind its keys', () => {
    assert.equal(childKind(RECORDS.s200d), 'dial');
    assert.deepEqual(hubChild(RECORDS.s220), {
      id: RECORDS.s220.device_id,
      alias: 'Hall switch',
      model: 'S220',
      kind: 'switch',
      online: true,
      batteryLow: false,
      battery: 100,
      rssi: -60,
      on: true,
    });
    assert.equal(hubChild(RECORDS.s200b).kind, 'button');
    assert.equal(hubChild(RECORDS.s200d).batteryLow, true);
    assert.equal(hubChild(RECORDS.t100).motion, true);
    assert.equal(hubChild(RECORDS.t110).open, false);
    assert.equal(hubChild(RECORDS.t300).leak, true);
    assert.equal(hubChild(RECORDS.t300).battery, 80);
    const climate = hubChild(RECORDS.t315);
    assert.deepEqual([climate.temperature, climate.humidity], [21.4, 48]);
    const valve = hubChild(RECORDS.ke100);
    assert.deepEqual(
      [valve.on, valve.temperature, valve.targetTemperature, valve.mode],
      [true, 19.2, 21, 'heating'],
    );
    assert.deepEqual(targetRange(RECORDS.ke100), { min: 5, max: 30 });
  });

  it('reads the valve modes, a dry leak sensor, an offline child and fahrenheit', () => {
    assert.equal(hubChild({ ...RECORDS.ke100, frost_protection_on: true }).mode, 'off');
    assert.equal(hubChild({ ...RECORDS.ke100, frost_protection_on: true }).on, false);
    assert.equal(hubChild({ ...RECORDS.ke100, trv_states: [] }).mode, 'idle');
    assert.equal(hubChild({ ...RECORDS.ke100, trv_states: ['low_battery'] }).mode, 'idle');
    assert.equal(hubChild({ ...RECORDS.t300, water_leak_status: 'water_dry' }).leak, false);
    assert.equal(hubChild({ ...RECORDS.t100, status: 'offline' }).online, false);
    assert.equal(
      hubChild({ ...RECORDS.t315, temp_unit: 'fahrenheit', current_temp: 70.7 }).temperature,
      21.5,
    );
  });
});

function hubState(): LampState {
  return {
    on: false,
    online: true,
    model: 'H100',
    alias: 'Hub',
    type: 'hub',
    children: Object.values(RECORDS).map(hubChild),
    alarm: false,
    alarmSounds: ['Alarm 1', 'Doorbell Ring 1'],
  };
}

describe('hub children: naming and childState', () => {
  it('finds a child by name (any case) and by id, with parent', () => {
    const state = hubState();
    const byName = childState(state, 'door BUTTON');
    assert.equal(byName.alias, 'Door button');
    assert.equal(byName.parent, 'Hub');
    assert.equal((byName as HubChild).kind, 'button');
    assert.equal(childState(state, RECORDS.t110.device_id).alias, 'Front door');
  });

  it('refuses an unknown child naming what exists, and a child on a plain lamp', () => {
    assert.throws(
      () => childState(hubState(), 'Garage'),
      (error: unknown) => {
        assert.ok(error instanceof InvalidCommandError);
        assert.equal(error.property, 'child');
        assert.match(
          error.message,
          /no child "Garage"; it has "Hall switch" \(S220\), .*"Door button"/,
        );
        return true;
      },
    );
    const lamp: LampState = { on: true, online: true, model: 'L530', alias: 'Lamp', type: 'bulb' };
    assert.throws(() => findChild(lamp, 'x'), /this L530 has no children/);
    assert.throws(() => parseChildSelector({ n: 1 }), /child must be a child's name/);
    assert.equal(parseChildSelector(' '), undefined);
  });

  it('goes offline with its hub', () => {
    assert.equal(childState({ ...hubState(), online: false }, 'Hall motion').online, false);
  });

  it('serves strip outlets under child too', () => {
    const strip: LampState = {
      on: true,
      online: true,
      model: 'P300',
      alias: 'Strip',
      type: 'plug',
      outlets: [
        { position: 1, id: 'a', alias: 'Desk', on: true },
        { position: 2, id: 'b', alias: 'Fan', on: false },
      ],
    };
    const two = childState(strip, 2);
    assert.deepEqual([two.alias, (two as LampState).outlet, two.parent], ['Fan', 2, 'Strip']);
    assert.equal(childState(strip, 'desk').alias, 'Desk');
    assert.throws(
      () => childState(strip, 3),
      (e: unknown) => e instanceof InvalidCommandError && e.property === 'child',
    );
  });
});

describe('hub children: commands', () => {
  const child = (name: keyof typeof RECORDS) => hubChild(RECORDS[name]);

  it('takes on/off/toggle on switches and valves, a target within the valve range', () => {
    checkChildCommand(parseCommand(true), child('s220'));
    checkChildCommand(parseCommand('toggle'), child('s220'));
    checkChildCommand(parseCommand({ on: false }), child('ke100'));
    checkChildCommand(parseCommand({ targetTemperature: 21.5 }), child('ke100'), {
      min: 5,
      max: 30,
    });
    assert.throws(
      () =>
        checkChildCommand(parseCommand({ targetTemperature: 35 }), child('ke100'), {
          min: 5,
          max: 30,
        }),
      /targetTemperature must be between 5 and 30 °C on this KE100/,
    );
  });

  it('refuses anything else, naming the property and the model', () => {
    const refusals: [keyof typeof RECORDS, unknown, string, RegExp][] = [
      ['s200b', true, 'on', /this S200B \(button "Door button"\) has no on; it takes no commands/],
      ['t100', { on: true }, 'on', /this T100 \(motion/],
      ['s220', { brightness: 40 }, 'brightness', /this S220 .*has no brightness; it takes on/],
      ['s220', { targetTemperature: 20 }, 'targetTemperature', /this S220/],
      ['ke100', '#ff0000', 'hue', /this KE100/],
    ];
    for (const [name, payload, property, message] of refusals) {
      assert.throws(
        () => checkChildCommand(parseCommand(payload), child(name)),
        (error: unknown) => {
          assert.ok(error instanceof UnsupportedFeatureError, String(error));
          assert.equal(error.property, property);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('parses the siren command and checks its sound against the hub', () => {
    assert.deepEqual(parseCommand({ alarm: true }).alarm, { play: true });
    assert.deepEqual(parseCommand({ alarm: false }).alarm, { play: false });
    assert.deepEqual(
      parseCommand({ alarm: { sound: 'alarm 1', volume: 'HIGH', duration: 30 } }).alarm,
      { play: true, sound: 'alarm 1', volume: 'high', duration: 30 },
    );
    assert.throws(() => parseCommand({ alarm: 'loud' }), /alarm must be true/);
    assert.throws(() => parseCommand({ alarm: { volume: 11 } }), /alarm.volume must be one of/);
    assert.throws(() => parseCommand({ alarm: { duration: 0 } }), /alarm.duration/);
    assert.throws(() => parseCommand({ alarm: { colour: 1 } }), /unknown key "colour"/);
    const command = parseCommand({ alarm: { sound: 'alarm 1' } });
    checkHubProperties(command, { alarm: true, model: 'H100', sounds: ['Alarm 1'] });
    assert.equal(command.alarm?.sound, 'Alarm 1');
    assert.throws(
      () =>
        checkHubProperties(parseCommand({ alarm: { sound: 'Bell' } }), {
          alarm: true,
          model: 'H100',
          sounds: ['Alarm 1'],
        }),
      /alarm.sound must be one of the sounds of this H100: Alarm 1/,
    );
    assert.throws(
      () => checkHubProperties(parseCommand({ alarm: true }), { model: 'L530' }),
      /this L530 has no siren/,
    );
    assert.throws(
      () => checkHubProperties(parseCommand({ targetTemperature: 20 }), { model: 'H100' }),
      /has no thermostat/,
    );
  });
});
