import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  componentIds,
  iotCapabilities,
  smartCapabilities,
  tunableRange,
} from '../../src/device/capabilities';
import {
  decodeNickname,
  encodeNickname,
  firmwareVersion,
  iotState,
  modelWithoutRegion,
  smartState,
} from '../../src/device/state';
import { createModel, type IotModel, type SmartModel } from '../../src/emulator/models';
import { capabilitiesOf, hs100State } from './helpers';

/** The state keys of a dimmable white bulb, sorted: no colour, no white tuning, no effects. */
const DIMMABLE_WHITE_KEYS = ['alias', 'brightness', 'firmware', 'model', 'on', 'online', 'type'];

/** Capabilities of a device that only switches (the rest of a plug's or a white bulb's). */
const SWITCH_ONLY = {
  brightness: false,
  color: false,
  colorTemp: null,
  effects: null,
  transition: false,
  energy: false,
  energyHistory: [],
  presets: false,
  fade: false,
  autoOff: false,
  led: false,
  autoUpdate: false,
};

function smartInfo(name: 'L530' | 'L510' | 'L900' | 'P100' | 'P110') {
  return (createModel(name) as SmartModel).info;
}

describe('capabilities', () => {
  it('per emulated model', () => {
    assert.deepEqual(capabilitiesOf('L530'), {
      dialect: 'smart',
      kind: 'bulb',
      brightness: true,
      color: true,
      colorTemp: { min: 2500, max: 6500 },
      effects: ['Party', 'Relax'],
      transition: false,
      energy: false,
      energyHistory: [],
      presets: true,
      fade: true,
      autoOff: false,
      led: false,
      autoUpdate: true,
    });
    assert.deepEqual(capabilitiesOf('L510'), {
      ...SWITCH_ONLY,
      dialect: 'smart',
      kind: 'bulb',
      brightness: true,
      presets: true,
      fade: true,
      autoUpdate: true,
    });
    const strip = capabilitiesOf('L900');
    assert.equal(strip.kind, 'strip');
    assert.equal(strip.colorTemp, null, '[9000,9000] means no white tuning');
    assert.deepEqual(strip.effects, [
      'Aurora',
      'Bubbling Cauldron',
      'Candy Cane',
      'Christmas',
      'Flicker',
      "Grandma's Christmas Lights",
      'Hanukkah',
      'Haunted Mansion',
      'Icicle',
      'Lightning',
      'Ocean',
      'Rainbow',
      'Raindrop',
      'Spring',
      'Sunrise',
      'Sunset',
      'Valentines',
    ]);
    // on_off_gradually v1 is a bare switch: no fade durations to offer.
    assert.equal(strip.fade, false);
    assert.equal(strip.presets, true);
    assert.deepEqual(capabilitiesOf('P100'), {
      ...SWITCH_ONLY,
      dialect: 'smart',
      kind: 'plug',
      led: true,
    });
    assert.equal(capabilitiesOf('P110').energy, true);
    assert.deepEqual(capabilitiesOf('HS100'), {
      ...SWITCH_ONLY,
      dialect: 'iot',
      kind: 'plug',
      led: true,
    });
  });

  it('ranges and kinds from partial information', () => {
    assert.equal(tunableRange([2700, 2700]), null);
    assert.equal(tunableRange(undefined), null);
    assert.equal(tunableRange(['a', 2]), null);
    assert.deepEqual(tunableRange([2200, 6500]), { min: 2200, max: 6500 });
    assert.deepEqual([...componentIds(undefined)], []);
    assert.deepEqual(
      [...componentIds({ component_list: [{ id: 'x' }, null, { ver_code: 1 }] })],
      ['x'],
    );
    assert.equal(smartCapabilities(new Set(), {}).kind, 'plug');
    assert.equal(
      smartCapabilities(new Set(['brightness']), { type: 'SMART.TAPOSWITCH', brightness: 5 }).kind,
      'plug',
    );
    assert.equal(
      smartCapabilities(new Set(['brightness']), {}).brightness,
      false,
      'needs the field too',
    );
  });

  it('IOT bulbs and strips from sysinfo flags, ranges from the model table', () => {
    const bulb = iotCapabilities({
      mic_type: 'IOT.SMARTBULB',
      model: 'KL130(EU)',
      is_dimmable: 1,
      is_color: 1,
      is_variable_color_temp: 1,
    });
    assert.deepEqual(bulb, {
      dialect: 'iot',
      kind: 'bulb',
      brightness: true,
      color: true,
      colorTemp: { min: 2500, max: 9000 },
      effects: null,
      transition: true,
      // Every Kasa lamp reports its power (smartlife.iot.common.emeter).
      energy: true,
      energyHistory: ['day', 'month'],
      // No preferred_state in this sysinfo, no LED; fades are per command.
      presets: false,
      fade: false,
      autoOff: false,
      led: false,
      autoUpdate: false,
    });
    assert.deepEqual(
      iotCapabilities({ type: 'IOT.SMARTBULB', model: 'KL120(US)', is_variable_color_temp: 1 })
        .colorTemp,
      { min: 2700, max: 5000 },
    );
    assert.deepEqual(
      iotCapabilities({ type: 'IOT.SMARTBULB', model: 'KL120(EU)', is_variable_color_temp: true })
        .colorTemp,
      { min: 2700, max: 6500 },
    );
    assert.deepEqual(
      iotCapabilities({ type: 'IOT.SMARTBULB', model: 'KL125', is_variable_color_temp: 1 })
        .colorTemp,
      { min: 2500, max: 6500 },
    );
    assert.deepEqual(
      iotCapabilities({ type: 'IOT.SMARTBULB', model: 'KL999', is_variable_color_temp: 1 })
        .colorTemp,
      { min: 2700, max: 6500 },
    );
    assert.equal(
      iotCapabilities({ type: 'IOT.SMARTBULB', model: 'KL50', is_dimmable: 1 }).colorTemp,
      null,
    );
    assert.equal(iotCapabilities({ mic_type: 'IOT.SMARTBULB', length: 16 }).kind, 'strip');
  });
});

describe('helpers', () => {
  it('strips regions, decodes nicknames, first word of firmware', () => {
    assert.equal(modelWithoutRegion('HS100(UK)'), 'HS100');
    assert.equal(modelWithoutRegion('L530E(EU)'), 'L530E');
    assert.equal(modelWithoutRegion('L530'), 'L530');
    assert.equal(modelWithoutRegion(undefined), '');
    assert.equal(decodeNickname('I01BU0tFRF9OQU1FIw=='), '#MASKED_NAME#');
    assert.equal(decodeNickname(encodeNickname('Küche 💡')), 'Küche 💡');
    assert.equal(decodeNickname('not base64!'), 'not base64!');
    assert.equal(decodeNickname('//79'), '//79', 'invalid UTF-8 is shown as sent');
    assert.equal(decodeNickname(42), '');
    assert.equal(firmwareVersion('1.1.6 Build 240130 Rel.173828'), '1.1.6');
    assert.equal(firmwareVersion(''), undefined);
    assert.equal(firmwareVersion(undefined), undefined);
  });
});

describe('SMART state', () => {
  it('L530 in white mode and in colour mode', () => {
    const caps = capabilitiesOf('L530');
    const info = { ...smartInfo('L530'), device_on: true, brightness: 100, color_temp: 6500 };
    const white = smartState(info, caps);
    assert.deepEqual(Object.keys(white).sort(), [
      'alias',
      'brightness',
      'color',
      'colorTemp',
      'effect',
      'firmware',
      'hue',
      'model',
      'on',
      'online',
      'rssi',
      'saturation',
      'type',
    ]);
    assert.equal(white.rssi, -52);
    assert.equal(white.on, true);
    assert.equal(white.online, true);
    assert.equal(white.model, 'L530');
    assert.equal(white.alias, 'Living room lamp');
    assert.equal(white.type, 'bulb');
    assert.equal(white.firmware, '1.1.6');
    assert.equal(white.colorTemp, 6500);
    assert.equal(white.effect, 'off');
    const colour = smartState(
      {
        ...info,
        hue: 240,
        saturation: 100,
        color_temp: 0,
        brightness: 50,
        dynamic_light_effect_enable: true,
        dynamic_light_effect_id: 'L2',
      },
      caps,
    );
    assert.equal(colour.color, '#000080');
    assert.equal(colour.colorTemp, 0);
    assert.equal(colour.effect, 'Relax');
    assert.equal(
      smartState(
        { ...info, dynamic_light_effect_enable: true, dynamic_light_effect_id: 'L9' },
        caps,
      ).effect,
      'L9',
    );
  });

  it('L510, L900, P100 carry only their keys', () => {
    const l510 = smartState(smartInfo('L510'), capabilitiesOf('L510'));
    assert.deepEqual(Object.keys(l510).sort(), [...DIMMABLE_WHITE_KEYS, 'rssi'].sort());
    const strip = smartState(
      { ...smartInfo('L900'), color_temp: 9000, lighting_effect: { enable: 1, name: 'Aurora' } },
      capabilitiesOf('L900'),
    );
    assert.equal(strip.colorTemp, undefined);
    assert.equal(strip.effect, 'Aurora');
    assert.equal(strip.color, '#000080', 'fixed 9000 K white is shown by hue/saturation');
    const plug = smartState(smartInfo('P100'), capabilitiesOf('P100'));
    assert.deepEqual(Object.keys(plug).sort(), [
      'alias',
      'firmware',
      'model',
      'on',
      'online',
      'rssi',
      'type',
    ]);
    const bare = smartState({}, capabilitiesOf('P100'));
    assert.deepEqual(bare, { on: false, online: true, model: '', alias: '', type: 'plug' });
  });

  it('P110 power in W from mW, energy today in Wh', () => {
    const state = smartState(smartInfo('P110'), capabilitiesOf('P110'), {
      current_power: 8962,
      today_energy: 120,
    });
    assert.equal(state.power, 8.962);
    assert.equal(state.energyToday, 120);
    const noPower = smartState(smartInfo('P110'), capabilitiesOf('P110'), { today_energy: 3 });
    assert.equal(noPower.power, undefined);
    assert.equal(noPower.energyToday, 3);
    assert.equal(
      smartState(smartInfo('P100'), capabilitiesOf('P100'), { current_power: 5 }).power,
      undefined,
    );
  });
});

describe('IOT state', () => {
  it('HS100 plug', () => {
    const sysinfo = { ...(createModel('HS100') as IotModel).sysinfo, relay_state: 1 };
    assert.deepEqual(iotState(sysinfo, iotCapabilities(sysinfo)), hs100State(true));
    assert.deepEqual(iotState({}, iotCapabilities({})), {
      on: false,
      online: true,
      model: '',
      alias: '',
      type: 'plug',
    });
  });

  it('bulbs on (light_state) and off (dft_on_state)', () => {
    const base = {
      mic_type: 'IOT.SMARTBULB',
      model: 'KL130(EU)',
      alias: 'Desk',
      sw_ver: '1.8.11 Build 191113',
      is_dimmable: 1,
      is_color: 1,
      is_variable_color_temp: 1,
    };
    const caps = iotCapabilities(base);
    const on = iotState(
      {
        ...base,
        light_state: { on_off: 1, hue: 120, saturation: 100, color_temp: 0, brightness: 100 },
      },
      caps,
    );
    assert.deepEqual(on, {
      on: true,
      online: true,
      model: 'KL130',
      alias: 'Desk',
      type: 'bulb',
      firmware: '1.8.11',
      brightness: 100,
      hue: 120,
      saturation: 100,
      colorTemp: 0,
      color: '#00ff00',
    });
    const off = iotState(
      {
        ...base,
        light_state: {
          on_off: 0,
          dft_on_state: { hue: 0, saturation: 0, color_temp: 2700, brightness: 40 },
        },
      },
      caps,
    );
    assert.equal(off.on, false);
    assert.equal(off.brightness, 40);
    assert.equal(off.colorTemp, 2700);
    const white = iotState(
      { ...base, is_color: 0, light_state: { on_off: 1, brightness: 10 } },
      iotCapabilities({ ...base, is_color: 0, is_variable_color_temp: 0 }),
    );
    assert.deepEqual(Object.keys(white).sort(), DIMMABLE_WHITE_KEYS);
    const nothing = iotState(
      { mic_type: 'IOT.SMARTBULB' },
      iotCapabilities({ mic_type: 'IOT.SMARTBULB', is_color: 1 }),
    );
    assert.equal(nothing.color, '#ffffff');
  });
});
