import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import { EmulatedIotDevice } from '../../src/emulator/iot-device';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { createModel, type IotModel, type ModelName } from '../../src/emulator/models';
import { InvalidCommandError, UnsupportedFeatureError } from '../../src/transport/errors';
import { expectRefused } from './helpers';

const BULB = 'smartlife.iot.smartbulb.lightingservice';
const STRIP = 'smartlife.iot.lightStrip';
const EFFECT = 'smartlife.iot.lighting_effect';
const DIMMER = 'smartlife.iot.dimmer';
const LAMP_METER = 'smartlife.iot.common.emeter';

type Request = Record<string, Record<string, Record<string, unknown>>>;

/** An opened client on an emulated legacy model, with what it sends from now on. */
async function opened(name: ModelName, edit?: (model: IotModel) => void) {
  const model = createModel(name) as IotModel;
  edit?.(model);
  const device = new EmulatedIotDevice(model);
  const transport = new MemoryTransport((text) => device.handle(text));
  const client = new LampClient({ host: '127.0.0.1', port: 9999 }, transport);
  const first = await client.open();
  transport.sent.length = 0;
  const sent = () => transport.requests as Request[];
  return { client, device, transport, first, sent };
}

/** Refused before anything is sent, naming the property. */
function refused(
  r: Awaited<ReturnType<typeof opened>>,
  payload: unknown,
  property: string,
  kind: typeof InvalidCommandError | typeof UnsupportedFeatureError,
  message: RegExp,
) {
  return expectRefused(r.transport, () => r.client.setState(payload), property, message, kind);
}

describe('Kasa legacy colour bulb (KL130) through LampClient', () => {
  it('reads the off state from dft_on_state, with the meter', async () => {
    const r = await opened('KL130');
    assert.equal(r.client.dialect, 'iot');
    assert.deepEqual(r.first, {
      on: false,
      online: true,
      model: 'KL130',
      alias: 'Reading corner',
      type: 'bulb',
      firmware: '1.8.8',
      brightness: 30,
      hue: 240,
      saturation: 100,
      colorTemp: 0,
      color: '#00004d',
      power: 0,
      energyToday: r.first.energyToday,
      energyMonth: r.first.energyMonth,
      // preferred_state of the KL130 dump: one white, three colours.
      presets: [
        { brightness: 50, colorTemp: 2700 },
        { brightness: 100, hue: 0, saturation: 75 },
        { brightness: 100, hue: 120, saturation: 75 },
        { brightness: 100, hue: 240, saturation: 75 },
      ],
      rssi: -55,
    });
    assert.equal(typeof r.first.energyToday, 'number');
    assert.ok((r.first.energyMonth ?? 0) >= (r.first.energyToday ?? 0));
    const caps = await r.client.capabilities();
    assert.deepEqual(caps.colorTemp, { min: 2500, max: 9000 });
    assert.equal(caps.transition, true);
  });

  it('a colour with a transition is one request: the change, then sysinfo and the meter', async () => {
    const r = await opened('KL130');
    const state = await r.client.setState({ color: '#ff0000', transition: 500 });
    assert.equal(r.sent().length, 1);
    const request = r.sent()[0];
    assert.deepEqual(Object.keys(request), [BULB, 'system', LAMP_METER]);
    assert.deepEqual(request[BULB].transition_light_state, {
      on_off: 1,
      brightness: 100,
      hue: 0,
      saturation: 100,
      color_temp: 0,
      transition_period: 500,
      ignore_default: 1,
    });
    assert.equal(r.device.lastTransitionMs, 500);
    assert.deepEqual(
      [state.on, state.color, state.colorTemp, state.power],
      [true, '#ff0000', 0, 10],
    );
  });

  it('white within the model range; outside it is refused before sending', async () => {
    const r = await opened('KL130');
    const white = await r.client.setState({ colorTemp: 4000, brightness: 50 });
    assert.deepEqual([white.colorTemp, white.brightness, white.on], [4000, 50, true]);
    r.transport.sent.length = 0;
    await refused(
      r,
      { colorTemp: 9500 },
      'colorTemp',
      InvalidCommandError,
      /between 2500 and 9000 K on this KL130/,
    );
    await refused(r, { colorTemp: 2000 }, 'colorTemp', InvalidCommandError, /2500 and 9000/);
  });

  it('on restores the previous light; off and toggle', async () => {
    const r = await opened('KL130');
    const on = await r.client.setState(true);
    assert.deepEqual(r.sent()[0][BULB].transition_light_state, { on_off: 1, ignore_default: 0 });
    assert.deepEqual([on.on, on.hue, on.brightness], [true, 240, 30]);
    assert.equal((await r.client.setState('toggle')).on, false);
    assert.equal((await r.client.setState('toggle')).on, true);
    assert.equal((await r.client.setState(false)).on, false);
  });
});

describe('Kasa legacy white bulb (KL110)', () => {
  it('dims and fades; has no colour or white tuning', async () => {
    const r = await opened('KL110');
    assert.deepEqual(Object.keys(r.first).sort(), [
      'alias',
      'brightness',
      'energyMonth',
      'energyToday',
      'firmware',
      'model',
      'on',
      'online',
      'power',
      'presets',
      'rssi',
      'type',
    ]);
    // A white bulb's presets are brightness only, whatever white the firmware stores with them.
    assert.deepEqual(r.first.presets, [
      { brightness: 100 },
      { brightness: 75 },
      { brightness: 25 },
      { brightness: 1 },
    ]);
    const state = await r.client.setState({ brightness: 20, transition: 1000 });
    assert.equal(state.brightness, 20);
    assert.equal(r.device.lastTransitionMs, 1000);
    r.transport.sent.length = 0;
    await refused(
      r,
      '#ff0000',
      'color',
      UnsupportedFeatureError,
      /KL110 has no colour.*dimmable white lamp/,
    );
    await refused(
      r,
      { colorTemp: 2700 },
      'colorTemp',
      UnsupportedFeatureError,
      /cannot tune its white/,
    );
    await refused(r, { effect: 'Aurora' }, 'effect', UnsupportedFeatureError, /no effects/);
  });
});

describe('Kasa light strip (KL430)', () => {
  it('state: strip with effects, off; set_light_state for light changes', async () => {
    const r = await opened('KL430');
    assert.deepEqual(
      [r.first.type, r.first.on, r.first.effect, r.first.hue, r.first.brightness],
      ['strip', false, 'off', 30, 50],
    );
    const caps = await r.client.capabilities();
    assert.equal(caps.effects?.length, 14);
    assert.ok(!caps.effects?.includes('Sunrise'));
    const state = await r.client.setState({ colorTemp: 6500, brightness: 80 });
    assert.deepEqual(r.sent()[0][STRIP].set_light_state, {
      on_off: 1,
      brightness: 80,
      color_temp: 6500,
      ignore_default: 1,
    });
    assert.deepEqual([state.on, state.colorTemp, state.brightness], [true, 6500, 80]);
  });

  it('effects: start one by name (any case), stop it with a colour in the same request', async () => {
    const r = await opened('KL430');
    const running = await r.client.setState({ effect: 'aurora', brightness: 60 });
    const start = r.sent()[0][EFFECT].set_lighting_effect;
    assert.deepEqual(
      [start.name, start.enable, start.brightness, start.custom, start.type],
      ['Aurora', 1, 60, 0, 'sequence'],
    );
    assert.equal(start.display_colors, undefined);
    assert.deepEqual([running.on, running.effect, running.brightness], [true, 'Aurora', 60]);
    r.transport.sent.length = 0;
    const stopped = await r.client.setState({ effect: 'off', color: '#00ff00' });
    const request = r.sent()[0];
    assert.deepEqual(Object.keys(request).slice(0, 2), [EFFECT, STRIP]);
    assert.deepEqual(
      [request[EFFECT].set_lighting_effect.name, request[EFFECT].set_lighting_effect.enable],
      ['Aurora', 0],
    );
    assert.deepEqual([stopped.effect, stopped.color], ['off', '#00ff00']);
  });

  it('refuses transitions, effects it does not have and whites outside 2500–9000 K', async () => {
    const r = await opened('KL430');
    await refused(
      r,
      { on: true, transition: 500 },
      'transition',
      UnsupportedFeatureError,
      /light strips fade by their own setting/,
    );
    await refused(
      r,
      { effect: 'Sunrise' },
      'effect',
      InvalidCommandError,
      /built-in effect of this KL430: Aurora/,
    );
    await refused(r, { colorTemp: 9001 }, 'colorTemp', InvalidCommandError, /2500 and 9000/);
  });

  it('strips without effect state report no effect', async () => {
    const r = await opened('KL430', (m) => {
      delete m.sysinfo.lighting_effect_state;
    });
    assert.equal(r.first.effect, undefined);
    await refused(r, { effect: 'Aurora' }, 'effect', UnsupportedFeatureError, /no effects/);
  });
});

describe('Kasa dimmer (HS220)', () => {
  it('brightness is set_brightness plus the relay in one request', async () => {
    const r = await opened('HS220');
    assert.deepEqual(
      [r.first.type, r.first.on, r.first.brightness, r.first.power],
      ['plug', false, 100, undefined],
    );
    const state = await r.client.setState(40);
    assert.deepEqual(r.sent(), [
      {
        // The dimmer's fade times are read in the same request, after the change.
        [DIMMER]: { set_brightness: { brightness: 40 }, get_dimmer_parameters: {} },
        system: { set_relay_state: { state: 1 }, get_sysinfo: {} },
      },
    ]);
    assert.deepEqual([state.on, state.brightness], [true, 40]);
    const preset = await r.client.setState({ on: false, brightness: 25 });
    assert.deepEqual([preset.on, preset.brightness], [false, 25]);
  });

  it('transitions use set_dimmer_transition (0 = off, at least 1 ms)', async () => {
    const r = await opened('HS220');
    const on = await r.client.setState({ on: true, transition: 0 });
    assert.deepEqual(r.sent()[0][DIMMER].set_dimmer_transition, { brightness: 100, duration: 1 });
    assert.equal(on.on, true);
    const off = await r.client.setState({ on: false, transition: 2000 });
    assert.deepEqual(r.sent()[1][DIMMER].set_dimmer_transition, { brightness: 0, duration: 2000 });
    assert.deepEqual([off.on, r.device.lastTransitionMs], [false, 2000]);
    const faded = await r.client.setState({ brightness: 70, transition: 300 });
    assert.deepEqual([faded.on, faded.brightness], [true, 70]);
  });

  it('refuses colour and white', async () => {
    const r = await opened('HS220');
    await refused(
      r,
      { hue: 10, saturation: 10 },
      'color',
      UnsupportedFeatureError,
      /it is a dimmer: use brightness/,
    );
    await refused(
      r,
      { colorTemp: 3000 },
      'colorTemp',
      UnsupportedFeatureError,
      /HS220 cannot tune/,
    );
  });
});

describe('Kasa plugs (HS103, HS110)', () => {
  it('HS103 switches and refuses brightness; no energy keys', async () => {
    const r = await opened('HS103');
    assert.deepEqual(r.first, {
      on: false,
      online: true,
      model: 'HS103',
      alias: 'Fan plug',
      type: 'plug',
      firmware: '1.1.4',
      led: true,
      rssi: -48,
    });
    assert.equal((await r.client.setState('on')).on, true);
    assert.deepEqual(r.sent(), [{ system: { set_relay_state: { state: 1 }, get_sysinfo: {} } }]);
    r.transport.sent.length = 0;
    await refused(r, 50, 'brightness', UnsupportedFeatureError, /HS103 has no brightness/);
  });

  it("HS110 reports power and today's energy, read with the state in one request", async () => {
    const r = await opened('HS110');
    assert.equal(r.first.power, 61.75);
    assert.equal(typeof r.first.energyToday, 'number');
    const off = await r.client.setState(false);
    const request = r.sent()[0];
    assert.deepEqual(Object.keys(request), ['system', 'emeter']);
    assert.deepEqual(Object.keys(request.system), ['set_relay_state', 'get_sysinfo']);
    const today = new Date();
    assert.deepEqual(request.emeter.get_daystat, {
      year: today.getFullYear(),
      month: today.getMonth() + 1,
    });
    assert.deepEqual([off.on, off.power], [false, 0]);
  });

  it('first-generation meters (W, kWh) give the same keys in W and Wh', async () => {
    const r = await opened('HS110', (m) => {
      if (m.emeter) m.emeter.style = 'base';
      m.sysinfo.hw_ver = '1.0';
    });
    assert.equal(r.first.power, 61.75);
    assert.equal(typeof r.first.energyToday, 'number');
  });

  it('a meter that fails leaves power out instead of failing the read', async () => {
    const r = await opened('HS110', (m) => {
      delete m.emeter;
    });
    assert.equal(r.first.on, true);
    assert.equal(r.first.power, undefined);
  });
});
