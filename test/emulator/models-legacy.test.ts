import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createModel, type IotModel } from '../../src/emulator/models';
import { LEGACY_MODEL_NAMES } from '../../src/emulator/models-legacy';

const iot = (name: (typeof LEGACY_MODEL_NAMES)[number]) => createModel(name) as IotModel;

describe('legacy Kasa models', () => {
  it('every one is IOT over the legacy protocol with the fields of its class', () => {
    for (const name of LEGACY_MODEL_NAMES) {
      const model = iot(name);
      assert.equal(model.dialect, 'iot');
      assert.equal(model.protocol, 'legacy');
      const info = model.sysinfo;
      assert.match(String(info.model), new RegExp(`^${name}\\(`));
      assert.match(String(info.deviceId), /^[0-9A-F]{40}$/);
      if (name.startsWith('KL')) {
        assert.equal(info.mic_type, 'IOT.SMARTBULB');
        assert.equal(info.relay_state, undefined, 'bulbs have no relay');
        assert.equal(info.led_off, undefined, 'bulbs have no LED');
        assert.ok(info.light_state);
        assert.equal(model.emeter?.style, 'lamp');
      } else {
        assert.equal(info.mic_type, 'IOT.SMARTPLUGSWITCH');
        assert.equal(typeof info.dev_name, 'string');
        assert.match(String(info.mac), /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
      }
    }
  });

  it('each reports exactly the sysinfo fields of its class and firmware', () => {
    const expected: Record<(typeof LEGACY_MODEL_NAMES)[number], string[]> = {
      KL130: [
        'active_mode',
        'alias',
        'ctrl_protocols',
        'description',
        'dev_state',
        'deviceId',
        'disco_ver',
        'heapsize',
        'hwId',
        'hw_ver',
        'is_color',
        'is_dimmable',
        'is_factory',
        'is_variable_color_temp',
        'light_state',
        'mic_mac',
        'mic_type',
        'model',
        'oemId',
        'preferred_state',
        'rssi',
        'sw_ver',
      ],
      KL110: [
        'active_mode',
        'alias',
        'ctrl_protocols',
        'description',
        'dev_state',
        'deviceId',
        'disco_ver',
        'heapsize',
        'hwId',
        'hw_ver',
        'is_color',
        'is_dimmable',
        'is_factory',
        'is_variable_color_temp',
        'light_state',
        'mic_mac',
        'mic_type',
        'model',
        'oemId',
        'preferred_state',
        'rssi',
        'sw_ver',
      ],
      KL430: [
        'LEF',
        'active_mode',
        'alias',
        'ctrl_protocols',
        'description',
        'dev_state',
        'deviceId',
        'disco_ver',
        'hwId',
        'hw_ver',
        'is_color',
        'is_dimmable',
        'is_factory',
        'is_variable_color_temp',
        'latitude_i',
        'length',
        'light_state',
        'lighting_effect_state',
        'longitude_i',
        'mic_mac',
        'mic_type',
        'model',
        'oemId',
        'preferred_state',
        'rssi',
        'status',
        'sw_ver',
      ],
      HS103: [
        'active_mode',
        'alias',
        'dev_name',
        'deviceId',
        'feature',
        'hwId',
        'hw_ver',
        'icon_hash',
        'latitude_i',
        'led_off',
        'longitude_i',
        'mac',
        'mic_type',
        'model',
        'next_action',
        'oemId',
        'on_time',
        'relay_state',
        'rssi',
        'status',
        'sw_ver',
        'updating',
      ],
      HS110: [
        'active_mode',
        'alias',
        'dev_name',
        'deviceId',
        'feature',
        'hwId',
        'hw_ver',
        'icon_hash',
        'latitude_i',
        'led_off',
        'longitude_i',
        'mac',
        'mic_type',
        'model',
        'next_action',
        'oemId',
        'on_time',
        'relay_state',
        'rssi',
        'status',
        'sw_ver',
        'updating',
      ],
      HS220: [
        'active_mode',
        'alias',
        'brightness',
        'dev_name',
        'deviceId',
        'feature',
        'hwId',
        'hw_ver',
        'icon_hash',
        'latitude_i',
        'led_off',
        'longitude_i',
        'mac',
        'mic_type',
        'model',
        'next_action',
        'oemId',
        'on_time',
        'preferred_state',
        'relay_state',
        'rssi',
        'sw_ver',
        'updating',
      ],
    };
    for (const name of LEGACY_MODEL_NAMES) {
      assert.deepEqual(Object.keys(iot(name).sysinfo).sort(), expected[name], name);
    }
  });

  it('an off bulb keeps what returns on power-on in dft_on_state', () => {
    const light = iot('KL130').sysinfo.light_state as Record<string, unknown>;
    assert.equal(light.on_off, 0);
    assert.deepEqual(Object.keys(light.dft_on_state as object).sort(), [
      'brightness',
      'color_temp',
      'hue',
      'mode',
      'saturation',
    ]);
  });

  it('capability flags, strip length and effect state, meter and dimmer data per model', () => {
    const flags = (name: 'KL130' | 'KL110' | 'KL430') => {
      const s = iot(name).sysinfo;
      return [s.is_dimmable, s.is_color, s.is_variable_color_temp];
    };
    assert.deepEqual(flags('KL130'), [1, 1, 1]);
    assert.deepEqual(flags('KL110'), [1, 0, 0]);
    assert.deepEqual(flags('KL430'), [1, 1, 1]);
    assert.equal(iot('KL430').sysinfo.length, 16);
    assert.equal((iot('KL430').sysinfo.lighting_effect_state as { enable: number }).enable, 0);
    assert.equal(iot('HS110').sysinfo.feature, 'TIM:ENE');
    assert.equal(iot('HS110').emeter?.style, 'milli');
    assert.equal(iot('HS103').sysinfo.feature, 'TIM');
    assert.equal(iot('HS103').emeter, undefined);
    assert.match(String(iot('HS220').sysinfo.dev_name), /Dimmer/);
    assert.equal(iot('HS220').sysinfo.brightness, 100);
    assert.equal(iot('HS220').dimmer?.fadeOnTime, 1000);
  });

  it('each call is a fresh copy', () => {
    const a = iot('KL130');
    (a.sysinfo.light_state as { on_off: number }).on_off = 1;
    assert.equal((iot('KL130').sysinfo.light_state as { on_off: number }).on_off, 0);
  });
});
