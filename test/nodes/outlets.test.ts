/**
 * Outlets through the nodes against an emulated P300 / P304M over KLAP: status nodes per outlet
 * report that outlet only and emit only when it changes; a command to one outlet updates every
 * status node of the strip without another request; one poll reads the whole strip however
 * many nodes use it; msg.outlet; clear refusals; offline/online and redeploys for outlets; the
 * editor's outlet list from the Test connection route.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { LampState } from '../../src/device/types';
import type { EmulatedDevice } from '../../src/emulator';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
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
  nextMessage,
  sleep,
  stateOf,
  statuses,
  statusNode,
  until,
  useEmulator,
} from './support';

/** Status node `st<n>` for outlet n (or the strip, n = 0) into helper `out<n>`. */
const outletStatus = (n: number, extra: Record<string, unknown> = {}) => [
  statusNode(`st${n}`, { outlet: n ? String(n) : '', wires: [[`out${n}`]], ...extra }),
  helperNode(`out${n}`),
];

function press(d: EmulatedDevice, position: number, on: boolean): void {
  const child = (d.device as EmulatedSmartDevice).children.find(
    (c) => c.info.position === position,
  );
  assert.ok(child, `outlet ${position}`);
  child.info.device_on = on;
}

describe('outlets in the nodes', () => {
  const emulator = useEmulator();

  it('gives each outlet status node its own outlet, and emits only when that outlet changes', async () => {
    const d = await emulator('P300');
    press(d, 1, true);
    press(d, 2, false);
    press(d, 3, false);
    await deploy(d, [
      ...outletStatus(0),
      ...outletStatus(1),
      ...outletStatus(2),
      ...outletStatus(3),
    ]);
    const seen = [0, 1, 2, 3].map((n) => collect(`out${n}`));
    const rings = statuses('st2');
    await until(() => seen.every((s) => s.length === 1), 'a first state each');
    const [strip, one, two, three] = seen.map((s) => stateOf(s[0] as NodeMessage));
    assert.deepEqual(
      strip?.outlets?.map((o) => [o.position, o.alias, o.on]),
      [
        [1, 'Desk lamp', true],
        [2, 'Reading lamp', false],
        [3, 'Fan', false],
      ],
    );
    assert.equal(strip?.on, true);
    assert.deepEqual(
      [one, two, three].map((s) => [s?.outlet, s?.alias, s?.on, s?.parent]),
      [
        [1, 'Desk lamp', true, 'Study power strip'],
        [2, 'Reading lamp', false, 'Study power strip'],
        [3, 'Fan', false, 'Study power strip'],
      ],
    );
    assert.equal(seen[2]?.[0]?.topic, 'Reading lamp');
    await until(() => rings.at(-1)?.text === 'klap-device.status.off', "outlet 2's own status");

    press(d, 2, true); // the button on the strip
    await until(() => seen[2]?.length === 2, 'outlet 2 changed');
    assert.equal(stateOf(seen[2]?.[1] as NodeMessage).on, true);
    await until(() => seen[0]?.length === 2, 'the strip lists the change');
    const polls = d.klap.counters.requests;
    await until(() => d.klap.counters.requests >= polls + 4, 'more polls');
    assert.equal(seen[1]?.length, 1, 'outlet 1 did not change: nothing emitted');
    assert.equal(seen[3]?.length, 1, 'outlet 3 did not change: nothing emitted');
    assert.equal(seen[2]?.length, 2);
    assert.equal(rings.at(-1)?.text, 'klap-device.status.on');
  });

  it('reads the whole strip with one request per poll, however many nodes use it', async () => {
    const d = await emulator('P300');
    const nodes = [1, 2, 3, 1, 2, 3].flatMap((n, i) => [
      statusNode(`s${i}`, { outlet: String(n), interval: 0.1, wires: [[`o${i}`]] }),
      helperNode(`o${i}`),
    ]);
    await deploy(d, [...nodes, ...outletStatus(0, { interval: 0.1 })]);
    await until(() => hubOf().isOnline === true, 'the first read');
    const smart = d.device as EmulatedSmartDevice;
    const lists = smart.counters.methods.get_child_device_list ?? 0;
    const requests = d.klap.counters.requests;
    await sleep(450);
    const polled = (smart.counters.methods.get_child_device_list ?? 0) - lists;
    assert.ok(polled >= 2, `${polled} polls`);
    assert.equal(d.klap.counters.requests - requests, polled, 'one request per poll');
  });

  it('switches only its outlet, and every status node of the strip hears it without another request', async () => {
    const d = await emulator('P300');
    for (const n of [1, 2, 3]) press(d, n, false);
    await deploy(d, [
      ...outletStatus(1, { interval: 0 }),
      ...outletStatus(2, { interval: 0 }),
      ...outletStatus(0, { interval: 0 }),
      controlNode('ctl', { outlet: '2', wires: [['ctlOut']] }),
      helperNode('ctlOut'),
    ]);
    const out1 = collect('out1');
    const out2 = collect('out2');
    const out0 = collect('out0');
    await until(() => out1.length === 1 && out2.length === 1 && out0.length === 1, 'first states');
    const requests = d.klap.counters.requests;
    const reply = nextMessage('ctlOut');
    getNode('ctl').receive({ payload: 'on', topic: 'keep me' } as NodeMessage);
    const msg = await reply;
    assert.equal(msg.topic, 'keep me');
    const state = stateOf(msg);
    assert.deepEqual([state.outlet, state.alias, state.on], [2, 'Reading lamp', true]);
    assert.equal(state.outlets, undefined, "an outlet's state does not list the strip's outlets");
    await until(() => out2.length === 2 && out0.length === 2, 'the status nodes heard it');
    assert.equal(stateOf(out2[1] as NodeMessage).on, true);
    assert.deepEqual(
      stateOf(out0[1] as NodeMessage).outlets?.map((o) => o.on),
      [false, true, false],
    );
    await sleep(50);
    assert.equal(out1.length, 1, 'outlet 1 did not change');
    // The command goes as a control_child of its own (the shape real strips are known to
    // take), then one read of the whole strip; no read per status node.
    assert.equal(d.klap.counters.requests - requests, 2, 'the command and one read, no more');
    assert.deepEqual(
      d.outlets.map((o) => o.on),
      [false, true, false],
    );
  });

  it('switches the whole strip from a node without an outlet, and an outlet named by msg.outlet', async () => {
    const d = await emulator('P300');
    await deploy(d, [controlNode('ctl'), helperNode('out')]);
    getNode('ctl').receive({ payload: false } as NodeMessage);
    const all = stateOf(await nextMessage('out'));
    assert.deepEqual(
      all.outlets?.map((o) => o.on),
      [false, false, false],
    );
    getNode('ctl').receive({ payload: 'toggle', outlet: 'fan' } as NodeMessage);
    const fan = stateOf(await nextMessage('out'));
    assert.deepEqual([fan.outlet, fan.alias, fan.on], [3, 'Fan', true]);
    getNode('ctl').receive({ payload: true, outlet: 1 } as NodeMessage);
    assert.equal(stateOf(await nextMessage('out')).outlet, 1);
    assert.deepEqual(
      d.outlets.map((o) => o.on),
      [true, false, true],
    );
  });

  it('sends a raw request to its outlet', async () => {
    const d = await emulator('P300');
    await deploy(d, [controlNode('ctl', { outlet: '3' }), helperNode('out')]);
    getNode('ctl').receive({ request: { method: 'get_device_info' } } as unknown as NodeMessage);
    const info = (await nextMessage('out')).payload as Record<string, unknown>;
    assert.equal(info.position, 3);
  });

  it('refuses an outlet the strip lacks, and any outlet on a lamp, with a clear error to Catch', async () => {
    const d = await emulator('P300');
    await deploy(d, [
      controlNode('ctl', { outlet: '7' }),
      helperNode('out'),
      ...outletStatus(5, { interval: 0 }),
    ]);
    const rings = statuses('st5');
    await until(() => hubOf().isOnline === true, 'connected');
    const before = d.outlets.map((o) => o.on);
    const requests = d.klap.counters.requests;
    const caught = nextMessage('caught');
    getNode('ctl').receive({ payload: true } as NodeMessage);
    const error = caughtError(await caught);
    assert.equal(error.code, 'INVALID_COMMAND');
    assert.match(error.message, /no outlet 7; it has 1 "Desk lamp", 2 "Reading lamp", 3 "Fan"/);
    await until(() => rings.at(-1)?.text === 'klap-device.status.noOutlet', 'status of outlet 5');
    assert.equal(rings.at(-1)?.fill, 'red');
    assert.deepEqual(
      d.outlets.map((o) => o.on),
      before,
      'nothing switched',
    );
    assert.equal(d.klap.counters.requests, requests, 'nothing sent');

    const lamp = await emulator('L530');
    await helper.unload();
    await helper.load(allNodes, baseFlow(lamp, [controlNode('ctl'), helperNode('out')]), creds());
    const refused = nextMessage('caught');
    getNode('ctl').receive({ payload: true, outlet: 2 } as NodeMessage);
    const e2 = caughtError(await refused);
    assert.equal(e2.code, 'INVALID_COMMAND');
    assert.match(e2.message, /this L530 has no outlets; leave outlet empty/);
  });

  it('reports an outlet offline with its number, and back online with its state', async () => {
    const d = await emulator('P300');
    await deploy(d, [...outletStatus(2, { interval: 0.05 })]);
    const seen = collect('out2');
    await until(() => seen.length === 1, 'first state');
    await d.unplug();
    await until(() => seen.length === 2, 'offline');
    const lost = stateOf(seen[1] as NodeMessage);
    assert.deepEqual([lost.online, lost.outlet, lost.alias], [false, 2, 'Reading lamp']);
    await d.plugIn();
    await until(() => seen.length === 3, 'online', 8000);
    const back = stateOf(seen[2] as NodeMessage);
    assert.deepEqual([back.online, back.outlet], [true, 2]);
  });

  it('keeps the strip session across a redeploy of its outlet nodes', async () => {
    const d = await emulator('P300');
    const flow = baseFlow(d, [
      ...outletStatus(1, { interval: 0 }),
      controlNode('ctl', { outlet: '1' }),
      helperNode('out'),
    ]);
    await helper.load(allNodes, flow, creds());
    await until(() => hubOf().isOnline === true && hubOf().idle, 'connected');
    const logins = d.klap.counters.handshakes;
    const hub = hubOf();
    const changed = flow.map((n) => (n.id === 'st1' ? { ...n, name: 'renamed', outlet: '2' } : n));
    await helper.setFlows(changed, 'nodes');
    const seen = collect('out1');
    await until(() => seen.length >= 1, 'the redeployed node reports');
    assert.equal(stateOf(seen.at(-1) as NodeMessage).outlet, 2, 'now outlet 2');
    assert.equal(hubOf(), hub, 'the same config node');
    assert.equal(d.klap.counters.handshakes, logins, 'no new login');
  });

  it("lists the device's outlets in Test connection's answer, for the editor", async () => {
    const d = await emulator('P304M');
    await deploy(d, [controlNode('ctl'), helperNode('out')]);
    await until(() => hubOf().isOnline === true, 'connected');
    const res = await helper
      .request()
      .post('/lamp-control/probe')
      .send({ id: 'dev', host: d.host, port: d.port, protocol: 'auto' });
    assert.equal(res.status, 200);
    const body = res.body as { ok: boolean; outlets: unknown };
    assert.equal(body.ok, true);
    assert.deepEqual(
      (body.outlets as { position: number; alias: string }[]).map((o) => [o.position, o.alias]),
      [
        [1, 'Floor lamp'],
        [2, 'Aquarium light'],
        [3, 'TV'],
        [4, 'Phone charger'],
      ],
    );
    assert.ok(!JSON.stringify(body).includes('Secret'), 'no secret in the answer');
  });

  it('reports per-outlet power of a metering strip in the outlet state', async () => {
    const d = await emulator('P304M');
    await deploy(d, [...outletStatus(1, { interval: 0 })]);
    const seen = collect('out1');
    await until(() => seen.length === 1, 'first state');
    const one = stateOf(seen[0] as NodeMessage) as LampState;
    assert.equal(one.outlet, 1);
    assert.equal(typeof one.power, 'number');
    assert.equal(typeof one.energyToday, 'number');
  });

  it('does the same for a Kasa strip over the legacy protocol (KP303)', async () => {
    const d = await emulator('KP303');
    await deploy(d, [
      ...outletStatus(2, { interval: 0.05 }),
      controlNode('ctl', { outlet: 'Fairy lights', wires: [['ctlOut']] }),
      helperNode('ctlOut'),
    ]);
    const seen = collect('out2');
    await until(() => seen.length === 1, 'first state');
    assert.deepEqual(
      [stateOf(seen[0] as NodeMessage).outlet, stateOf(seen[0] as NodeMessage).alias],
      [2, 'Fairy lights'],
    );
    const wasOn = d.outlets[1]?.on;
    const others = d.outlets.filter((o) => o.position !== 2).map((o) => o.on);
    getNode('ctl').receive({ payload: 'toggle' } as NodeMessage);
    const after = stateOf(await nextMessage('ctlOut'));
    assert.equal(after.on, !wasOn);
    await until(() => seen.length === 2, 'the status node heard it');
    assert.deepEqual(
      d.outlets.filter((o) => o.position !== 2).map((o) => o.on),
      others,
      'the other outlets stayed as they were',
    );
    await d.unplug();
    await until(() => seen.length === 3, 'offline');
    assert.deepEqual(
      [stateOf(seen[2] as NodeMessage).online, stateOf(seen[2] as NodeMessage).outlet],
      [false, 2],
    );
    await d.plugIn();
    await until(() => seen.length === 4, 'online again', 8000);
    assert.equal(stateOf(seen[3] as NodeMessage).online, true);
  });

  it("answers an outlet's energy history and reports its month energy (P304M)", async () => {
    const d = await emulator('P304M');
    await deploy(d, [
      controlNode('ctl', { outlet: '1' }),
      helperNode('out'),
      ...outletStatus(1, { interval: 0 }),
    ]);
    const seen = collect('out1');
    await until(() => seen.length === 1, 'first state');
    assert.equal(typeof stateOf(seen[0] as NodeMessage).energyMonth, 'number');
    getNode('ctl').receive({ payload: { energyHistory: { interval: 'day' } } } as NodeMessage);
    const points = (await nextMessage('out')).payload as { t: string; wh: number }[];
    assert.ok(Array.isArray(points) && points.length > 0);
    assert.ok(points.every((p) => typeof p.wh === 'number' && !Number.isNaN(Date.parse(p.t))));
  });

  it('a status node with an outlet on a lamp reports no state, shows why, and refuses input', async () => {
    const d = await emulator('L530');
    await deploy(d, [...outletStatus(2, { interval: 0.05 })]);
    const seen = collect('out2');
    const rings = statuses('st2');
    await until(() => rings.at(-1)?.text === 'klap-device.status.noOutlet', 'the no-outlet ring');
    const polls = d.klap.counters.requests;
    await until(() => d.klap.counters.requests >= polls + 2, 'more polls');
    assert.equal(seen.length, 0, "a lamp's own state is not passed off as an outlet's");
    const caught = nextMessage('caught');
    getNode('st2').receive({ payload: 'now' } as NodeMessage);
    const error = caughtError(await caught);
    assert.match(error.message, /this L530 has no outlets/);
  });
});
