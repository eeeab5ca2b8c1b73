import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iotCapabilities } from '../../src/device/capabilities';
import { iotClass, iotKelvinRange, iotMeterModule } from '../../src/device/iot-models';
import { iotState } from '../../src/device/state';

const PLUG = {
  mic_type: 'IOT.SMARTPLUGSWITCH',
  model: 'HS110(EU)',
  alias: 'Heater',
  sw_ver: '1.2.5 Build 171213 Rel.101523',
  feature: 'TIM:ENE',
  dev_name: 'Wi-Fi Smart Plug With Energy Monitoring',
  relay_state: 1,
};
const TODAY = new Date(2026, 7, 15, 9, 0, 0);

describe('Kasa IOT classes and facts', () => {
  it('tells bulbs, light strips, dimmers, strips of outlets and plugs apart', () => {
    assert.equal(iotClass({ mic_type: 'IOT.SMARTBULB' }), 'bulb');
    assert.equal(iotClass({ type: 'IOT.SMARTBULB', length: 16 }), 'lightstrip');
    assert.equal(
      iotClass({ mic_type: 'IOT.SMARTPLUGSWITCH', dev_name: 'Wi-Fi Smart Dimmer' }),
      'dimmer',
    );
    assert.equal(
      iotClass({
        mic_type: 'IOT.SMARTPLUGSWITCH',
        dev_name: 'Kasa Smart Wi-Fi Outdoor Plug-In Dimmer',
      }),
      'dimmer',
    );
    assert.equal(iotClass({ mic_type: 'IOT.SMARTPLUGSWITCH', children: [] }), 'strip');
    assert.equal(
      iotClass({ type: 'IOT.SMARTPLUGSWITCH', dev_name: 'Smart Wi-Fi Light Switch' }),
      'plug',
    );
    assert.equal(iotMeterModule('bulb'), 'smartlife.iot.common.emeter');
    assert.equal(iotMeterModule('plug'), 'emeter');
  });

  it('white ranges by model, first match wins', () => {
    assert.deepEqual(iotKelvinRange('KL120(US)'), { min: 2700, max: 5000 });
    assert.deepEqual(iotKelvinRange('KL120(EU)'), { min: 2700, max: 6500 });
    assert.deepEqual(iotKelvinRange('KL400L5(US)'), { min: 2500, max: 9000 });
    assert.deepEqual(iotKelvinRange('LB230(US)'), { min: 2500, max: 9000 });
  });

  it('capabilities: dimmers dim and fade, energy only with ENE, strips of outlets not yet', () => {
    const dimmer = iotCapabilities({
      mic_type: 'IOT.SMARTPLUGSWITCH',
      dev_name: 'Wi-Fi Smart Dimmer',
    });
    assert.deepEqual(
      [dimmer.kind, dimmer.brightness, dimmer.transition, dimmer.color, dimmer.energy],
      ['plug', true, true, false, false],
    );
    assert.equal(iotCapabilities(PLUG).energy, true);
    assert.equal(iotCapabilities({ ...PLUG, feature: 'TIM' }).energy, false);
    assert.equal(iotCapabilities({ ...PLUG, children: [] }).energy, false);
    const strip = iotCapabilities({
      mic_type: 'IOT.SMARTBULB',
      length: 16,
      is_dimmable: 1,
      lighting_effect_state: { enable: 0, name: 'station' },
    });
    assert.deepEqual(
      [strip.kind, strip.transition, strip.effects?.[0]],
      ['strip', false, 'Aurora'],
    );
  });
});

describe('Kasa IOT energy in the state', () => {
  const caps = iotCapabilities(PLUG);

  it('milli units: power_mw -> W, energy_wh of today found anywhere in the list', () => {
    const state = iotState(PLUG, caps, {
      realtime: { power_mw: 61753, voltage_mv: 230837 },
      daystat: {
        day_list: [
          { year: 2026, month: 8, day: 15, energy_wh: 321 },
          { year: 2026, month: 8, day: 2, energy_wh: 5 },
          { year: 2026, month: 7, day: 15, energy_wh: 999 },
        ],
      },
      today: TODAY,
    });
    assert.deepEqual([state.power, state.energyToday], [61.753, 321]);
  });

  it('first-generation units: power W and energy kWh -> W and Wh', () => {
    const state = iotState(PLUG, caps, {
      realtime: { power: 0.928511, voltage: 231.07 },
      daystat: { day_list: [{ year: 2026, month: 8, day: 15, energy: 0.016 }] },
      today: TODAY,
    });
    assert.deepEqual([state.power, state.energyToday], [0.929, 16]);
  });

  it('a day with no entry yet is 0 Wh; a failed meter leaves the keys out', () => {
    const none = iotState(PLUG, caps, {
      realtime: { power_mw: 0 },
      daystat: { day_list: [] },
      today: TODAY,
    });
    assert.deepEqual([none.power, none.energyToday], [0, 0]);
    const failed = iotState(PLUG, caps, { today: TODAY });
    assert.equal('power' in failed || 'energyToday' in failed, false);
  });

  it('a strip of outlets is on while any outlet is; a dimmer reports its brightness', () => {
    const strip = { ...PLUG, feature: 'TIM', children: [{ state: 0 }, { state: 1 }] };
    assert.equal(iotState(strip, iotCapabilities(strip)).on, true);
    strip.children[1].state = 0;
    assert.equal(iotState(strip, iotCapabilities(strip)).on, false);
    const dimmer = { ...PLUG, feature: 'TIM', dev_name: 'Wi-Fi Smart Dimmer', brightness: 42 };
    assert.equal(iotState(dimmer, iotCapabilities(dimmer)).brightness, 42);
  });

  it('a running strip effect shows its name and brightness', () => {
    const info = {
      mic_type: 'IOT.SMARTBULB',
      model: 'KL430(US)',
      length: 16,
      is_dimmable: 1,
      is_color: 1,
      light_state: { on_off: 1, hue: 0, saturation: 0, color_temp: 9000, brightness: 100 },
      lighting_effect_state: { enable: 1, name: 'Aurora 1', brightness: 35, custom: 1 },
    };
    const state = iotState(info, iotCapabilities(info));
    assert.deepEqual([state.effect, state.brightness], ['Aurora 1', 35]);
  });
});
