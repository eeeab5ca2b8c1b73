/**
 * 20 full redeploys leave nothing behind: the same timers, sockets and other handles
 * (process.getActiveResourcesInfo()) after them as before, once things have settled. The flow
 * has a device of every protocol and a hub, lamp-control, polling lamp-status and lamp-event
 * nodes, and traffic between deploys (a button pressed on the hub), so every deploy opens
 * sessions and sockets the next one must close.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import type { DeviceHub } from '../../src/nodes/shared/device-hub';
import {
  allNodes,
  catchNodes,
  collect,
  type FlowNode,
  getNode,
  helper,
  helperNode,
  PASS,
  sleep,
  TAB,
  USER,
  until,
} from './support';

const REDEPLOYS = 20;

const DEVICES: { id: string; options: EmulatorOptions }[] = [
  { id: 'devKlap', options: { model: 'L530', protocol: 'klap' } },
  { id: 'devAes', options: { model: 'L510', protocol: 'aes' } },
  { id: 'devKasa', options: { model: 'KL130', protocol: 'legacy' } },
];

/** Active resources by type, e.g. { Timeout: 3, TCPSocketWrap: 4 }. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/**
 * The resources of the settled flow: the most frequent of several samples, so that a poll in
 * flight at one instant (its request timer, say) does not become the baseline.
 */
async function steadyResources(): Promise<Record<string, number>> {
  const tally = new Map<string, number>();
  for (let i = 0; i < 15; i += 1) {
    const key = JSON.stringify(Object.entries(resources()).sort());
    tally.set(key, (tally.get(key) ?? 0) + 1);
    await sleep(20);
  }
  const [key] = [...tally].sort((a, b) => b[1] - a[1])[0] as [string, number];
  return Object.fromEntries(JSON.parse(key) as [string, number][]);
}

const same = (a: Record<string, number>, b: Record<string, number>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

describe('redeploys', () => {
  const emulated: EmulatedDevice[] = [];
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    await Promise.all(emulated.splice(0).map((d) => d.close()));
  });

  it(`${REDEPLOYS} full redeploys leave no extra timers, sockets or handles`, async () => {
    const flow: FlowNode[] = [
      { id: TAB, type: 'tab', label: 'redeploy' } as FlowNode,
      ...catchNodes(),
    ];
    const credentials: Record<string, Record<string, string>> = {};
    for (const device of DEVICES) {
      const d = await startEmulator({ port: 0, username: USER, password: PASS, ...device.options });
      emulated.push(d);
      flow.push(
        {
          id: device.id,
          type: 'klap-device',
          name: `device ${device.id}`,
          host: d.host,
          port: d.port,
          protocol: d.protocol,
          version: 1,
          timeout: 1,
        },
        {
          id: `${device.id}-ctl`,
          type: 'lamp-control',
          z: TAB,
          device: device.id,
          action: 'payload',
          wires: [['out']],
        },
        {
          id: `${device.id}-st`,
          type: 'lamp-status',
          z: TAB,
          device: device.id,
          interval: 0.1,
          output: 'state',
          wires: [['polled']],
        },
      );
      credentials[device.id] = { username: USER, password: PASS };
    }
    // A hub with a lamp-event node: its shared event reader (and its grace timer) must go with
    // each deploy too.
    const hub = await startEmulator({
      port: 0,
      username: USER,
      password: PASS,
      model: 'H100',
      children: ['S200B'],
    });
    emulated.push(hub);
    flow.push(
      {
        id: 'devHub',
        type: 'klap-device',
        name: 'hub',
        host: hub.host,
        port: hub.port,
        protocol: 'klap',
        version: 1,
        timeout: 1,
      },
      {
        id: 'devHub-ev',
        type: 'lamp-event',
        z: TAB,
        device: 'devHub',
        interval: 0.5,
        wires: [['events']],
      },
      {
        id: 'devHub-st',
        type: 'lamp-status',
        z: TAB,
        device: 'devHub',
        child: 'Button',
        interval: 0.1,
        output: 'state',
        wires: [['polled']],
      },
    );
    credentials.devHub = { username: USER, password: PASS };
    flow.push(helperNode('out'), helperNode('polled'), helperNode('events'));
    await helper.load(allNodes, flow, credentials);

    /** Traffic on every device, then the pollers back to waiting. */
    async function exercise(round: number): Promise<void> {
      const outputs = collect('out');
      for (const device of DEVICES) {
        getNode(`${device.id}-ctl`).receive({ payload: round % 2 === 0 } as NodeMessage);
      }
      await until(
        () => outputs.length === DEVICES.length,
        `round ${round}: every command answered`,
      );
      const hubs = DEVICES.map(
        (device) => (getNode(device.id) as unknown as { hub: DeviceHub }).hub,
      );
      await until(() => hubs.every((hub) => hub.isOnline === true), `round ${round}: online`);
      // The hub's reader has its baseline; a press arrives once.
      const feed = (getNode('devHub') as unknown as { hub: DeviceHub }).hub.events;
      await until(() => feed.listening, `round ${round}: the event reader listening`);
      const events = collect('events');
      hub.hub.press('Button');
      await until(() => events.length === 1, `round ${round}: the press`);
    }

    await exercise(0);
    await sleep(300);
    const baseline = await steadyResources();
    for (let round = 1; round <= REDEPLOYS; round += 1) {
      await helper.setFlows(flow, 'full', credentials);
      await exercise(round);
    }
    // Closing sockets and clearing timers takes a few turns of the loop: wait for it, bounded.
    let last = resources();
    for (let i = 0; i < 50 && !same(last, baseline); i += 1) {
      await sleep(50);
      last = resources();
    }
    assert.deepEqual(last, baseline, 'active resources after 20 redeploys');
    console.log(`# after ${REDEPLOYS} redeploys: ${JSON.stringify(last)}`);
  });
});
