/**
 * The H200 part of scripts/check-fixtures.mjs: every H200 dump (smartcam/H200*) served by the
 * emulator's smartcam hub with its own listed children (sensors, buttons, and camera-type
 * children such as the D230) and, attached to it, every child dump of smart/child/ (our own
 * ids), driven once through the library in memory and once through the packed nodes over
 * sslaes (HTTPS) on 127.0.0.1:
 * - every child's state keys match what its record in the dump says (a camera child: kind
 *   camera, its model, name and battery);
 * - each wall switch switches;
 * - a contact opened and closed, and a motion detected, each reach the reader (or a
 *   `lamp-event` node) exactly once, first with the child's log keeping the entry (`source`
 *   log) and then with the log kept empty as real H200s keep some (`source` state); nothing
 *   from before the reader started is replayed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LampClient } from '../src/device/client.ts';
import { modelWithoutRegion } from '../src/device/state.ts';
import { startH200 } from '../src/emulator/h200.ts';
import { MemoryTransport } from '../src/emulator/memory-transport.ts';
import { EmulatedSmartcamHub } from '../src/emulator/smartcam-hub.ts';
import {
  childDumps,
  childExpectation,
  childIdOf,
  childSpec,
  stateDifferences,
} from './fixtures-hubs.mjs';
import { hubFlow, recordNodesOutcome } from './fixtures-hubs-nodes.mjs';
import { exchange, FRAME, node, PASS, USER } from './fixtures-nodes.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long one event may take through the nodes (default interval 1 s), and the wait for doubles. */
const ARRIVAL_MS = 20_000;
const SETTLE_MS = 2_500;

/** The H200 dumps under `root`/smartcam, each with the plan the checks work from. */
export function h200Plans(root) {
  const folder = join(root, 'smartcam');
  let names = [];
  try {
    names = readdirSync(folder).filter((n) => /^H200.*\.json$/.test(n));
  } catch {
    return [];
  }
  const attached = childDumps(root);
  return names.sort().map((name) => {
    const dump = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    const basic = structuredClone(dump.getDeviceInfo.device_info.basic_info);
    const components = new Map(
      (dump.getChildDeviceComponentList?.child_component_list ?? []).map((e) => [
        e.device_id,
        e.component_list,
      ]),
    );
    const listed = dump.getChildDeviceList?.child_device_list ?? [];
    const smart = [
      ...listed
        .filter((r) => r.category !== 'camera')
        .map((record, k) => ({
          file: `smartcam/${name} #${k + 1}`,
          record,
          components: components.get(record.device_id) ?? [],
          logs: [],
          getters: {},
        })),
      ...attached,
    ];
    const cameras = listed
      .filter((r) => r.category === 'camera')
      .map((record, k) => ({
        file: `smartcam/${name} camera #${k + 1}`,
        record: { ...structuredClone(record), device_id: childIdOf(`${name}-camera`, k) },
        components: structuredClone(components.get(record.device_id) ?? []),
      }));
    const spec = () => ({
      basic,
      components: structuredClone(dump.getAppComponentList.app_component.app_component_list),
      children: smart.map((child, k) => childSpec(child, childIdOf(name, k), basic.dev_id)),
      cameras: cameras.map((c) => ({
        record: structuredClone(c.record),
        components: c.components,
      })),
      siren: {
        config: structuredClone(dump.getSirenConfig),
        types: [...dump.getSirenTypeList.siren_type_list],
      },
    });
    return {
      file: `smartcam/${name}`,
      spec,
      expected: [
        ...smart.map((child) => ({ file: child.file, ...childExpectation(child) })),
        ...cameras.map((c) => ({
          file: c.file,
          camera: true,
          state: {
            kind: 'camera',
            model: modelWithoutRegion(c.record.device_model),
            alias: c.record.alias,
            online: c.record.online === true,
            battery: c.record.battery_percent,
          },
        })),
      ],
    };
  });
}

/** The id the emulated hub gives expected child `k` (SMART ones first, then cameras). */
function idOf(device, k) {
  const smart = device.hub.children;
  return k < smart.length ? smart[k].id : device.cameras[k - smart.length].device_id;
}

/**
 * The contact and motion changes made on `device` (an EmulatedSmartcamHub), each waited for at
 * `io` before the next: with the logs kept (source log), then with them kept empty (source
 * state). Returns the problems.
 */
async function driveEvents(plan, device, io, counts) {
  const problems = [];
  const contact = device.hub.children.find((c) => c.kind === 'contact');
  const motion = device.hub.children.find((c) => c.kind === 'motion');
  const replayed = await io.startEvents();
  if (replayed.length > 0) problems.push(`${plan.file}: ${replayed.length} old events replayed`);
  const made = [];
  const act = async (child, name, source, action) => {
    action();
    made.push({ id: child.id, name, source });
    const events = await io.collectEvents(made.length);
    return events;
  };
  for (const source of ['log', 'state']) {
    device.hub.setUnloggedKinds(source === 'log' ? [] : ['button', 'dial', 'contact', 'motion']);
    if (contact) {
      const open = contact.info.open !== true;
      await act(contact, open ? 'open' : 'close', source, () => contact.contact(open));
      await act(contact, open ? 'close' : 'open', source, () => contact.contact(!open));
    }
    if (motion) {
      // A motion still shown from before changes nothing in the list: let it end first.
      motion.info.detected = false;
      await act(motion, 'motion', source, () => motion.motion());
      motion.info.detected = false;
    }
  }
  const events = await io.collectEvents(made.length, true);
  const key = (e) => `${e.id}/${e.name}/${e.source}`;
  const got = events.map((e) => key({ id: e.child.id, name: e.name, source: e.source }));
  const want = made.map(key);
  for (const w of new Set(want)) {
    const n = got.filter((g) => g === w).length;
    const m = want.filter((x) => x === w).length;
    if (n !== m) problems.push(`${plan.file}: ${w} arrived ${n}× (made ${m}×)`);
  }
  for (const g of got) if (!want.includes(g)) problems.push(`${plan.file}: unexpected ${g}`);
  for (const m of made) counts[m.source === 'log' ? 'logEvents' : 'stateEvents']++;
  return problems;
}

/** States and switches of every child, through `io`; returns the problems. */
async function driveChildren(plan, device, io, counts) {
  const problems = [];
  for (const [k, want] of plan.expected.entries()) {
    const id = idOf(device, k);
    try {
      const wrong = stateDifferences(await io.childState(id), want.state);
      if (wrong.length > 0) problems.push(`${want.file}: ${wrong.join(', ')}`);
      counts.states++;
      if (want.state.kind === 'switch') {
        const on = !want.state.on;
        const after = await io.setChild(id, { on });
        if (after.on !== on || device.hub.children[k].info.device_on !== on) {
          problems.push(`${want.file}: { on: ${on} } did not switch`);
        }
        counts.switches++;
      }
    } catch (error) {
      problems.push(`${want.file}: ${error.message}`);
    }
  }
  return problems;
}

/** In memory, through the library (LampClient over a MemoryTransport that carries smartcam). */
export async function driveH200InMemory(plan, counts) {
  const device = new EmulatedSmartcamHub({ dump: plan.spec() });
  const transport = new MemoryTransport((text) => device.respond(text));
  Object.defineProperty(transport, 'dialect', { value: 'smartcam' });
  const client = new LampClient({ host: '127.0.0.1', port: 443 }, transport);
  const reader = client.events();
  const received = [];
  try {
    const io = {
      childState: (id) => client.child(id).getState(),
      setChild: (id, payload) => client.child(id).setState(payload),
      startEvents: () => reader.read(),
      collectEvents: async (n, settle) => {
        for (let read = 0; read < 20 && received.length < n; read++) {
          received.push(...(await reader.read()));
        }
        if (settle) for (let read = 0; read < 5; read++) received.push(...(await reader.read()));
        return [...received];
      },
    };
    return [
      ...(await driveChildren(plan, device, io, counts)),
      ...(await driveEvents(plan, device, io, counts)),
    ];
  } finally {
    await client.close();
  }
}

/** Every H200 plan through the packed `nodes` in the running helper, over sslaes. */
export async function driveH200ThroughNodes(plans, nodes, helper, counts) {
  const hubs = await Promise.all(
    plans.map((plan) => startH200({ username: USER, password: PASS, dump: plan.spec() })),
  );
  const flow = [...FRAME];
  const credentials = {};
  for (const [i, plan] of plans.entries()) {
    flow.push(
      ...hubFlow({
        prefix: 'h2',
        i,
        port: hubs[i].port,
        protocol: 'sslaes',
        label: plan.file,
        children: plan.expected.map((want, k) => ({
          id: idOf(hubs[i].device, k),
          controlled: want.state.kind === 'switch',
        })),
      }),
    );
    credentials[`h2dev${i}`] = { username: USER, password: PASS };
  }
  try {
    await helper.load(nodes, flow, credentials);
    await Promise.all(
      plans.map(async (plan, i) => {
        const device = hubs[i].device;
        const received = [];
        node(`h2eventOut${i}`).on('input', (msg) => received.push(msg.event));
        const io = {
          childState: async (id) =>
            (await exchange(`h2status${i}_${id}`, `h2statusOut${i}_${id}`, {})).payload,
          setChild: async (id, payload) =>
            (await exchange(`h2control${i}_${id}`, `h2controlOut${i}_${id}`, { payload })).payload,
          startEvents: async () => {
            // Two reads of the hub after the deploy: the reader has set its baseline.
            const reads = () => device.counters.methods.getChildDeviceList ?? 0;
            const until = reads() + 2;
            for (const t = Date.now(); reads() < until && Date.now() - t < 20_000; )
              await sleep(100);
            return [...received];
          },
          collectEvents: async (n, settle) => {
            for (const t = Date.now(); received.length < n && Date.now() - t < ARRIVAL_MS; ) {
              await sleep(100);
            }
            if (settle) await sleep(SETTLE_MS);
            return [...received];
          },
        };
        await recordNodesOutcome(plan, async () => [
          ...(await driveChildren(plan, device, io, counts)),
          ...(await driveEvents(plan, device, io, counts)),
        ]);
      }),
    );
  } finally {
    await helper.unload();
    await Promise.all(hubs.map((h) => h.close()));
  }
}
