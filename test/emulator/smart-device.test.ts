import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STRIP_EFFECTS } from '../../src/device/effects';
import {
  createModel,
  MODEL_NAMES,
  type ModelName,
  type SmartModel,
} from '../../src/emulator/models';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';

type Reply = {
  error_code: number;
  result?: Record<string, unknown> & { responses?: Reply[] };
  method?: string;
};

function device(name: Exclude<ModelName, 'HS100'>, clock?: () => number) {
  const d = new EmulatedSmartDevice(createModel(name) as SmartModel, { clock });
  const call = (method: string, params?: unknown): Reply =>
    JSON.parse(
      d.handle(JSON.stringify({ method, params, request_time_milis: 1, terminal_uuid: 'u' })),
    );
  return { d, call };
}

describe('emulated SMART device', () => {
  it('models describe themselves realistically', () => {
    assert.deepEqual(
      [...MODEL_NAMES],
      [
        'L530',
        'L510',
        'L900',
        'P100',
        'P110',
        'HS100',
        'KL130',
        'KL110',
        'KL430',
        'HS103',
        'HS110',
        'HS220',
        'P300',
        'P304M',
        'KP303',
        'HS300',
        'L920',
        'L930',
        'H100',
        'KH100',
      ],
    );
    for (const name of ['L530', 'L510', 'L900', 'P100', 'P110'] as const) {
      const { call } = device(name);
      const info = call('get_device_info').result!;
      assert.equal(info.model, name);
      assert.match(String(info.type), /^SMART\.TAPO(BULB|PLUG)$/);
      assert.match(String(info.fw_ver), /^\d+\.\d+\.\d+ Build \d+ Rel\.\d+$/);
      assert.match(String(info.mac), /^([0-9A-F]{2}-){5}[0-9A-F]{2}$/);
      assert.equal(Buffer.from(String(info.nickname), 'base64').toString('base64'), info.nickname);
      assert.equal(info.device_on, false);
      const components = (call('component_nego').result!.component_list as { id: string }[]).map(
        (c) => c.id,
      );
      assert.ok(components.includes('device'));
    }
    assert.deepEqual(device('L510').call('get_device_info').result!.color_temp_range, [2700, 2700]);
    assert.deepEqual(device('L900').call('get_device_info').result!.color_temp_range, [9000, 9000]);
  });

  it('an alias option sets the nickname', () => {
    const d = new EmulatedSmartDevice(createModel('P100') as SmartModel, { alias: 'Büro' });
    assert.equal(Buffer.from(String(d.info.nickname), 'base64').toString(), 'Büro');
  });

  it('set_device_info validates like firmware: -1008 on bad or unsupported params', () => {
    const l530 = device('L530').call;
    for (const params of [
      undefined,
      { device_on: 'yes' },
      { brightness: 0 },
      { brightness: 101 },
      { brightness: 50.5 },
      { hue: 361 },
      { saturation: -1 },
      { color_temp: 9000 },
      { color_temp: 2000 },
      { nickname: '' },
      { nickname: '%%%' },
    ]) {
      assert.equal(l530('set_device_info', params).error_code, -1008, JSON.stringify(params));
    }
    const p100 = device('P100').call;
    assert.equal(p100('set_device_info', { brightness: 50 }).error_code, -1008);
    assert.equal(p100('set_device_info', { hue: 5 }).error_code, -1008);
    assert.equal(p100('set_device_info', { color_temp: 0 }).error_code, -1008);
    const l510 = device('L510').call;
    assert.equal(l510('set_device_info', { color_temp: 2700 }).error_code, -1008);
    assert.equal(l510('set_device_info', { hue: 2 }).error_code, -1008);
    const l900 = device('L900').call;
    assert.equal(l900('set_device_info', { color_temp: 9000 }).error_code, 0);
    assert.equal(l900('set_device_info', { color_temp: 4000 }).error_code, -1008);
  });

  it('light changes switch the lamp on unless device_on says otherwise; color_temp 0 is colour mode', () => {
    const { d, call } = device('L530');
    assert.deepEqual(call('set_device_info', { brightness: 20 }), { error_code: 0 });
    assert.equal(d.info.device_on, true);
    call('set_device_info', { device_on: false, brightness: 30 });
    assert.equal(d.info.device_on, false);
    assert.equal(d.info.brightness, 30);
    call('set_device_info', { hue: 200, saturation: 40, color_temp: 0 });
    assert.deepEqual(
      [d.info.device_on, d.info.hue, d.info.saturation, d.info.color_temp],
      [true, 200, 40, 0],
    );
    call('set_device_info', { nickname: Buffer.from('New').toString('base64') });
    assert.equal(Buffer.from(String(d.info.nickname), 'base64').toString(), 'New');
  });

  it('multipleRequest runs in order and stops after the first error', () => {
    const { d, call } = device('L530');
    const reply = call('multipleRequest', {
      requests: [
        { method: 'set_device_info', params: { device_on: true } },
        { method: 'get_energy_usage' },
        { method: 'set_device_info', params: { brightness: 5 } },
      ],
    });
    assert.equal(reply.error_code, 0);
    assert.deepEqual(reply.result!.responses, [
      { method: 'set_device_info', error_code: 0 },
      { method: 'get_energy_usage', error_code: -1002 },
    ]);
    assert.equal(d.info.brightness, 100, 'the third request never ran');
    assert.equal(call('multipleRequest', { requests: 'x' }).error_code, -1008);
    const nested = call('multipleRequest', { requests: [{ method: 'multipleRequest' }, {}] });
    assert.deepEqual(nested.result!.responses, [{ method: 'multipleRequest', error_code: -1002 }]);
    assert.deepEqual(call('multipleRequest', { requests: [{}] }).result!.responses, [
      { method: '', error_code: -1008 },
    ]);
  });

  it('unknown methods -1002, garbage -1003', () => {
    const { d, call } = device('P100');
    assert.deepEqual(call('get_nothing'), { error_code: -1002 });
    assert.deepEqual(JSON.parse(d.handle('not json')), { error_code: -1003 });
    assert.deepEqual(JSON.parse(d.handle('{"params":{}}')), { error_code: -1003 });
    assert.equal(call('get_connect_cloud_state').error_code, 0);
    assert.ok(call('get_device_usage').result!.time_usage);
  });

  it('faults: refused batches, injected error codes, rate limiting', () => {
    let now = 0;
    const { d, call } = device('P100', () => now);
    d.faults.refuseBatches = true;
    assert.deepEqual(call('multipleRequest', { requests: [] }), { error_code: -1003 });
    d.faults.errorCodes.push(-1301, 9999);
    assert.deepEqual(call('get_device_info'), { error_code: -1301 });
    assert.deepEqual(call('get_device_info'), { error_code: 9999 });
    assert.equal(call('get_device_info').error_code, 0);
    d.faults.rateLimit = { maxRequests: 2, windowMs: 1000 };
    assert.equal(call('get_device_info').error_code, 0);
    assert.equal(call('get_device_info').error_code, 0);
    assert.equal(call('get_device_info').error_code, -1301);
    now = 5000;
    assert.equal(call('get_device_info').error_code, 0);
    assert.equal(d.counters.requests, 8);
    assert.equal(d.counters.methods.get_device_info, 4, 'refused requests never ran');
  });

  it('energy getters on the P110 only; current power in mW vs W', () => {
    const { call } = device('P110');
    assert.equal(call('get_energy_usage').result!.current_power, 0);
    call('set_device_info', { device_on: true });
    const usage = call('get_energy_usage').result!;
    assert.equal(usage.current_power, 8962);
    assert.equal(usage.today_energy, 120);
    assert.match(String(usage.local_time), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(call('get_current_power').result, { current_power: 9 });
    assert.equal(device('P100').call('get_current_power').error_code, -1002);
  });

  it('meters run while on: today_energy grows, on_time counts and resets when off', () => {
    let now = 0;
    const { call } = device('P110', () => now);
    call('set_device_info', { device_on: true });
    now += 3_600_000;
    assert.equal(
      call('get_energy_usage').result!.today_energy,
      128,
      '120 Wh + 8.962 W for an hour',
    );
    assert.equal(call('get_device_info').result!.on_time, 3600);
    call('set_device_info', { device_on: false });
    now += 3_600_000;
    assert.equal(call('get_energy_usage').result!.today_energy, 128);
    assert.equal(call('get_device_info').result!.on_time, 0);
  });

  it('get_countdown_rules needs a params object (P110 quirk)', () => {
    const { call } = device('P110');
    assert.equal(call('get_countdown_rules').error_code, -1008);
    assert.equal(call('get_countdown_rules', {}).result!.sum, 0);
  });

  it('bulb effects L1/L2', () => {
    const { d, call } = device('L530');
    assert.equal((call('get_dynamic_light_effect_rules').result!.rule_list as unknown[]).length, 2);
    assert.equal(
      call('set_dynamic_light_effect_rule_enable', { enable: true, id: 'L3' }).error_code,
      -1008,
    );
    assert.equal(call('set_dynamic_light_effect_rule_enable', { id: 'L1' }).error_code, -1008);
    call('set_dynamic_light_effect_rule_enable', { enable: true, id: 'L2' });
    assert.deepEqual(
      [d.info.dynamic_light_effect_enable, d.info.dynamic_light_effect_id, d.info.device_on],
      [true, 'L2', true],
    );
    const rules = call('get_dynamic_light_effect_rules').result!;
    assert.equal(rules.enable, true);
    assert.equal((rules.rule_list as { enable: boolean }[])[1].enable, true);
    call('set_device_info', { brightness: 10 });
    assert.equal(d.info.dynamic_light_effect_enable, true, 'brightness keeps the effect');
    call('set_device_info', { color_temp: 3000 });
    assert.equal(d.info.dynamic_light_effect_enable, false, 'a colour change stops it');
    call('set_dynamic_light_effect_rule_enable', { enable: true, id: 'L1' });
    call('set_dynamic_light_effect_rule_enable', { enable: false });
    assert.equal(d.info.dynamic_light_effect_enable, false);
    assert.equal(device('L510').call('get_dynamic_light_effect_rules').error_code, -1002);
    assert.equal(
      device('L510').call('set_dynamic_light_effect_rule_enable', { enable: false }).error_code,
      -1002,
    );
  });

  it('strip lighting effects', () => {
    const { d, call } = device('L900');
    assert.equal(call('get_lighting_effect').result!.name, 'station');
    assert.equal(call('set_lighting_effect', { enable: 1 }).error_code, -1008);
    assert.equal(
      call('set_lighting_effect', { id: 'x', name: 'X', brightness: 0 }).error_code,
      -1008,
    );
    assert.equal(call('set_lighting_effect').error_code, -1008);
    call('set_lighting_effect', {
      id: 'T_1',
      name: 'Aurora',
      enable: 1,
      custom: 0,
      display_colors: [[1, 2, 3]],
      brightness: 70,
      type: 'sequence',
    });
    assert.deepEqual(d.info.lighting_effect, {
      brightness: 70,
      custom: 0,
      display_colors: [[1, 2, 3]],
      enable: 1,
      id: 'T_1',
      name: 'Aurora',
    });
    assert.equal(d.info.device_on, true);
    assert.equal(call('get_lighting_effect').result!.type, 'sequence');
    call('set_lighting_effect', { brightness: 20, bAdjusted: true });
    assert.equal((d.info.lighting_effect as { brightness: number }).brightness, 20);
    assert.equal(call('get_lighting_effect').result!.brightness, 20);
    call('set_lighting_effect', { id: 'T_1', enable: 0 });
    assert.equal((d.info.lighting_effect as { enable: number }).enable, 0);
    call('set_lighting_effect', { id: 'T_2', name: 'Ocean' });
    assert.equal(
      (d.info.lighting_effect as { brightness: number }).brightness,
      20,
      'keeps the brightness',
    );
    call('set_device_info', { hue: 10, saturation: 100, color_temp: 0 });
    assert.equal((d.info.lighting_effect as { enable: number }).enable, 0);
    assert.equal(call('get_lighting_effect').result!.enable, 0);
    call('set_device_info', { brightness: 44 });
    assert.equal((d.info.lighting_effect as { brightness: number }).brightness, 44);
    assert.equal(device('L530').call('set_lighting_effect', {}).error_code, -1002);
    assert.equal(device('L530').call('get_lighting_effect').error_code, -1002);
  });

  it('set_lighting_effect takes every built-in strip effect and refuses malformed ones', () => {
    const { d, call } = device('L900');
    for (const effect of STRIP_EFFECTS) {
      assert.equal(call('set_lighting_effect', effect).error_code, 0, effect.name);
      assert.deepEqual(d.info.lighting_effect, {
        brightness: 100,
        custom: 0,
        display_colors: effect.display_colors,
        enable: 1,
        id: effect.id,
        name: effect.name,
      });
      assert.deepEqual(call('get_lighting_effect').result, JSON.parse(JSON.stringify(effect)));
    }
    const aurora = STRIP_EFFECTS[0];
    for (const bad of [
      { type: 'disco' },
      { display_colors: [[361, 100, 100]] },
      { sequence: [[0, 100]] },
      { sequence: 'red' },
      { hue_range: [200, 100] },
      { brightness_range: [0, 101] },
      { saturation_range: 50 },
    ]) {
      assert.equal(
        call('set_lighting_effect', { ...aurora, ...bad }).error_code,
        -1008,
        JSON.stringify(bad),
      );
    }
    assert.equal((d.info.lighting_effect as { name: string }).name, 'Valentines', 'unchanged');
  });

  it('device_reboot answers, then calls onReboot', async () => {
    const { d, call } = device('P100');
    let rebooted = false;
    d.onReboot = () => {
      rebooted = true;
    };
    assert.deepEqual(call('device_reboot', { delay: 1 }), { error_code: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rebooted, true);
  });
});
