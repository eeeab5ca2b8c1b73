/**
 * The hub dumps through the packed nodes (scripts/fixtures-hubs.mjs says what is checked): each
 * hub served over its own protocol on 127.0.0.1, one flow tab holding per hub a klap-device
 * (`protocol: auto`), a lamp-status per child, a lamp-control per switch and thermostat, and one
 * lamp-event for all of its children at the default interval; every message the lamp-event
 * nodes send, from the deploy on, is kept, so a replayed old entry or a doubled one shows.
 */
import { startEmulator } from '../src/emulator/index.ts';
import { driveHub } from './fixtures-hubs.mjs';
import { exchange, FRAME, node, PASS, TAB, USER } from './fixtures-nodes.mjs';

/**
 * How long events may take to arrive (an event that leaves no trace in its child's record, such
 * as motion on a sensor still showing the last one, waits for the reader's sweep to come round
 * to that child), and how long to keep listening for doubles after.
 */
const ARRIVAL_MS = 120_000;
const SETTLE_MS = 3_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One hub's nodes, their ids starting with `prefix` and numbered `i`: a klap-device on `port`
 * speaking `protocol`, one lamp-event for every child, a lamp-status per child and a
 * lamp-control per child that takes commands (`children`: `{ id, controlled }`).
 */
export function hubFlow({ prefix, i, port, protocol, label, children }) {
  const device = `${prefix}dev${i}`;
  const flow = [
    {
      id: device,
      type: 'klap-device',
      name: label,
      host: '127.0.0.1',
      port,
      protocol,
      version: 1,
      timeout: 5,
    },
    {
      id: `${prefix}event${i}`,
      type: 'lamp-event',
      z: TAB,
      device,
      child: '',
      events: '',
      interval: 1,
      wires: [[`${prefix}eventOut${i}`]],
    },
    { id: `${prefix}eventOut${i}`, type: 'helper', z: TAB },
  ];
  for (const { id: child, controlled } of children) {
    const status = `${prefix}status${i}_${child}`;
    flow.push(
      {
        id: status,
        type: 'lamp-status',
        z: TAB,
        device,
        child,
        interval: 3600,
        output: 'state',
        wires: [[`${prefix}statusOut${i}_${child}`]],
      },
      { id: `${prefix}statusOut${i}_${child}`, type: 'helper', z: TAB },
    );
    if (controlled) {
      flow.push(
        {
          id: `${prefix}control${i}_${child}`,
          type: 'lamp-control',
          z: TAB,
          device,
          child,
          action: 'payload',
          wires: [[`${prefix}controlOut${i}_${child}`]],
        },
        { id: `${prefix}controlOut${i}_${child}`, type: 'helper', z: TAB },
      );
    }
  }
  return flow;
}

/** Resolves once the hub has answered `count` more child-list reads (the reader's ticks). */
/** Runs `drive` (it resolves to a list of problems) and records the outcome as `plan.nodes`. */
export async function recordNodesOutcome(plan, drive) {
  try {
    const problems = await drive();
    plan.nodes =
      problems.length === 0
        ? { outcome: 'ok' }
        : { outcome: 'failed', reason: problems.join(' | '), problems };
  } catch (error) {
    plan.nodes = { outcome: 'failed', reason: error.message, problems: [error.message] };
  }
}

async function ticks(device, count) {
  const reads = () => device.device.counters.methods.get_child_device_list ?? 0;
  const until = reads() + count;
  for (const started = Date.now(); reads() < until; await sleep(100)) {
    if (Date.now() - started > 20_000) throw new Error('the event reader never read the hub');
  }
}

/**
 * Runs every hub plan with a wire through the packed `nodes` in the running helper; sets
 * `plan.nodes` to its outcome and adds what it did to `counts`.
 */
export async function driveHubsThroughNodes(plans, nodes, helper, counts) {
  const wired = plans.filter((plan) => plan.wire);
  for (const plan of plans.filter((p) => !p.wire)) {
    plan.nodes = { outcome: 'skipped', reason: `${plan.protocol} is not emulated on the wire` };
  }
  const devices = await Promise.all(
    wired.map((plan) =>
      startEmulator({
        model: plan.model(),
        username: USER,
        password: PASS,
        protocol: plan.wire.protocol,
        klap: plan.wire.klap,
        loginVersion: plan.wire.loginVersion,
      }),
    ),
  );
  const flow = [...FRAME];
  const credentials = {};
  for (const [i, plan] of wired.entries()) {
    flow.push(
      ...hubFlow({
        prefix: 'h',
        i,
        port: devices[i].port,
        protocol: 'auto',
        label: plan.file,
        children: plan.expected.map((want, k) => ({
          id: devices[i].hub.children[k].id,
          controlled: want.state.kind === 'switch' || want.state.kind === 'thermostat',
        })),
      }),
    );
    credentials[`hdev${i}`] = { username: USER, password: PASS };
  }
  try {
    await helper.load(nodes, flow, credentials);
    const received = wired.map((_, i) => {
      const messages = [];
      node(`heventOut${i}`).on('input', (msg) => messages.push(msg.event));
      return messages;
    });
    await Promise.all(
      wired.map(async (plan, i) => {
        const device = devices[i];
        const io = {
          childState: async (id) =>
            (await exchange(`hstatus${i}_${id}`, `hstatusOut${i}_${id}`, {})).payload,
          setChild: async (id, payload) =>
            (await exchange(`hcontrol${i}_${id}`, `hcontrolOut${i}_${id}`, { payload })).payload,
          startEvents: async () => {
            // Two reads of the hub after the deploy: the reader has set its baseline.
            await ticks(device, 2);
            return [...received[i]];
          },
          collectEvents: async (made) => {
            const started = Date.now();
            while (received[i].length < made.length && Date.now() - started < ARRIVAL_MS) {
              await sleep(100);
            }
            await sleep(SETTLE_MS);
            return [...received[i]];
          },
        };
        await recordNodesOutcome(plan, () => driveHub(plan, device.hub, io, counts));
      }),
    );
  } finally {
    await helper.unload();
    await Promise.all(devices.map((d) => d.close()));
  }
}
