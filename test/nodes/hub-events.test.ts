/**
 * lamp-event through a real Node-RED against an emulated H100 (KLAP, and AES): one message per
 * logged event with the contract's fields; a burst between two reads arrives whole, once and
 * in order; drops, re-logins, a hub reboot and "modified nodes" redeploys neither lose nor
 * repeat an event; a new node does not replay old logs; the child and event filters; the
 * interval's floor; one reader shared by several nodes; logs read only while a lamp-event
 * node exists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { EmulatedDevice, EmulatorOptions } from '../../src/emulator';
import type { HubEventLike } from '../../src/nodes/shared/event-types';
import {
  allNodes,
  baseFlow,
  collect,
  creds,
  deploy,
  eventNode,
  eventOf,
  type FlowNode,
  getNode,
  helper,
  helperNode,
  hubOf,
  listening,
  logged,
  PASS,
  sleep,
  statuses,
  TAB,
  USER,
  until,
  useDevices,
} from './support';

const CHILDREN: EmulatorOptions['children'] = ['S200B', 'S200D', 'T100', 'T110', 'S220'];

const names = (msgs: NodeMessage[]) => msgs.map((m) => `${m.topic}:${m.payload}`);

/** Trigger-log reads the hub has answered so far (every child). */
function logReads(d: EmulatedDevice): number {
  return d.hub.children.reduce((sum, c) => sum + (c.counters.methods.get_trigger_logs ?? 0), 0);
}

describe('lamp-event', () => {
  const start = useDevices();
  const hub = (extra: Partial<EmulatorOptions> = {}) =>
    start({ model: 'H100', children: CHILDREN, username: USER, password: PASS, ...extra });

  for (const protocol of ['klap', 'aes'] as const) {
    it(`sends one message per press, with the contract fields, and a dial turn with degrees (${protocol})`, async () => {
      const d = await hub({ protocol });
      await deploy(d, [eventNode('ev'), helperNode('out')]);
      const rings = statuses('ev');
      const out = collect('out');
      await listening('ev', rings);
      d.hub.press('Button', 'singleClick');
      d.hub.rotate('Dial', -45);
      d.hub.toggleSwitch('Light switch');
      await until(() => out.length >= 3, 'three events');
      await sleep(600);
      assert.deepEqual(names(out), [
        'Button:singleClick',
        'Dial:rotation',
        'Light switch:singleClick',
      ]);
      const press = eventOf(out[0] as NodeMessage);
      const button = d.hub.child('Button');
      assert.equal(press.name, 'singleClick');
      assert.equal(typeof press.id, 'number');
      assert.ok(!Number.isNaN(Date.parse(press.time)), `ISO time: ${press.time}`);
      assert.deepEqual(press.child, {
        id: button?.id,
        alias: 'Button',
        model: 'S200B',
        kind: 'button',
      });
      assert.deepEqual(typeof press.params, 'object');
      assert.equal(eventOf(out[1] as NodeMessage).degrees, -45);
      assert.equal(eventOf(out[1] as NodeMessage).child.kind, 'dial');
      assert.equal(typeof eventOf(out[2] as NodeMessage).on, 'boolean');
      assert.match(String(rings.at(-1)?.text), /lamp-event\.status\.last/);
    });
  }

  it('does not replay what was logged before it started, and then sends only new events', async () => {
    const d = await hub();
    for (let i = 0; i < 5; i++) d.hub.press('Button');
    d.hub.motion('Motion sensor');
    await deploy(d, [eventNode('ev'), helperNode('out')]);
    const rings = statuses('ev');
    const out = collect('out');
    await listening('ev', rings);
    await sleep(1200); // two more reads
    assert.deepEqual(out, [], 'nothing old');
    d.hub.press('Button', 'doubleClick');
    await until(() => out.length === 1, 'the new press');
    await sleep(1100);
    assert.deepEqual(names(out), ['Button:doubleClick']);
  });

  it('delivers a burst between two reads whole, once and in logged order (older pages read)', async () => {
    const d = await hub();
    await deploy(d, [eventNode('ev', { interval: 2 }), helperNode('out')]);
    const rings = statuses('ev');
    const out = collect('out');
    await listening('ev', rings);
    // 60 events on three children between two reads, far more than one page of a log.
    const made: { id: number; name: string }[] = [];
    const note = (alias: string, entry: { id: number; event: string } | undefined) => {
      if (entry) made.push({ id: entry.id, name: `${alias}:${entry.event}` });
    };
    for (let i = 0; i < 20; i++) {
      note('Button', d.hub.press('Button', i % 2 ? 'doubleClick' : 'singleClick'));
      note('Dial', d.hub.rotate('Dial', i % 2 ? 15 : -15));
      // Ends open: the contact's record changed since the last read, as after a real burst.
      note('Contact sensor', d.hub.contact('Contact sensor', i % 2 === 1));
    }
    const expected = made.sort((a, b) => a.id - b.id).map((m) => m.name);
    assert.ok(expected.length >= 50, `${expected.length} logged`);
    await until(() => out.length >= expected.length, `${expected.length} events`, 10_000);
    await sleep(2500); // one more read: nothing repeated
    const ids = out.map((m) => eventOf(m).id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'in logged order',
    );
    assert.deepEqual(names(out), expected);
  });

  it('loses and repeats nothing across dropped connections, re-logins and a hub reboot', async () => {
    const d = await hub();
    await deploy(d, [eventNode('ev'), helperNode('out')]);
    const rings = statuses('ev');
    const out = collect('out');
    await listening('ev', rings);
    let pressed = 0;
    const press = () => {
      d.hub.press('Button', pressed % 2 ? 'doubleClick' : 'singleClick');
      pressed++;
    };
    press();
    await until(() => out.length === pressed, 'first');
    // Dropped connections.
    press();
    d.server.faults.dropConnections = 3;
    press();
    await until(() => out.length === pressed, 'after drops', 15_000);
    // The hub forgets the session: the client logs in again.
    press();
    d.server.forgetSessions();
    press();
    await until(() => out.length === pressed, 'after a re-login', 15_000);
    // The hub restarts: unreachable for a while, sessions gone, logs kept.
    press();
    await d.unplug();
    await until(
      () => rings.some((s) => s.fill === 'red'),
      'a red ring while the hub is down',
      10_000,
    );
    press();
    await d.plugIn();
    press();
    await until(() => out.length >= pressed, 'after the reboot', 40_000);
    await sleep(1100);
    const ids = out.map((m) => eventOf(m).id);
    assert.equal(out.length, pressed, 'each press once');
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.equal(rings.at(-1)?.fill, 'green');
  });

  it('keeps every event across "modified nodes" redeploys, and repeats none', async () => {
    const d = await hub();
    // Even rounds change both lamp-event nodes (the reader waits, paused, for their
    // replacements); odd rounds only `ev` while `ev2` keeps listening (ev's replacement gets
    // what it missed from the feed).
    let kept = 'a';
    const flow = (name: string, both: boolean) => {
      if (both) kept = name;
      return baseFlow(d, [
        eventNode('ev', { name }),
        eventNode('ev2', { name: kept }, 'out2'),
        helperNode('out'),
        helperNode('out2'),
      ]);
    };
    await helper.load(allNodes, flow('a', true), creds());
    // Every message at each sink, whether the sink node itself was restarted or not.
    const seen: Record<string, NodeMessage[]> = { out: [], out2: [] };
    const attached = new Set<unknown>();
    const follow = () => {
      for (const id of ['out', 'out2']) {
        const node = getNode(id);
        if (attached.has(node)) continue;
        attached.add(node);
        node.on('input', (msg: NodeMessage) => seen[id]?.push(msg));
      }
    };
    follow();
    const rings = statuses('ev');
    await listening('ev', rings);
    let pressed = 0;
    for (let round = 0; round < 6; round++) {
      d.hub.press('Button');
      pressed++;
      await sleep(round * 150); // sometimes read before the redeploy, sometimes not
      d.hub.press('Dial', 'doubleClick');
      pressed++;
      // A new name: the changed nodes restart, the config node is untouched.
      await helper.setFlows(flow(`round ${round}`, round % 2 === 0), 'nodes', creds());
      follow();
      d.hub.press('Button', 'doubleClick');
      pressed++;
    }
    await until(
      () => seen.out?.length === pressed && seen.out2?.length === pressed,
      'every press at both nodes',
      10_000,
    );
    await sleep(1100);
    for (const all of [seen.out ?? [], seen.out2 ?? []]) {
      const ids = all.map((m) => eventOf(m).id);
      assert.equal(all.length, pressed, 'each press once');
      assert.equal(new Set(ids).size, pressed, 'none twice');
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'in order',
      );
    }
  });

  it('gives a node back under the same id what was read while it was away, once', async () => {
    const d = await hub();
    await deploy(d, [eventNode('ev'), helperNode('out')]);
    const out = collect('out');
    await listening('ev', statuses('ev'));
    const feed = hubOf().events;
    const got: string[] = [];
    const user = (tag: string) => ({
      id: 'replaced',
      interval: 0.5,
      deliver: (event: HubEventLike) => got.push(`${tag}:${event.id}`),
      setStatus: () => undefined,
    });
    const first = user('first');
    feed.register(first);
    const a = d.hub.press('Button')?.id;
    await until(() => got.length === 1 && out.length === 1, 'the first press at both');
    feed.deregister(first); // as a redeploy closes it
    const b = d.hub.press('Button', 'doubleClick')?.id;
    await until(() => out.length === 2, 'the press read while it was away');
    const second = user('second');
    feed.register(second); // its replacement, same id
    const c = d.hub.press('Button')?.id;
    await until(() => got.length === 3, 'the missed press and the next one');
    await sleep(1100);
    assert.deepEqual(got, [`first:${a}`, `second:${b}`, `second:${c}`]);
    feed.deregister(second);
  });

  it('filters by child and by event name', async () => {
    const d = await hub();
    await deploy(d, [
      eventNode('clicks', { child: 'button', events: 'doubleClick, singleClick' }, 'a'),
      eventNode('doubles', { events: 'doubleClick' }, 'b'),
      eventNode('byId', { child: d.hub.child('Motion sensor').id }, 'c'),
      helperNode('a'),
      helperNode('b'),
      helperNode('c'),
    ]);
    const [a, b, c] = ['a', 'b', 'c'].map(collect) as [NodeMessage[], NodeMessage[], NodeMessage[]];
    await listening('clicks', statuses('clicks'));
    d.hub.press('Button', 'singleClick');
    d.hub.press('Dial', 'doubleClick');
    d.hub.motion('Motion sensor');
    d.hub.press('Button', 'doubleClick');
    await until(() => a.length === 2 && b.length === 2 && c.length === 1, 'filtered events');
    await sleep(600);
    assert.deepEqual(names(a), ['Button:singleClick', 'Button:doubleClick']);
    assert.deepEqual(names(b), ['Dial:doubleClick', 'Button:doubleClick']);
    assert.deepEqual(names(c), ['Motion sensor:motion']);
  });

  it('says so when its child is not paired to the hub, and on a lamp that keeps no logs', async () => {
    const d = await hub();
    await deploy(d, [eventNode('ev', { child: 'Garage door' }), helperNode('out')]);
    const rings = statuses('ev');
    await until(
      () => rings.some((r) => r.fill === 'red' && /noChild/.test(String(r.text))),
      'a "no child" ring',
    );
    await helper.unload();
    const lamp = await start({ model: 'L530', username: USER, password: PASS });
    await deploy(lamp, [eventNode('ev'), helperNode('out')]);
    const lampRings = statuses('ev');
    const warned = logged('dev', 'warn');
    await until(() => lampRings.some((r) => r.fill === 'red'), 'a red ring on a lamp');
    await until(() => warned.some((w) => /eventsFailed/.test(w)), 'one warning');
    await sleep(1200);
    assert.equal(warned.filter((w) => /eventsFailed/.test(w)).length, 1, 'said once, not per read');
  });

  it('reads no faster than every 0.5 s, whatever the node asks, and says so', async () => {
    const d = await hub();
    await deploy(d, [eventNode('ev', { interval: 0.1 }), helperNode('out')]);
    const warned = logged('ev', 'warn');
    await listening('ev', statuses('ev'));
    assert.equal(hubOf().events.intervalMs, 500);
    await until(() => warned.length > 0, 'a warning');
    assert.match(String(warned[0]), /lamp-event\.warn\.interval/);
  });

  it('serves several lamp-event nodes with ONE reader at the shortest interval', async () => {
    const d = await hub();
    await deploy(d, [
      eventNode('one', { interval: 3 }, 'a'),
      eventNode('two', { interval: 0.5 }, 'b'),
      eventNode('three', { interval: 1 }, 'c'),
      helperNode('a'),
      helperNode('b'),
      helperNode('c'),
    ]);
    const outs = ['a', 'b', 'c'].map(collect);
    await listening('one', statuses('one'));
    const feed = hubOf().events;
    assert.equal(feed.userCount, 3);
    assert.equal(feed.intervalMs, 500);
    // One read of the logs per tick for all three nodes: the hub's log reads grow with the
    // feed's reads, as they would for one node.
    const reads0 = feed.reads;
    const logs0 = logReads(d);
    await until(() => feed.reads >= reads0 + 4, 'four more reads');
    const perRead = (logReads(d) - logs0) / (feed.reads - reads0);
    assert.ok(perRead <= 3, `about one read of each button/dial log per tick (${perRead})`);
    d.hub.press('Button');
    await until(() => outs.every((o) => o.length === 1), 'the press at every node');
    assert.deepEqual(
      outs.map((o) => eventOf(o[0] as NodeMessage).id),
      [0, 1, 2].map(() => eventOf(outs[0]?.[0] as NodeMessage).id),
    );
  });

  it('reads the logs only while a lamp-event node exists', async () => {
    const d = await hub();
    const status: FlowNode = {
      id: 'st',
      type: 'lamp-status',
      z: TAB,
      device: 'dev',
      interval: 0.2,
      output: 'state',
      wires: [['out']],
    };
    await deploy(d, [status, helperNode('out')]);
    const out = collect('out');
    await until(() => out.length > 0, 'a state');
    await sleep(800);
    assert.equal(logReads(d), 0, 'status polls read no logs');
    // A lamp-event node joins (a "modified nodes" deploy): the logs are read.
    const flow = baseFlow(d, [status, helperNode('out'), eventNode('ev'), helperNode('out2')]);
    await helper.setFlows(flow, 'nodes', creds());
    await listening('ev', statuses('ev'));
    await until(() => logReads(d) > 0, 'log reads');
    // It goes: after the grace period no more log reads, the status node polls on.
    await helper.setFlows(baseFlow(d, [status, helperNode('out')]), 'nodes', creds());
    const feed = hubOf().events;
    await until(() => feed.idle, 'the reader paused');
    const after = logReads(d);
    await sleep(1200);
    assert.equal(logReads(d), after, 'no log read without a lamp-event node');
    assert.ok(getNode('st'));
  });
});
