/**
 * lamp-status against emulated devices: change-only emission through the shared poller,
 * output modes, input-triggered reads, offline/online, one session, shortest interval.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { LampState } from '../../src/device/types';
import type { SmartDeviceFaults } from '../../src/emulator';
import {
  allNodes,
  baseFlow,
  caughtError,
  collect,
  controlNode,
  creds,
  deploy,
  getNode,
  helper,
  helperNode,
  hubOf,
  logged,
  nextMessage,
  sleep,
  stateOf as state,
  statuses,
  statusNode,
  until,
  useEmulator,
} from './support';

/** A lamp-control of the device, wired to helper `ctlOut`. */
const control = (id: string) => controlNode(id, { wires: [['ctlOut']] });
/** Status node `st` (no polling) into `out`, control node `ctl` into `ctlOut`. */
const statusAndControl = () => [
  statusNode('st', { interval: 0 }),
  helperNode('out'),
  control('ctl'),
  helperNode('ctlOut'),
];

describe('lamp-status', () => {
  const emulator = useEmulator();

  it('emits at deploy, then only when the state changes, not on every poll', async () => {
    const d = await emulator();
    await deploy(d, [statusNode('st'), helperNode('out')]);
    const seen = collect('out');
    const sts = statuses('st');
    await until(() => seen.length === 1, 'the first state');
    const msg = seen[0];
    assert.equal(msg.topic, 'Living room lamp');
    assert.deepEqual(msg.payload, msg.state);
    assert.equal(state(msg).online, true);
    assert.equal(state(msg).model, 'L530');

    const polled = d.klap.counters.requests;
    await until(() => d.klap.counters.requests >= polled + 5, 'five more polls');
    assert.equal(seen.length, 1, 'unchanged polls emit nothing');

    d.info.brightness = 10; // someone used the app or the wall switch
    d.info.device_on = false;
    await until(() => seen.length === 2, 'the changed state');
    assert.equal(state(seen[1]).brightness, 10);
    assert.equal(state(seen[1]).on, false);
    await until(() => sts.at(-1)?.text === 'klap-device.status.off', 'off status');
    assert.deepEqual(sts.at(-1), { fill: 'grey', shape: 'ring', text: 'klap-device.status.off' });

    d.info.device_on = true;
    await until(() => seen.length === 3, 'switched on');
    assert.equal(state(seen[2]).on, true);
    await until(() => sts.at(-1)?.text === 'klap-device.status.onBrightness', 'on status');
    assert.deepEqual(sts.at(-1), {
      fill: 'green',
      shape: 'dot',
      text: 'klap-device.status.onBrightness',
    });
    const polled2 = d.klap.counters.requests;
    const statusCount = sts.length;
    await until(() => d.klap.counters.requests >= polled2 + 3, 'more polls');
    assert.equal(seen.length, 3);
    assert.equal(sts.length, statusCount, 'status is set when it changes, not on every poll');
  });

  it("output 'on' puts a plain boolean in msg.payload and the state in msg.state", async () => {
    const d = await emulator();
    await deploy(d, [statusNode('st', { output: 'on' }), helperNode('out')]);
    const seen = collect('out');
    await until(() => seen.length === 1, 'the first state');
    const on = (seen[0].state as LampState).on;
    assert.equal(typeof seen[0].payload, 'boolean');
    assert.equal(seen[0].payload, on);
    assert.equal(seen[0].topic, 'Living room lamp');
    d.info.device_on = !on;
    await until(() => seen.length === 2, 'switched');
    assert.equal(seen[1].payload, !on);
    assert.equal((seen[1].state as LampState).on, !on);
  });

  it('any input message reads fresh state and always emits (msg passes through)', async () => {
    const d = await emulator();
    await deploy(d, [statusNode('st', { interval: 0 }), helperNode('out')]);
    const seen = collect('out');
    await until(() => seen.length === 1, 'the state read at deploy');
    assert.equal(hubOf().pollIntervalMs, undefined, 'interval 0: no poller');
    await until(() => hubOf().idle, 'idle');
    const requests = d.klap.counters.requests;
    await sleep(100);
    assert.equal(d.klap.counters.requests, requests, 'interval 0 does not poll');

    const res = { marker: 1 };
    getNode('st').receive({ payload: 'now', res });
    await until(() => seen.length === 2, 'input-triggered state');
    assert.equal(seen[1].res, res);
    assert.equal(seen[1].topic, 'Living room lamp');
    getNode('st').receive({});
    await until(() => seen.length === 3, 'emitted again although unchanged');
    assert.deepEqual(seen[2].payload, seen[1].payload);
    assert.ok(d.klap.counters.requests >= requests + 2, 'each input read the device');

    // Errors on the input path reach Catch nodes.
    await d.unplug();
    const caught = nextMessage('caught');
    getNode('st').receive({ payload: 1 });
    const err = caughtError(await caught);
    assert.ok(['UNREACHABLE', 'TIMEOUT'].includes(String(err.code)));
    await until(() => seen.length === 4, 'the offline state');
    assert.equal(state(seen[3]).online, false);
  });

  it('an input-triggered read keeps a non-empty incoming msg.topic; polls use the alias', async () => {
    const d = await emulator();
    await deploy(d, [statusNode('st', { interval: 0 }), helperNode('out')]);
    const seen = collect('out');
    await until(() => seen.length === 1, 'the state read at deploy');
    assert.equal(seen[0].topic, 'Living room lamp');
    getNode('st').receive({ topic: 'hall/lamp', payload: 'now' });
    await until(() => seen.length === 2, 'the state read for the input');
    assert.equal(seen[1].topic, 'hall/lamp');
    getNode('st').receive({ topic: '' });
    await until(() => seen.length === 3, 'the state for an empty topic');
    assert.equal(seen[2].topic, 'Living room lamp');
  });

  it('device lost: online:false once, logged once; back: fresh state with online:true', async () => {
    const d = await emulator();
    await deploy(d, [statusNode('st'), helperNode('out')]);
    const seen = collect('out');
    const warns = logged('dev', 'warn');
    const logs = logged('dev', 'log');
    const sts = statuses('st');
    await until(() => seen.length === 1, 'the first state');

    await d.unplug();
    await until(() => seen.length === 2, 'the offline state');
    const lost = state(seen[1]);
    assert.equal(lost.online, false);
    assert.equal(lost.model, 'L530', 'the last known state, marked offline');
    assert.equal(lost.brightness, state(seen[0]).brightness);
    await until(
      () => sts.some((s) => s.fill === 'red' && s.text === 'klap-device.status.offline'),
      'offline status',
    );
    await sleep(400); // several failing polls (with back-off) happen here
    assert.equal(seen.length, 2, 'online:false is sent once');
    assert.deepEqual(warns, ['klap-device.log.offline'], 'the outage is logged once');

    d.info.brightness = 33; // changed while away
    await d.plugIn();
    await until(() => seen.length === 3, 'the fresh state', 8000);
    assert.equal(state(seen[2]).online, true);
    assert.equal(state(seen[2]).brightness, 33);
    await until(() => logs.includes('klap-device.log.online'), 'back-online log');
    assert.deepEqual(logs, ['klap-device.log.online']);
    assert.deepEqual(warns, ['klap-device.log.offline']);
  });

  it('a device that answers with an error stays online: backs off, red status, logged once per streak', async () => {
    const d = await emulator();
    await deploy(d, [statusNode('st'), helperNode('out')]);
    const seen = collect('out');
    const warns = logged('dev', 'warn');
    const sts = statuses('st');
    const hub = hubOf();
    await until(() => seen.length === 1, 'the first state');
    const stateText = hub.currentStatus.text;
    const codes = (d.deviceFaults as SmartDeviceFaults).errorCodes;

    codes.push(-1301, -1301, -1301, -1402, -1301, -1301); // rate limited, then another refusal
    await until(
      () => sts.some((s) => s.fill === 'red' && s.text === 'klap-device.status.deviceError'),
      'the device error in the status',
    );
    // The third code was taken, so the second failed poll has been handled.
    await until(() => codes.length <= 3, 'two failed polls');
    assert.equal(hub.isOnline, true, 'the device answered: it is online');
    assert.ok(
      (hub.nextPollDelayMs ?? 0) > (hub.pollIntervalMs ?? 0),
      'polls back off while the device keeps refusing',
    );
    await until(() => codes.length === 0, 'the refusals used up', 10000);
    await until(() => sts.at(-1)?.text === stateText, 'the state in the status again');
    assert.equal(hub.nextPollDelayMs, hub.pollIntervalMs, 'back-off over');
    assert.equal(seen.length, 1, 'no online:false, nothing changed');
    assert.deepEqual(warns, ['klap-device.log.deviceError'], 'one log for the whole streak');

    codes.push(-1301, -1301); // a new streak is logged again
    await until(() => warns.length === 2, 'the second streak logged');
    await until(() => codes.length === 0, 'the second streak used up', 10000);
    await until(() => sts.at(-1)?.text === stateText, 'the state in the status again');
    assert.deepEqual(warns, ['klap-device.log.deviceError', 'klap-device.log.deviceError']);
    assert.ok(seen.every((msg) => state(msg).online === true));
  });

  it('a device unreachable since deploy: one minimal online:false state, then the fresh state', async () => {
    const d = await emulator();
    await d.unplug(); // off at the wall before the flow is deployed
    await deploy(d, [
      statusNode('st'),
      statusNode('stOn', { output: 'on', wires: [['outOn']] }),
      helperNode('out'),
      helperNode('outOn'),
    ]);
    const [seen, seenOn] = [collect('out'), collect('outOn')];
    await until(() => seen.length === 1 && seenOn.length === 1, 'the offline state');
    assert.deepEqual(seen[0].payload, { online: false, on: false }, 'no invented alias or model');
    assert.deepEqual(seen[0].state, { online: false, on: false });
    assert.equal(seen[0].topic, d.host);
    assert.equal(seenOn[0].payload, false);
    assert.deepEqual(seenOn[0].state, { online: false, on: false });
    const hub = hubOf();
    await until(() => hub.nextPollDelayMs !== undefined && hub.nextPollDelayMs >= 200, 'back-off');
    assert.equal(seen.length, 1, 'sent once, not per failed poll');
    assert.equal(seenOn.length, 1);

    await d.plugIn();
    await until(() => seen.length === 2 && seenOn.length === 2, 'the fresh state', 8000);
    assert.equal(state(seen[1]).online, true);
    assert.equal(state(seen[1]).model, 'L530');
    assert.equal(seen[1].topic, 'Living room lamp');
    assert.equal(seenOn[1].payload, (seenOn[1].state as LampState).on);
  });

  it('a command result reaches status nodes at once, without another device request', async () => {
    const d = await emulator();
    await deploy(d, statusAndControl());
    const seen = collect('out');
    await until(() => seen.length === 1 && hubOf().idle, 'the state read at deploy');
    const ctlSeen = collect('ctlOut');
    getNode('ctl').receive({ payload: 40 });
    await until(() => ctlSeen.length === 1, 'command result');
    // The status node had it before the control node even sent its message on.
    assert.equal(seen.length, 2);
    assert.equal(state(seen[1]).brightness, 40);
    const requests = d.klap.counters.requests;
    await sleep(50);
    assert.equal(d.klap.counters.requests, requests);
  });

  it('all nodes of a device share one session and one poller at the shortest interval', async () => {
    const d = await emulator();
    const flow = baseFlow(d, [
      statusNode('slow', { interval: 5, wires: [['out']] }),
      statusNode('fast', { interval: 0.05, wires: [['out2']] }),
      statusNode('never', { interval: 0, wires: [['out3']] }),
      helperNode('out'),
      helperNode('out2'),
      helperNode('out3'),
      control('ctl1'),
      control('ctl2'),
      helperNode('ctlOut'),
    ]);
    await helper.load(allNodes, flow, creds());
    const hub = hubOf();
    assert.equal(hub.pollIntervalMs, 50);
    const [slow, fast, never] = [collect('out'), collect('out2'), collect('out3')];
    await until(() => slow.length && fast.length && never.length, 'a first state everywhere');
    const ctlSeen = collect('ctlOut');
    for (const [i, payload] of [10, 20, '#00ff00', false].entries()) {
      getNode(i % 2 ? 'ctl2' : 'ctl1').receive({ payload });
    }
    await until(() => ctlSeen.length === 4, 'four commands');
    const requests = d.klap.counters.requests;
    await until(() => d.klap.counters.requests >= requests + 4, 'polls at the short interval');
    assert.equal(d.klap.counters.handshake1, 1, 'one login');
    assert.equal(d.klap.counters.handshakes, 1, 'one session for five nodes');
    // Every status node saw the final state, whichever poll or command produced it.
    for (const seen of [slow, fast, never]) {
      await until(() => seen.at(-1) && state(seen.at(-1) as NodeMessage).on === false, 'final');
    }

    // Removing the fast node re-computes the shared interval; the config node stays.
    const without = flow.filter((n) => n.id !== 'fast');
    await helper.setFlows(without, 'nodes', creds());
    assert.equal(hubOf(), hub, 'the config node was not restarted');
    assert.equal(hub.pollIntervalMs, 5000);
    const withoutPollers = without.filter((n) => n.id !== 'slow');
    await helper.setFlows(withoutPollers, 'nodes', creds());
    assert.equal(hub.pollIntervalMs, undefined);
    await until(() => hub.idle, 'poller stopped');
  });

  it('plugs: energy readings in the state, power in the status; Kasa (IOT) works the same', async () => {
    for (const model of ['P110', 'HS100'] as const) {
      const d = await emulator(model);
      await deploy(d, statusAndControl());
      const seen = collect('out');
      const sts = statuses('st');
      await until(() => seen.length === 1 && hubOf().idle, 'the state read at deploy');
      const ctlSeen = collect('ctlOut');
      getNode('ctl').receive({ payload: true });
      await until(() => ctlSeen.length === 1, 'switched on');
      const on = state(ctlSeen[0]);
      assert.equal(on.on, true);
      assert.equal(on.type, 'plug');
      assert.equal(on.model, model);
      const text = model === 'P110' ? 'klap-device.status.onPower' : 'klap-device.status.on';
      if (model === 'P110') assert.equal(typeof on.power, 'number');
      await until(() => sts.at(-1)?.text === text, `status ${text}`);
      const raw = model === 'P110' ? 'get_device_info' : 'system.get_sysinfo';
      getNode('ctl').receive({ request: { method: raw } });
      await until(() => ctlSeen.length === 2, 'raw reply');
      assert.equal(typeof ctlSeen[1].payload, 'object');
      await helper.unload(); // the next model gets a fresh flow; both emulators close after
    }
  });
});
