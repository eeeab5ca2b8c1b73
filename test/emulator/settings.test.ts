/**
 * The emulated devices' beyond-on/off side: each setting answers its getter only where the model
 * lists the component, setters validate like firmware and change what the getter answers next,
 * get_emeter_data and get_energy_data answer in the firmware's shapes, and Kasa dimmers keep
 * their fade times.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hourWh } from '../../src/emulator/energy-data';
import { EmulatedIotDevice } from '../../src/emulator/iot-device';
import { createModel, type IotModel, type SmartModel } from '../../src/emulator/models';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';

type Reply = { error_code: number; result?: Record<string, unknown> };

function smart(name: 'L530' | 'L510' | 'L900' | 'P100' | 'P110', clock?: () => number) {
  const d = new EmulatedSmartDevice(createModel(name) as SmartModel, { clock });
  const call = (method: string, params?: unknown): Reply =>
    JSON.parse(d.handle(JSON.stringify({ method, params })));
  return { d, call };
}

const UNKNOWN_METHOD = -1002;
const PARAMS_ERROR = -1008;

describe('emulated SMART settings', () => {
  it('getters answer only where the model lists the component', () => {
    const getters = [
      'get_preset_rules',
      'get_on_off_gradually_info',
      'get_auto_off_config',
      'get_led_info',
      'get_auto_update_info',
      'get_emeter_data',
      'get_energy_data',
    ];
    const answering = (name: Parameters<typeof smart>[0]) => {
      const { call } = smart(name);
      return getters.filter(
        (m) =>
          call(
            m,
            m === 'get_energy_data'
              ? { start_timestamp: 0, end_timestamp: 0, interval: 43200 }
              : undefined,
          ).error_code === 0,
      );
    };
    assert.deepEqual(answering('L530'), [
      'get_preset_rules',
      'get_on_off_gradually_info',
      'get_auto_update_info',
    ]);
    assert.deepEqual(answering('L900'), [
      'get_preset_rules',
      'get_on_off_gradually_info',
      'get_auto_update_info',
    ]);
    assert.deepEqual(answering('P100'), ['get_led_info']);
    assert.deepEqual(answering('P110'), [
      'get_auto_off_config',
      'get_led_info',
      'get_auto_update_info',
      'get_emeter_data',
      'get_energy_data',
    ]);
    assert.equal(smart('P100').call('get_auto_update_info').error_code, UNKNOWN_METHOD);
  });

  it('on_off_gradually v3 takes one direction at a time, within max_duration', () => {
    const { call } = smart('L530');
    assert.equal(
      call('set_on_off_gradually_info', { on_state: { enable: true, duration: 7 } }).error_code,
      0,
    );
    const fade = call('get_on_off_gradually_info').result as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepEqual(fade.on_state, { enable: true, duration: 7, max_duration: 60 });
    assert.deepEqual(fade.off_state, { enable: true, duration: 2, max_duration: 60 });
    assert.equal(
      call('set_on_off_gradually_info', { on_state: { duration: 61 } }).error_code,
      PARAMS_ERROR,
    );
    assert.equal(call('set_on_off_gradually_info', {}).error_code, PARAMS_ERROR);
    assert.equal(
      call('set_on_off_gradually_info', { off_state: { enable: 'yes' } }).error_code,
      PARAMS_ERROR,
    );
  });

  it('on_off_gradually v1 (L900) is a bare switch', () => {
    const { call } = smart('L900');
    assert.equal(call('set_on_off_gradually_info', { enable: true }).error_code, 0);
    assert.deepEqual(call('get_on_off_gradually_info').result, { enable: true });
    assert.equal(
      call('set_on_off_gradually_info', { on_state: { enable: true } }).error_code,
      PARAMS_ERROR,
    );
  });

  it('auto-off, LED and auto-update setters change what the getters answer', () => {
    const { d, call } = smart('P110');
    assert.deepEqual(call('get_auto_off_config', { start_index: 0 }).result, {
      delay_min: 120,
      enable: false,
    });
    assert.equal(call('set_auto_off_config', { enable: true, delay_min: 15 }).error_code, 0);
    assert.deepEqual(call('get_auto_off_config').result, { delay_min: 15, enable: true });
    assert.equal(d.info.auto_off_status, 'on');
    assert.equal(call('set_auto_off_config', { delay_min: 0 }).error_code, PARAMS_ERROR);
    assert.equal(call('set_led_info', { led_rule: 'never' }).error_code, 0);
    assert.equal((call('get_led_info').result as { led_rule: string }).led_rule, 'never');
    assert.equal(call('set_led_info', { led_rule: 'sometimes' }).error_code, PARAMS_ERROR);
    assert.equal(
      call('set_auto_update_info', { enable: false, random_range: 120, time: 180 }).error_code,
      0,
    );
    assert.deepEqual(call('get_auto_update_info').result, {
      enable: false,
      random_range: 120,
      time: 180,
    });
    assert.equal(call('set_auto_update_info', {}).error_code, PARAMS_ERROR);
    assert.equal(
      smart('L530').call('set_led_info', { led_rule: 'never' }).error_code,
      UNKNOWN_METHOD,
    );
    assert.equal(
      smart('P100').call('set_auto_off_config', { enable: true }).error_code,
      UNKNOWN_METHOD,
    );
  });

  it('get_emeter_data: mV, mA and mW of the live load', () => {
    let now = Date.UTC(2026, 5, 15, 12);
    const { call } = smart('P110', () => now);
    call('set_device_info', { device_on: true });
    now += 1000;
    const data = call('get_emeter_data').result as Record<string, number>;
    assert.equal(data.voltage_mv, 238_609);
    assert.equal(data.power_mw, 8962);
    assert.equal(data.current_ma, Math.round((8962 / 238_609) * 1000));
  });

  it('get_energy_data: blocks aligned like firmware, Wh per bucket, 0 after now', () => {
    const now = new Date(2026, 4, 10, 20, 30).getTime(); // 10 May, 20:30 local
    const { call } = smart('P110', () => now);
    const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
    const hours = call('get_energy_data', {
      start_timestamp: seconds(new Date(2026, 4, 9, 10)),
      end_timestamp: seconds(new Date(2026, 4, 9, 23, 59, 59)),
      interval: 60,
    }).result as { data: number[]; start_timestamp: number };
    assert.equal(hours.data.length, 24, "from the start day's midnight");
    assert.equal(hours.start_timestamp, seconds(new Date(2026, 4, 9, 10)), 'the request echoed');
    assert.equal(hours.data[19], hourWh(new Date(2026, 4, 9, 19)));
    const days = call('get_energy_data', {
      start_timestamp: seconds(new Date(2026, 3, 1)),
      end_timestamp: seconds(new Date(2026, 6, 1)),
      interval: 1440,
    }).result as { data: number[] };
    assert.equal(days.data.length, 91, 'April to June');
    assert.equal(
      days.data[38],
      hours.data.reduce((a, b) => a + b, 0),
      '9 May',
    );
    assert.deepEqual(days.data.slice(40), new Array(51).fill(0), 'nothing after today');
    const months = call('get_energy_data', {
      start_timestamp: seconds(new Date(2026, 0, 1)),
      end_timestamp: seconds(new Date(2027, 0, 1)),
      interval: 43200,
    }).result as { data: number[] };
    assert.equal(months.data.length, 12);
    assert.equal(months.data[5], 0);
    assert.equal(
      call('get_energy_data', { start_timestamp: 1, end_timestamp: 0, interval: 60 }).error_code,
      PARAMS_ERROR,
    );
    assert.equal(
      call('get_energy_data', { start_timestamp: 0, end_timestamp: 1, interval: 5 }).error_code,
      PARAMS_ERROR,
    );
  });
});

describe('emulated Kasa dimmer fade times', () => {
  it('set_fade_on_time / set_fade_off_time change get_dimmer_parameters', () => {
    const d = new EmulatedIotDevice(createModel('HS220') as IotModel);
    const send = (request: unknown) => JSON.parse(d.handle(JSON.stringify(request)));
    const DIMMER = 'smartlife.iot.dimmer';
    const reply = send({
      [DIMMER]: {
        set_fade_on_time: { fadeTime: 2500 },
        set_fade_off_time: { fadeTime: 0 },
        get_dimmer_parameters: {},
      },
    })[DIMMER];
    assert.deepEqual(reply.set_fade_on_time, { err_code: 0 });
    assert.equal(reply.get_dimmer_parameters.fadeOnTime, 2500);
    assert.equal(reply.get_dimmer_parameters.fadeOffTime, 0);
    assert.equal(reply.get_dimmer_parameters.gentleOnTime, 3000, 'the rest as the dump has it');
    assert.equal(
      send({ [DIMMER]: { set_fade_on_time: { fadeTime: -1 } } })[DIMMER].set_fade_on_time.err_code,
      -3,
    );
  });
});
