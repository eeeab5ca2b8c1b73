/**
 * Beyond on/off through the nodes, against emulated devices on 127.0.0.1 over their own wires
 * (KLAP, AES, Kasa legacy): presets, fade, auto-off, LED, auto-update and energy history work on
 * the models that have them and reach Catch, with nothing sent, on the models that do not;
 * lamp-status's power-change threshold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { EnergyPoint, LampState } from '../../src/device/types';
import type { EmulatedDevice, EmulatorOptions } from '../../src/emulator';
import type { IotModel } from '../../src/emulator/models';
import {
  caughtError,
  collect,
  controlNode,
  creds,
  deploy,
  getNode,
  helper,
  helperNode,
  hubOf,
  nextMessage,
  PASS,
  stateOf,
  statusNode,
  USER,
  until,
  useDevices,
} from './support';

const out = helperNode('out');

describe('beyond on/off through the nodes', () => {
  const start = useDevices();

  /** A device (Tapo ones with our account), deployed with lamp-control `ctl` and more. */
  async function deployed(options: EmulatorOptions, extra = [controlNode('ctl'), out]) {
    const tapo = typeof options.model === 'string' && /^[LP]/.test(options.model);
    const d = await start({ ...(tapo ? { username: USER, password: PASS } : {}), ...options });
    await deploy(d, extra, tapo ? creds() : {});
    const hub = hubOf();
    await until(() => hub.idle && hub.isOnline !== undefined, 'the first read');
    return d;
  }

  async function send(payload: unknown, id = 'ctl'): Promise<NodeMessage> {
    const reply = nextMessage('out');
    getNode(id).receive({ payload } as NodeMessage);
    return reply;
  }

  /** Sends `payload`, expects it at Catch with `code` and `message`, and no device request. */
  async function refused(
    d: EmulatedDevice,
    payload: unknown,
    code: string,
    message: RegExp,
    id = 'ctl',
  ) {
    const requests = d.server.counters.requests;
    let emitted = 0;
    const onOut = () => emitted++;
    getNode('out').on('input', onOut);
    const caught = nextMessage('caught');
    getNode(id).receive({ payload } as NodeMessage);
    const error = caughtError(await caught);
    getNode('out').removeListener('input', onOut);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    assert.equal(emitted, 0, 'nothing passed on');
    assert.equal(d.server.counters.requests, requests, 'nothing sent to the device');
  }

  it("L530 (KLAP): presets and the lamp's own fade", async () => {
    const d = await deployed({ model: 'L530' });
    const blue = stateOf(await send({ preset: 2 }));
    assert.deepEqual([blue.on, blue.hue, blue.saturation], [true, 240, 100]);
    assert.equal(blue.presets?.length, 7);
    const fade = stateOf(await send({ fade: { on: 3000, off: 0 } }));
    assert.deepEqual(fade.fade, { on: 3000, off: 0 });
    const raw = nextMessage('out');
    getNode('ctl').receive({ request: { method: 'get_on_off_gradually_info' } } as NodeMessage);
    const device = (await raw).payload as { on_state: { duration: number; enable: boolean } };
    assert.deepEqual([device.on_state.enable, device.on_state.duration], [true, 3]);
    await refused(d, { preset: 9 }, 'INVALID_COMMAND', /preset must be a number from 1 to 7/);
    await refused(d, { led: false }, 'UNSUPPORTED', /this L530 has no status LED setting \(led\)/);
    await refused(d, { autoOff: { enabled: true } }, 'UNSUPPORTED', /this L530 has no auto-off/);
    await refused(d, { on: true, transition: 500 }, 'UNSUPPORTED', /gradually/);
  });

  it('L900 (KLAP): presets yes, fade durations no', async () => {
    const d = await deployed({ model: 'L900' });
    const white = stateOf(await send({ preset: 1 }));
    assert.equal(white.brightness, 50);
    assert.equal(d.info.color_temp, 9000);
    await refused(
      d,
      { fade: { on: 1000 } },
      'UNSUPPORTED',
      /this L900 has no gradual on\/off durations/,
    );
  });

  it('P110 (AES): auto-off, LED, auto-update, and a month of daily energy', async () => {
    const d = await deployed({ model: 'P110', protocol: 'aes' });
    const set = stateOf(
      await send({ autoOff: { enabled: true, minutes: 20 }, led: false, autoUpdate: false }),
    );
    assert.deepEqual(set.autoOff, { enabled: true, minutes: 20 });
    assert.deepEqual([set.led, set.autoUpdate, set.on], [false, false, false]);
    assert.equal(d.info.auto_off_status, 'on');
    assert.equal(typeof set.voltage, 'number');
    assert.equal(typeof set.energyMonth, 'number');
    const history = (await send({ energyHistory: { interval: 'day' } })).payload as EnergyPoint[];
    assert.ok(Array.isArray(history));
    assert.equal(history.length, new Date().getDate());
    for (const point of history) {
      assert.deepEqual(Object.keys(point), ['t', 'wh']);
      assert.ok(!Number.isNaN(Date.parse(point.t)));
    }
    await refused(
      d,
      { energyHistory: { interval: 'day' }, on: true },
      'INVALID_COMMAND',
      /energyHistoryAlone/,
    );
    await refused(
      d,
      { energyHistory: { interval: 'week' } },
      'INVALID_COMMAND',
      /"hour", "day" or "month"/,
    );
  });

  it('a fixed-action node refuses an energy history query instead of switching', async () => {
    const d = await deployed({ model: 'P110' }, [controlNode('ctl', { action: 'toggle' }), out]);
    // Under the test helper RED._ answers with the i18n key.
    await refused(
      d,
      { energyHistory: { interval: 'day' } },
      'INVALID_COMMAND',
      /energyHistoryFixedAction/,
    );
    assert.equal(d.info.device_on, false);
  });

  it('P100 (KLAP): LED only; no auto-off, auto-update or energy history', async () => {
    const d = await deployed({ model: 'P100' });
    assert.equal(stateOf(await send({ led: false })).led, false);
    await refused(
      d,
      { autoOff: { minutes: 5 } },
      'UNSUPPORTED',
      /this P100 has no auto-off setting/,
    );
    await refused(d, { autoUpdate: true }, 'UNSUPPORTED', /this P100 has no firmware auto-update/);
    await refused(
      d,
      { energyHistory: { interval: 'day' } },
      'UNSUPPORTED',
      /this P100 has no energy meter/,
    );
  });

  it('Kasa legacy: HS110 LED and months, KL130 presets, HS220 fade', async () => {
    const hs110 = await deployed({ model: 'HS110' });
    assert.equal(stateOf(await send({ led: true })).led, true);
    assert.equal(hs110.info.led_off, 0);
    const months = (await send({ energyHistory: { interval: 'month' } })).payload as EnergyPoint[];
    assert.equal(months.length, new Date().getMonth() + 1);
    await refused(
      hs110,
      { energyHistory: { interval: 'hour' } },
      'UNSUPPORTED',
      /no energy history by hour/,
    );
    await refused(hs110, { autoOff: { enabled: true } }, 'UNSUPPORTED', /HS110 has no auto-off/);
    await helper.unload();

    const kl130 = await deployed({ model: 'KL130' });
    const preset = stateOf(await send({ preset: 4 }));
    assert.deepEqual([preset.on, preset.hue, preset.saturation], [true, 240, 75]);
    await refused(kl130, { fade: { on: 500 } }, 'UNSUPPORTED', /use transition/);
    await helper.unload();

    const hs220 = await deployed({ model: 'HS220' });
    const fade = stateOf(await send({ fade: { off: 4000 } }));
    assert.deepEqual(fade.fade, { on: 1000, off: 4000 });
    assert.equal((hs220.device.model as IotModel).dimmer?.fadeOffTime, 4000);
  });
});

describe('lamp-status power threshold', () => {
  const start = useDevices();

  /** Keys other than power that differ between two states. */
  function otherChanges(a: LampState, b: LampState): string[] {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].filter(
      (k) =>
        !['power', 'voltage', 'current', 'rssi'].includes(k) &&
        JSON.stringify((a as unknown as Record<string, unknown>)[k]) !==
          JSON.stringify((b as unknown as Record<string, unknown>)[k]),
    );
  }

  it('emits on a power change larger than N W; blank keeps whole watts', async () => {
    const d = await start({ model: 'HS110' });
    await deploy(
      d,
      [
        statusNode('plain', { wires: [['plainOut']] }),
        statusNode('calm', { powerThreshold: '5', wires: [['calmOut']] }),
        helperNode('plainOut'),
        helperNode('calmOut'),
      ],
      {},
    );
    const plain = collect('plainOut');
    const calm = collect('calmOut');
    await until(() => plain.length >= 1 && calm.length >= 1, 'the first states');
    const meter = (d.device.model as IotModel).emeter as { watts: number };
    meter.watts = 63.4; // 61.75 -> 63.4 W: a whole-watt change, below 5 W
    await until(
      () => plain.some((m) => stateOf(m).power === 63.4),
      'the plain node to emit 63.4 W',
    );
    meter.watts = 70; // more than 5 W from the last state the calm node sent
    await until(() => calm.some((m) => stateOf(m).power === 70), 'the calm node to emit 70 W');
    await until(() => plain.some((m) => stateOf(m).power === 70), 'the plain node to emit 70 W');
    for (let i = 1; i < calm.length; i++) {
      const [before, now] = [stateOf(calm[i - 1] as NodeMessage), stateOf(calm[i] as NodeMessage)];
      const moved = Math.abs((now.power ?? 0) - (before.power ?? 0));
      assert.ok(
        moved > 5 || otherChanges(before, now).length > 0,
        `calm emitted a ${moved} W change alone`,
      );
    }
  });
});
