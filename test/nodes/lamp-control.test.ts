/**
 * lamp-control against emulated devices over real HTTP on 127.0.0.1: every input form, fixed
 * actions, pass-through, raw requests and every error path reaching a Catch node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { LampState } from '../../src/device/types';
import {
  allNodes,
  catchNodes,
  caughtError,
  collect,
  controlNode as control,
  creds,
  deploy,
  getNode,
  helper,
  helperNode,
  hubOf,
  logged,
  nextMessage,
  PASS,
  sleep,
  stateOf as state,
  statuses,
  statusNode,
  TAB,
  type TestNode,
  USER,
  until,
  useEmulator,
} from './support';

const out = helperNode('out');

/** Sends `msg` to node `id` and waits for its output at `out`. */
async function roundTrip(id: string, msg: NodeMessage): Promise<NodeMessage> {
  const answer = nextMessage('out');
  getNode(id).receive(msg);
  return answer;
}

/** Sends `msg` and waits for the Catch node; asserts nothing came out of `out`. */
async function expectCaught(id: string, msg: NodeMessage) {
  let emitted = 0;
  const onOut = () => emitted++;
  getNode('out').on('input', onOut);
  const caught = nextMessage('caught', 6000);
  getNode(id).receive(msg);
  const err = caughtError(await caught);
  getNode('out').removeListener('input', onOut);
  assert.equal(emitted, 0, 'an erroring message must not be sent on');
  assert.ok(!JSON.stringify(err).includes(PASS), 'the password never appears in errors');
  return err;
}

/** Waits until the config node's connect-at-deploy read is over. */
async function settled() {
  const hub = hubOf();
  await until(() => hub.idle && hub.isOnline !== undefined, 'the first read');
}

describe('lamp-control', () => {
  const emulator = useEmulator();

  it('accepts every form of the payload grammar and passes the msg on', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out]);
    const cases: [unknown, (s: LampState) => void][] = [
      [true, (s) => assert.equal(s.on, true)],
      [false, (s) => assert.equal(s.on, false)],
      ['on', (s) => assert.equal(s.on, true)],
      ['off', (s) => assert.equal(s.on, false)],
      ['toggle', (s) => assert.equal(s.on, true)],
      ['toggle', (s) => assert.equal(s.on, false)],
      [40, (s) => assert.deepEqual([s.on, s.brightness], [true, 40])],
      [0, (s) => assert.equal(s.on, false)],
      [
        '#ff0000',
        (s) => assert.deepEqual([s.on, s.hue, s.saturation, s.color], [true, 0, 100, '#ff0000']),
      ],
      [
        { on: true, brightness: 70, colorTemp: 2700 },
        (s) => assert.deepEqual([s.brightness, s.colorTemp], [70, 2700]),
      ],
      [{ hue: 120, saturation: 50 }, (s) => assert.deepEqual([s.hue, s.saturation], [120, 50])],
      [{ color: { r: 0, g: 0, b: 255 } }, (s) => assert.equal(s.hue, 240)],
      [
        { color: { h: 30, s: 100, v: 80 } },
        (s) => assert.deepEqual([s.hue, s.brightness], [30, 80]),
      ],
      [
        { color: '#00ff00', brightness: 25 },
        (s) => assert.deepEqual([s.hue, s.brightness], [120, 25]),
      ],
    ];
    for (const [i, [payload, check]] of cases.entries()) {
      const res = { marker: i };
      const msg = await roundTrip('ctl', { payload, topic: 'kitchen', res });
      assert.equal(msg.res, res, `msg.res survives (case ${JSON.stringify(payload)})`);
      assert.equal(msg.topic, 'kitchen');
      assert.equal(state(msg).online, true);
      assert.equal(state(msg).model, 'L530');
      check(state(msg));
    }
  });

  it('runs effects on a device that has them', async () => {
    const d = await emulator('L900');
    await deploy(d, [control('ctl'), out]);
    const msg = await roundTrip('ctl', { payload: { effect: 'Aurora' } });
    assert.equal(state(msg).effect, 'Aurora');
    const off = await roundTrip('ctl', { payload: { effect: 'off' } });
    assert.equal(state(off).effect, 'off');
  });

  it('fixed actions ignore msg.payload: any message triggers them', async () => {
    const d = await emulator('L530');
    await deploy(d, [
      control('ctlOn', { action: 'on' }),
      control('ctlOff', { action: 'off' }),
      control('ctlToggle', { action: 'toggle' }),
      out,
    ]);
    assert.equal(state(await roundTrip('ctlOn', { payload: 'garbage' })).on, true);
    assert.equal(state(await roundTrip('ctlOff', { payload: { brightness: 'x' } })).on, false);
    assert.equal(state(await roundTrip('ctlToggle', { payload: false })).on, true);
    assert.equal(state(await roundTrip('ctlToggle', {})).on, false);
  });

  it('fixed actions refuse msg.request (a raw read must not toggle the lamp)', async () => {
    const d = await emulator('L530');
    await deploy(d, [
      control('ctlToggle', { action: 'toggle' }),
      control('ctlOff', { action: 'off' }),
      out,
    ]);
    await settled();
    const before = state(await roundTrip('ctlOff', {}));
    assert.equal(before.on, false);
    const requests = d.klap.counters.requests;
    for (const id of ['ctlToggle', 'ctlOff']) {
      const err = await expectCaught(id, { request: { method: 'get_device_info' } });
      assert.equal(err.code, 'INVALID_COMMAND');
      assert.match(err.message, /lamp-control\.errors\.requestFixedAction/);
    }
    assert.equal(d.klap.counters.requests, requests, 'nothing was sent to the device');
    assert.equal(d.info.device_on, false, 'the lamp was not toggled');
  });

  it('sends raw requests from msg.request and returns the decoded response', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out]);
    const res = {};
    const msg = await roundTrip('ctl', { request: { method: 'get_device_info' }, res });
    const info = msg.payload as Record<string, unknown>;
    assert.equal(info.model, 'L530');
    assert.equal(msg.res, res);
    const set = await roundTrip('ctl', {
      request: { method: 'set_device_info', params: { device_on: false } },
    });
    assert.ok(set.payload !== undefined);
    const after = await roundTrip('ctl', { payload: 'toggle' });
    assert.equal(state(after).on, true, 'the raw set really switched the lamp off');

    const err = await expectCaught('ctl', { request: { params: {} } });
    assert.equal(err.code, 'INVALID_COMMAND');
    assert.match(err.message, /lamp-control\.errors\.requestMethod/);
    const err2 = await expectCaught('ctl', { request: { method: 'get_device_info', params: 5 } });
    assert.equal(err2.code, 'INVALID_COMMAND');
  });

  it('refuses invalid payloads before anything is sent', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out]);
    const seen = statuses('ctl');
    await settled();
    await roundTrip('ctl', { payload: true }); // session and capabilities are known now
    const requests = d.klap.counters.requests;
    for (const payload of [
      'purple',
      150,
      -1,
      { brightness: 0 },
      { hue: 400 },
      { colour: 'red' },
      null,
      undefined,
      [1],
    ]) {
      const err = await expectCaught('ctl', { payload });
      assert.equal(err.code, 'INVALID_COMMAND', `payload ${JSON.stringify(payload)}`);
    }
    const err = await expectCaught('ctl', { payload: { brightness: 101 } });
    assert.match(err.message, /brightness/);
    assert.match(err.message, /100/);
    assert.equal(d.klap.counters.requests, requests, 'nothing was sent to the device');
    await until(
      () => seen.some((s) => s.text === 'klap-device.status.invalidCommand' && s.fill === 'red'),
      'red-ring status',
    );
    // The device itself is fine: the next command works and restores the device status.
    const ok = await roundTrip('ctl', { payload: 30 });
    assert.equal(state(ok).brightness, 30);
    await until(() => seen.at(-1)?.text === 'klap-device.status.onBrightness', 'status on · %');
    assert.deepEqual(seen.at(-1), {
      fill: 'green',
      shape: 'dot',
      text: 'klap-device.status.onBrightness',
    });
  });

  it('refuses features the device lacks (UNSUPPORTED)', async () => {
    const d = await emulator('L510');
    await deploy(d, [control('ctl'), out]);
    await settled();
    await roundTrip('ctl', { payload: 50 });
    const requests = d.klap.counters.requests;
    const err = await expectCaught('ctl', { payload: '#ff0000' });
    assert.equal(err.code, 'UNSUPPORTED');
    assert.match(err.message, /colou?r/);
    const err2 = await expectCaught('ctl', { payload: { brightness: 20, transition: 500 } });
    assert.equal(err2.code, 'UNSUPPORTED');
    assert.match(err2.message, /transition/);
    assert.equal(d.klap.counters.requests, requests);
  });

  it('reports wrong credentials (AUTH_FAILED) to Catch, status and log', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out], creds(USER, 'wrong-password'));
    const warns = logged('dev', 'warn');
    const seen = statuses('ctl');
    const err = await expectCaught('ctl', { payload: true });
    assert.equal(err.code, 'AUTH_FAILED');
    assert.match(err.message, /case-sensitive/);
    await until(() => seen.some((s) => s.text === 'klap-device.status.authFailed'), 'auth status');
    assert.ok(!JSON.stringify(seen).includes('wrong-password'));
    await expectCaught('ctl', { payload: false });
    assert.ok(warns.length <= 1, 'the failure is logged at most once');
    assert.ok(!warns.join().includes('wrong-password'));
  });

  it('reports an unreachable device', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out]);
    await roundTrip('ctl', { payload: true });
    const seen = statuses('ctl');
    await d.unplug();
    const err = await expectCaught('ctl', { payload: false });
    assert.ok(['UNREACHABLE', 'TIMEOUT'].includes(String(err.code)), String(err.code));
    await until(
      () => seen.some((s) => s.fill === 'red' && /offline|timeout/.test(String(s.text))),
      'offline status',
    );
    await d.plugIn();
    const back = await roundTrip('ctl', { payload: false });
    assert.equal(state(back).on, false);
  });

  it('reports a timeout when the device hangs', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out], creds(), { timeout: 0.3 });
    await roundTrip('ctl', { payload: true });
    d.klap.faults.hang = true;
    const err = await expectCaught('ctl', { payload: false });
    assert.equal(err.code, 'TIMEOUT');
  });

  it('a burst of messages to a hanging lamp all end in TIMEOUT together, not one timeout each', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out], creds(), { timeout: 0.5 });
    await roundTrip('ctl', { payload: true });
    d.klap.faults.hang = true;
    const caught: NodeMessage[] = [];
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg));
    const before = d.klap.counters.handshake1 + d.klap.counters.requests;
    for (let i = 0; i < 10; i++) getNode('ctl').receive({ payload: i % 2 === 0 });
    // The messages queued behind the first timeout share it instead of each waiting out another.
    await until(() => caught.length === 10, 'ten caught errors', 15000);
    assert.ok(caught.every((msg) => caughtError(msg).code === 'TIMEOUT'));
    assert.ok(
      d.klap.counters.handshake1 + d.klap.counters.requests - before <= 2,
      'the hanging lamp was asked at most twice',
    );
  });

  it('reports 403 at login as Third-Party Compatibility disabled', async () => {
    const d = await emulator('L530');
    d.klap.faults.handshake1Status = 403;
    await deploy(d, [control('ctl'), out]);
    const seen = statuses('ctl');
    const err = await expectCaught('ctl', { payload: true });
    assert.equal(err.code, 'THIRD_PARTY_DISABLED');
    assert.match(err.message, /Third-Party Compatibility/);
    await until(
      () => seen.some((s) => s.text === 'klap-device.status.thirdParty'),
      '3rd-party status',
    );
  });

  it('reports responses that fail their integrity check', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out]);
    await roundTrip('ctl', { payload: true });
    d.klap.faults.forgeSignature = true;
    const err = await expectCaught('ctl', { payload: false });
    assert.equal(err.code, 'INTEGRITY');
  });

  it('without a configured device every message ends in a clear error', async () => {
    const flow = [
      { id: TAB, type: 'tab' },
      control('ctl', { device: '' }),
      out,
      statusNode('st', { device: 'missing', interval: 1 }),
      ...catchNodes(),
    ];
    await helper.load(allNodes, flow);
    const sts = statuses('st');
    const err = await expectCaught('ctl', { payload: true });
    assert.equal(err.code, 'NO_DEVICE');
    assert.match(err.message, /lamp-control\.errors\.noDevice/);
    const err2 = await expectCaught('st', {});
    assert.equal(err2.code, 'NO_DEVICE');
    assert.match(err2.message, /lamp-status\.errors\.noDevice/);
    assert.ok(sts.length === 0 || sts.at(-1)?.text === 'lamp-status.status.noDevice');
  });

  it('a send that throws still ends the message exactly once (done(err)), no unhandled rejection', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out, statusNode('st', { interval: 0 })]);
    await settled();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const caught = collect('caught');
      /** Every done() of each node (Node-RED's done callback calls node._complete). */
      const ends: Record<string, unknown[]> = { ctl: [], st: [] };
      for (const id of ['ctl', 'st']) {
        const node = getNode(id) as TestNode & {
          send: () => void;
          _complete: (msg: unknown, err?: unknown) => void;
        };
        const complete = node._complete.bind(node);
        node._complete = (msg, err) => {
          ends[id].push(err);
          complete(msg, err);
        };
        node.send = () => {
          throw new Error('downstream exploded');
        };
        node.receive({ payload: true });
      }
      await until(() => caught.length === 2, 'both errors caught');
      await sleep(100); // room for a second done() or a stray rejection
      for (const id of ['ctl', 'st']) {
        assert.equal(ends[id].length, 1, `${id}: the message ended exactly once`);
        assert.match(String(ends[id][0]), /downstream exploded/, `${id}: with done(err)`);
      }
      assert.equal(caught.length, 2);
      assert.deepEqual(rejections, []);
    } finally {
      process.removeListener('unhandledRejection', onRejection);
    }
  });

  it('never takes host or credentials from the message', async () => {
    const d = await emulator('L530');
    await deploy(d, [control('ctl'), out]);
    const msg = await roundTrip('ctl', {
      payload: true,
      host: '127.0.0.1',
      port: 1,
      username: 'evil',
      password: 'evil',
    });
    assert.equal(state(msg).on, true);
    assert.equal(d.klap.counters.handshakes, 1);
  });
});
