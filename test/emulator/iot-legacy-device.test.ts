import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmulatedIotDevice } from '../../src/emulator/iot-device';
import { createModel, type IotModel, type ModelName } from '../../src/emulator/models';

function device(name: ModelName, clock?: () => number, edit?: (model: IotModel) => void) {
  const model = createModel(name) as IotModel;
  edit?.(model);
  const d = new EmulatedIotDevice(model, { clock });
  const send = (request: unknown) => JSON.parse(d.handle(JSON.stringify(request)));
  return { d, send };
}

const BULB = 'smartlife.iot.smartbulb.lightingservice';
const STRIP = 'smartlife.iot.lightStrip';
const EFFECT = 'smartlife.iot.lighting_effect';
const LAMP_METER = 'smartlife.iot.common.emeter';
const DIMMER = 'smartlife.iot.dimmer';
const NO_MODULE = { err_code: -1, err_msg: 'module not support' };
const NO_METHOD = { err_code: -2, err_msg: 'method not support' };
const BAD_ARGS = { err_code: -3, err_msg: 'invalid argument' };

describe('emulated legacy bulb (KL130)', () => {
  it('off: get_light_state and sysinfo report only on_off and dft_on_state', () => {
    const { send } = device('KL130');
    const expected = {
      on_off: 0,
      dft_on_state: { mode: 'normal', hue: 240, saturation: 100, color_temp: 0, brightness: 30 },
    };
    assert.deepEqual(send({ [BULB]: { get_light_state: {} } })[BULB].get_light_state, {
      ...expected,
      err_code: 0,
    });
    assert.deepEqual(
      send({ system: { get_sysinfo: {} } }).system.get_sysinfo.light_state,
      expected,
    );
  });

  it('on with ignore_default 0 restores the default; the answer is the new state', () => {
    const { d, send } = device('KL130');
    const reply = send({
      [BULB]: { transition_light_state: { on_off: 1, ignore_default: 0, transition_period: 150 } },
    });
    assert.deepEqual(reply[BULB].transition_light_state, {
      on_off: 1,
      mode: 'normal',
      hue: 240,
      saturation: 100,
      color_temp: 0,
      brightness: 30,
      err_code: 0,
    });
    assert.equal(d.lastTransitionMs, 150);
  });

  it('white (color_temp), then colour (color_temp 0), then off keeps the values for power-on', () => {
    const { d, send } = device('KL130');
    const set = (args: object) =>
      send({ [BULB]: { transition_light_state: { ignore_default: 1, ...args } } })[BULB]
        .transition_light_state;
    assert.equal(set({ on_off: 1, color_temp: 4000, brightness: 70 }).color_temp, 4000);
    const colour = set({ on_off: 1, hue: 120, saturation: 65, color_temp: 0, brightness: 10 });
    assert.deepEqual(
      [colour.hue, colour.saturation, colour.color_temp, colour.brightness],
      [120, 65, 0, 10],
    );
    const off = set({ on_off: 0 });
    assert.deepEqual(off, {
      on_off: 0,
      dft_on_state: { mode: 'normal', hue: 120, saturation: 65, color_temp: 0, brightness: 10 },
      err_code: 0,
    });
    assert.deepEqual(d.info.light_state, { on_off: 0, dft_on_state: off.dft_on_state });
    // Presetting while off stays off.
    assert.equal(set({ on_off: 0, brightness: 55 }).dft_on_state.brightness, 55);
  });

  it('invalid args are -3 and change nothing', () => {
    const { d, send } = device('KL130');
    const before = structuredClone(d.info.light_state);
    for (const args of [
      { on_off: 2 },
      { brightness: 101 },
      { brightness: 50.5 },
      { hue: 361 },
      { saturation: -1 },
      { color_temp: 500 },
      { color_temp: 12000 },
      { transition_period: -1 },
      { mode: 'disco' },
      'on',
    ]) {
      assert.deepEqual(
        send({ [BULB]: { transition_light_state: args } })[BULB].transition_light_state,
        BAD_ARGS,
        JSON.stringify(args),
      );
    }
    assert.deepEqual(d.info.light_state, before);
  });

  it('bulbs have no relay, LED or system alias; they rename through smartlife.iot.common.system', () => {
    const { d, send } = device('KL130');
    const reply = send({
      system: {
        set_relay_state: { state: 1 },
        set_led_off: { off: 1 },
        set_dev_alias: { alias: 'x' },
      },
    });
    assert.deepEqual(reply.system, {
      set_relay_state: NO_METHOD,
      set_led_off: NO_METHOD,
      set_dev_alias: NO_METHOD,
    });
    assert.deepEqual(
      send({ 'smartlife.iot.common.system': { set_dev_alias: { alias: 'Desk' } } })[
        'smartlife.iot.common.system'
      ].set_dev_alias,
      { err_code: 0 },
    );
    assert.equal(d.info.alias, 'Desk');
    assert.deepEqual(send({ [STRIP]: { get_light_state: {} } })[STRIP], NO_MODULE);
    assert.deepEqual(send({ emeter: { get_realtime: {} } }).emeter, NO_MODULE);
  });

  it('the lamp meter reports power_mw by brightness, 0 while off', () => {
    const { send } = device('KL130');
    assert.deepEqual(
      send({ [LAMP_METER]: { get_realtime: {} } })[LAMP_METER].get_realtime.power_mw,
      0,
    );
    send({ [BULB]: { transition_light_state: { on_off: 1, brightness: 50, ignore_default: 1 } } });
    const realtime = send({ [LAMP_METER]: { get_realtime: {} } })[LAMP_METER].get_realtime;
    // Firmware 1.8 reports power alone; newer lamp firmware (KL430 2.0) adds total_wh.
    assert.deepEqual(realtime, { power_mw: 5000, err_code: 0 });
    const strip = device('KL430').send({ [LAMP_METER]: { get_realtime: {} } })[LAMP_METER];
    assert.deepEqual(Object.keys(strip.get_realtime).sort(), ['err_code', 'power_mw', 'total_wh']);
  });

  it('given getters complete a module or add one; our own methods come first', () => {
    const { send } = device('HS220', undefined, (m) => {
      m.getters = {
        [DIMMER]: {
          get_default_behavior: { hard_on: { mode: 'last_status' } },
          set_brightness: { never: 1 },
        },
        schedule: { get_next_action: { type: -1 } },
      };
    });
    const reply = send({
      [DIMMER]: { get_default_behavior: {}, set_brightness: { brightness: 0 }, fly: {} },
      schedule: { get_next_action: {} },
    });
    assert.deepEqual(reply[DIMMER], {
      get_default_behavior: { hard_on: { mode: 'last_status' }, err_code: 0 },
      set_brightness: BAD_ARGS,
      fly: NO_METHOD,
    });
    assert.deepEqual(reply.schedule, { get_next_action: { type: -1, err_code: 0 } });
  });

  it('models can answer like firmware that differs: -2001 for a missing module, method-level -1', () => {
    const { send } = device('HS103', undefined, (m) => {
      m.moduleError = { err_code: -2001, err_msg: 'Module not support' };
      m.unsupportedMethods = { emeter: ['get_realtime'] };
    });
    assert.deepEqual(send({ [DIMMER]: { set_brightness: {} } })[DIMMER], {
      err_code: -2001,
      err_msg: 'Module not support',
    });
    assert.deepEqual(send({ emeter: { get_realtime: {}, fly: {} } }).emeter, {
      get_realtime: NO_MODULE,
      fly: NO_METHOD,
    });
  });
});

describe('emulated legacy white bulb (KL110)', () => {
  it('ignores colour and white temperature it does not have; dims', () => {
    const { send } = device('KL110');
    const state = send({
      [BULB]: {
        transition_light_state: { hue: 100, saturation: 50, color_temp: 4000, brightness: 20 },
      },
    })[BULB].transition_light_state;
    assert.deepEqual(
      [state.hue, state.saturation, state.color_temp, state.brightness],
      [0, 0, 2700, 20],
    );
  });
});

describe('emulated light strip (KL430)', () => {
  it('lightStrip: zones in get_light_state; set_light_state switches and ignores transition', () => {
    const { d, send } = device('KL430');
    assert.deepEqual(send({ [BULB]: { transition_light_state: { on_off: 1 } } })[BULB], NO_MODULE);
    const off = send({ [STRIP]: { get_light_state: {} } })[STRIP].get_light_state;
    assert.deepEqual(off, {
      length: 16,
      transition: 500,
      on_off: 0,
      dft_on_state: { mode: 'normal', groups: [[0, 15, 30, 100, 50, 0]] },
      err_code: 0,
    });
    const on = send({
      [STRIP]: {
        set_light_state: { on_off: 1, color_temp: 2700, brightness: 80, transition_period: 900 },
      },
    })[STRIP].set_light_state;
    assert.equal(on.on_off, 1);
    assert.equal(on.color_temp, 2700);
    assert.equal(d.lastTransitionMs, undefined);
    assert.deepEqual(send({ [STRIP]: { get_light_state: {} } })[STRIP].get_light_state.groups, [
      [0, 15, 30, 100, 80, 2700],
    ]);
  });

  it('set_lighting_effect starts an effect (and the strip), a colour stops it, on/off does not', () => {
    const { d, send } = device('KL430');
    const reply = send({
      [EFFECT]: {
        set_lighting_effect: { name: 'Aurora', id: 'a1', enable: 1, brightness: 60, custom: 0 },
      },
    });
    assert.deepEqual(reply[EFFECT].set_lighting_effect, { err_code: 0 });
    assert.deepEqual(d.info.lighting_effect_state, {
      brightness: 60,
      custom: 0,
      enable: 1,
      id: 'a1',
      name: 'Aurora',
    });
    assert.equal((d.info.light_state as { on_off: number }).on_off, 1);
    send({ [STRIP]: { set_light_state: { on_off: 0 } } });
    send({ [STRIP]: { set_light_state: { on_off: 1 } } });
    assert.equal((d.info.lighting_effect_state as { enable: number }).enable, 1, 'on/off keeps it');
    send({ [STRIP]: { set_light_state: { hue: 10, saturation: 90, color_temp: 0 } } });
    assert.equal((d.info.lighting_effect_state as { enable: number }).enable, 0);
    assert.deepEqual(
      send({ [EFFECT]: { set_lighting_effect: { enable: 1 } } })[EFFECT].set_lighting_effect,
      BAD_ARGS,
    );
  });

  it('strips without lighting_effect_state have no effect module', () => {
    const { send } = device('KL430', undefined, (m) => {
      delete m.sysinfo.lighting_effect_state;
    });
    assert.deepEqual(send({ [EFFECT]: { set_lighting_effect: {} } })[EFFECT], NO_MODULE);
  });
});

describe('emulated dimmer (HS220)', () => {
  it('set_brightness dims without switching; set_dimmer_transition fades on, and off at 0', () => {
    const { d, send } = device('HS220');
    assert.deepEqual(send({ [DIMMER]: { set_brightness: { brightness: 40 } } })[DIMMER], {
      set_brightness: { err_code: 0 },
    });
    assert.deepEqual([d.info.brightness, d.info.relay_state], [40, 0]);
    send({ [DIMMER]: { set_dimmer_transition: { brightness: 70, duration: 2000 } } });
    assert.deepEqual([d.info.brightness, d.info.relay_state, d.lastTransitionMs], [70, 1, 2000]);
    send({ [DIMMER]: { set_dimmer_transition: { brightness: 0, duration: 1 } } });
    assert.deepEqual([d.info.brightness, d.info.relay_state], [70, 0]);
    send({ system: { set_relay_state: { state: 1 } } });
    assert.equal(d.info.relay_state, 1);
  });

  it('bad brightness is -3; parameters read back; no lamp or meter modules', () => {
    const { send } = device('HS220');
    assert.deepEqual(
      send({ [DIMMER]: { set_brightness: { brightness: 0 } } })[DIMMER].set_brightness,
      BAD_ARGS,
    );
    assert.deepEqual(
      send({ [DIMMER]: { set_dimmer_transition: { brightness: 50 } } })[DIMMER]
        .set_dimmer_transition,
      BAD_ARGS,
    );
    assert.equal(
      send({ [DIMMER]: { get_dimmer_parameters: {} } })[DIMMER].get_dimmer_parameters.gentleOnTime,
      3000,
    );
    assert.deepEqual(send({ [BULB]: { get_light_state: {} } })[BULB], NO_MODULE);
    assert.deepEqual(send({ emeter: { get_realtime: {} } }).emeter, NO_MODULE);
  });
});

describe('emulated plugs (HS103, HS110)', () => {
  it('HS103 switches, dims not, meters not', () => {
    const { d, send } = device('HS103');
    send({ system: { set_relay_state: { state: 1 } } });
    assert.equal(d.info.relay_state, 1);
    assert.deepEqual(send({ [DIMMER]: { set_brightness: { brightness: 5 } } })[DIMMER], NO_MODULE);
    assert.deepEqual(send({ emeter: { get_realtime: {} } }).emeter, NO_MODULE);
  });

  it('HS110 (hw 4): milli-unit realtime, energy booked per day while on', () => {
    let now = new Date(2026, 7, 15, 12, 0, 0).getTime();
    const { send } = device('HS110', () => now);
    const realtime = send({ emeter: { get_realtime: {} } }).emeter.get_realtime;
    assert.deepEqual(
      [realtime.power_mw, realtime.voltage_mv, realtime.current_ma],
      [61750, 230800, 268],
    );
    const today = () =>
      send({ emeter: { get_daystat: { year: 2026, month: 8 } } }).emeter.get_daystat.day_list.find(
        (e: { day: number }) => e.day === 15,
      );
    assert.equal(today(), undefined, 'nothing booked yet today');
    now += 3_600_000;
    assert.equal(today().energy_wh, 62);
    send({ system: { set_relay_state: { state: 0 } } });
    now += 3_600_000;
    assert.equal(today().energy_wh, 62, 'no energy while off');
    assert.equal(send({ emeter: { get_realtime: {} } }).emeter.get_realtime.power_mw, 0);
    const months = send({ emeter: { get_monthstat: { year: 2026 } } }).emeter.get_monthstat
      .month_list;
    assert.ok(
      months.some((m: { month: number }) => m.month === 7),
      'seeded history',
    );
    assert.deepEqual(
      send({ emeter: { get_daystat: { year: 2026 } } }).emeter.get_daystat,
      BAD_ARGS,
    );
  });

  it('first-generation meters answer W, V, A, kWh', () => {
    let now = new Date(2026, 7, 15, 12, 0, 0).getTime();
    const { send } = device(
      'HS110',
      () => now,
      (m) => {
        if (m.emeter) m.emeter.style = 'base';
      },
    );
    now += 3_600_000;
    const realtime = send({ emeter: { get_realtime: {} } }).emeter.get_realtime;
    assert.equal(realtime.power, 61.75);
    assert.equal(realtime.voltage, 230.8);
    assert.equal(realtime.power_mw, undefined);
    const day = send({ emeter: { get_daystat: { year: 2026, month: 8 } } }).emeter.get_daystat
      .day_list[0];
    assert.equal(typeof day.energy, 'number');
    assert.equal(day.energy_wh, undefined);
  });

  it('a strip of outlets switches the outlets a context names, or all', () => {
    const { d, send } = device('HS103', undefined, (m) => {
      delete m.sysinfo.relay_state;
      m.sysinfo.children = [
        { id: `${m.sysinfo.deviceId}00`, alias: 'one', state: 0 },
        { id: `${m.sysinfo.deviceId}01`, alias: 'two', state: 0 },
      ];
    });
    const states = () => (d.info.children as { state: number }[]).map((c) => c.state);
    send({ context: { child_ids: ['01'] }, system: { set_relay_state: { state: 1 } } });
    assert.deepEqual(states(), [0, 1]);
    send({ system: { set_relay_state: { state: 1 } } });
    assert.deepEqual(states(), [1, 1]);
  });
});
