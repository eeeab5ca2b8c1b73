/**
 * The example flows (Import › Examples): well-formed, each opening with a comment node, every
 * node type of the package used, only types that exist, device nodes on 127.0.0.1 without
 * credentials, and the Dashboard example naming its prerequisite. The Dashboard example's
 * wiring is run through Node-RED's own switch and change nodes: each widget must receive the
 * value it shows (not the boolean payload of lamp-status output "on"), and what the widgets send
 * must be a payload lamp-control accepts. Every device node is saved as the current dialog saves
 * it (Protocol auto, settings version), and the Kasa legacy example's injects, run through the
 * package's nodes without credentials, drive an emulated KL130 on the legacy protocol.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import { parseCommand, validateCommand } from '../../src/device/command';
import type { LampState } from '../../src/device/types';
import { startEmulator } from '../../src/emulator';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { CONFIG_VERSION } from '../../src/nodes/klap-device/migrate';
import { capabilitiesOf, rig } from '../device/helpers';
import { repoRoot } from './support';

const dir = path.join(repoRoot, 'examples');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
const CORE = new Set([
  'tab',
  'comment',
  'inject',
  'debug',
  'catch',
  'change',
  'switch',
  'status',
  'function',
  'trigger',
]);
const OURS = new Set(['klap-device', 'lamp-control', 'lamp-status', 'lamp-event']);
const DASHBOARD = /^ui-/;

type FlowNode = {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
};
const flows = new Map<string, FlowNode[]>(
  files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FlowNode[]]),
);

test('there are examples, and together they use every node type', () => {
  assert.ok(files.length >= 5, files.join(', '));
  const used = new Set([...flows.values()].flat().map((n) => n.type));
  for (const type of OURS) assert.ok(used.has(type), `${type} appears in an example`);
});

for (const [file, nodes] of flows) {
  test(`example "${file}"`, () => {
    assert.ok(Array.isArray(nodes) && nodes.length > 1);
    assert.equal(nodes[0].type, 'comment', 'starts with a comment node');
    assert.ok(String(nodes[0].name).length > 10, 'the comment says what the example shows');
    const ids = new Set(nodes.map((n) => n.id));
    assert.equal(ids.size, nodes.length, 'unique ids');
    for (const n of nodes) {
      const known = CORE.has(n.type) || OURS.has(n.type) || DASHBOARD.test(n.type);
      assert.ok(known, `${n.id}: unexpected type ${n.type}`);
      for (const target of (n.wires ?? []).flat())
        assert.ok(ids.has(target), `${n.id} wired to ${target}`);
      if (n.type === 'lamp-control' || n.type === 'lamp-status' || n.type === 'lamp-event') {
        const device = nodes.find((d) => d.id === n.device);
        assert.equal(device?.type, 'klap-device', `${n.id} uses a device node of the same file`);
      }
      if (n.type === 'klap-device') {
        assert.equal(n.host, '127.0.0.1', 'examples only point at the local emulator');
        assert.equal(n.credentials, undefined, 'no credentials in examples');
        assert.equal(n.protocol, 'auto', `${n.id}: Protocol auto, as a new device node`);
        assert.equal(n.version, CONFIG_VERSION, `${n.id}: saved with the current settings`);
      }
    }
    const text = JSON.stringify(nodes);
    if (nodes.some((n) => DASHBOARD.test(n.type))) {
      assert.match(String(nodes[0].name) + String(nodes[0].info), /@flowfuse\/node-red-dashboard/);
      for (const n of nodes.filter((x) => /^ui-(switch|slider|text-input)$/.test(x.type))) {
        assert.equal(
          n.passthru,
          false,
          `${n.type} pass through off, so state fed back cannot loop`,
        );
      }
      // A brightness slider sends on release, within the range; a colour input is in colour mode.
      for (const slider of nodes.filter((n) => n.type === 'ui-slider')) {
        assert.deepEqual([slider.min, slider.max, slider.outs], [1, 100, 'end']);
      }
      for (const input of nodes.filter((n) => n.type === 'ui-text-input')) {
        assert.equal(input.mode, 'color');
      }
    } else {
      assert.doesNotMatch(text, /"type":"ui-/);
    }
  });
}

// --- The Dashboard 2.0 example, traced and run -------------------------------------------------

const DASHBOARD_FILE = '05 Dashboard 2.0 lamp panel.json';
/** Nodes that may sit between lamp-status and a widget: Node-RED's own, run for real below. */
const BETWEEN = new Set(['switch', 'change']);

function dashboardFlow(): FlowNode[] {
  const nodes = flows.get(DASHBOARD_FILE);
  assert.ok(nodes, `${DASHBOARD_FILE} exists`);
  return nodes;
}

function only(nodes: FlowNode[], type: string): FlowNode {
  const found = nodes.filter((n) => n.type === type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
}

/** Every path of node ids from `from` to `to` along the wires (the flow has no cycles). */
function paths(nodes: FlowNode[], from: string, to: string, seen: string[] = []): string[][] {
  if (from === to) return [[...seen, to]];
  if (seen.includes(from)) return [];
  const node = nodes.find((n) => n.id === from);
  return (node?.wires ?? []).flat().flatMap((next) => paths(nodes, next, to, [...seen, from]));
}

test('Dashboard example: every widget is fed by lamp-status and feeds lamp-control', () => {
  const nodes = dashboardFlow();
  const status = only(nodes, 'lamp-status');
  const control = only(nodes, 'lamp-control');
  assert.equal(status.output, 'on', 'lamp-status output "on": msg.payload = true/false');
  assert.equal(control.action, 'payload', 'lamp-control takes the command from msg.payload');
  for (const type of ['ui-switch', 'ui-slider', 'ui-text-input']) {
    const widget = only(nodes, type);
    const routes = paths(nodes, status.id, widget.id);
    assert.ok(routes.length > 0, `lamp-status is wired to the ${type}`);
    for (const route of routes) {
      const between = route.slice(1, -1).map((id) => nodes.find((n) => n.id === id)?.type);
      assert.ok(
        between.every((t) => t && BETWEEN.has(t)),
        `only switch/change nodes between lamp-status and ${type}: ${between.join(' → ')}`,
      );
    }
    assert.deepEqual(widget.wires, [[control.id]], `${type} sends to lamp-control only`);
  }
  // The switch takes lamp-status's boolean as it is; the others need a change node in between.
  assert.ok(
    paths(nodes, status.id, only(nodes, 'ui-switch').id).some((r) => r.length === 2),
    'ui-switch wired straight from lamp-status',
  );
  for (const type of ['ui-slider', 'ui-text-input']) {
    for (const route of paths(nodes, status.id, only(nodes, type).id)) {
      assert.ok(
        route.some((id) => nodes.find((n) => n.id === id)?.type === 'change'),
        `${type} never gets lamp-status's boolean payload directly`,
      );
    }
  }
});

test('Dashboard example: what each widget sends is a payload lamp-control accepts', () => {
  const nodes = dashboardFlow();
  const L530 = capabilitiesOf('L530'); // the model the example's device node is meant for
  const toggle = only(nodes, 'ui-switch');
  assert.deepEqual(
    [toggle.onvalue, toggle.onvalueType, toggle.offvalue, toggle.offvalueType],
    ['true', 'bool', 'false', 'bool'],
    'ui-switch sends true/false',
  );
  assert.deepEqual(validateCommand(true, L530, 'L530'), { on: true });
  assert.deepEqual(validateCommand(false, L530, 'L530'), { on: false });
  const slider = only(nodes, 'ui-slider');
  for (const value of [slider.min, slider.max]) {
    assert.equal(typeof value, 'number', 'slider bounds are numbers');
    assert.deepEqual(validateCommand(value, L530, 'L530'), { brightness: value });
  }
  assert.equal(slider.step, 1);
  const colour = only(nodes, 'ui-text-input');
  assert.equal(colour.mode, 'color', 'the colour input sends "#rrggbb"');
  assert.ok(validateCommand('#3366ff', L530, 'L530').hue !== undefined, '"#rrggbb" is a colour');
});

after(() => helper.unload());

test('Dashboard example: the slider gets msg.state.brightness, the colour input msg.state.color', async () => {
  helper.init(require.resolve('node-red'));
  const nodes = dashboardFlow();
  const status = only(nodes, 'lamp-status');
  const widgets = {
    toggle: only(nodes, 'ui-switch').id,
    slider: only(nodes, 'ui-slider').id,
    colour: only(nodes, 'ui-text-input').id,
  };
  const tab = String(status.z);
  // lamp-status and the widgets become helper nodes (a source and three sinks) on the same
  // wires; the switch and change nodes in between are Node-RED's own.
  const flow: FlowNode[] = [{ id: tab, type: 'tab' }];
  for (const n of nodes) {
    if (n.id === status.id) flow.push({ id: n.id, type: 'helper', z: tab, wires: n.wires });
    else if (Object.values(widgets).includes(n.id)) flow.push({ id: n.id, type: 'helper', z: tab });
    else if (BETWEEN.has(n.type)) flow.push(n);
  }
  await helper.load(
    [
      require('@node-red/nodes/core/function/10-switch.js'),
      require('@node-red/nodes/core/function/15-change.js'),
    ],
    flow,
  );
  const received = { toggle: [], slider: [], colour: [] } as Record<string, NodeMessage[]>;
  for (const [name, id] of Object.entries(widgets)) {
    helper.getNode(id)?.on('input', (msg: NodeMessage) => received[name].push(msg));
  }

  // Real states of an emulated plug, white bulb and colour bulb (the last one switched on and
  // coloured), sent as lamp-status with output "on" sends them.
  const states: LampState[] = [];
  for (const model of ['P100', 'L510', 'L530'] as const) {
    const { client } = rig(model);
    if (model === 'L530') await client.setState({ color: '#3366ff' });
    states.push(await client.getState());
    await client.close();
  }
  const [plug, white, colourBulb] = states;
  assert.equal(colourBulb.on, true);
  const source = helper.getNode(status.id) as unknown as { send(msg: NodeMessage): void };
  for (const state of states) {
    source.send({ topic: state.alias, payload: state.on, state: { ...state } } as NodeMessage);
  }

  // Messages on one path keep their order: once the colour bulb's values are in, anything the
  // plug or the white bulb let through would already have arrived before them.
  const deadline = Date.now() + 4000;
  while (received.toggle.length < 3 || received.slider.length < 2 || received.colour.length < 1) {
    if (Date.now() > deadline) assert.fail(`widgets got too little: ${JSON.stringify(received)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(
    received.toggle.map((m) => m.payload),
    [plug.on, white.on, colourBulb.on],
    'ui-switch gets the boolean',
  );
  assert.deepEqual(
    received.slider.map((m) => m.payload),
    [white.brightness, colourBulb.brightness],
    'ui-slider gets msg.state.brightness, and nothing for a plug',
  );
  assert.deepEqual(
    received.colour.map((m) => m.payload),
    [colourBulb.color],
    'ui-text-input gets msg.state.color, and nothing for a plug or a white bulb',
  );
  for (const m of received.slider) assert.equal(typeof m.payload, 'number');
  assert.match(String(received.colour[0].payload), /^#[0-9a-f]{6}$/);
  // What the colour input then sends back is the same "#rrggbb": a valid colour command.
  assert.ok(parseCommand(received.colour[0].payload).hue !== undefined);
});

// --- The Kasa legacy example, run --------------------------------------------------------------

const LEGACY_FILE = '06 Kasa legacy bulb.json';

/** An inject node's payload as the inject node would send it. */
function injected(n: FlowNode): unknown {
  const text = String(n.payload);
  switch (n.payloadType) {
    case 'bool':
      return text === 'true';
    case 'num':
      return Number(text);
    case 'json':
      return JSON.parse(text);
    default:
      return text;
  }
}

test('Kasa legacy example: its injects drive an emulated KL130 on the legacy protocol, no credentials', async () => {
  const nodes = flows.get(LEGACY_FILE);
  assert.ok(nodes, `${LEGACY_FILE} exists`);
  assert.match(String(nodes[0].info), /--model KL130 --protocol legacy/);
  const device = only(nodes, 'klap-device');
  assert.equal(device.port, 9999, 'the legacy port, as the comment says');
  const control = only(nodes, 'lamp-control');
  const injects = nodes.filter((n) => n.type === 'inject');
  assert.ok(injects.length >= 3);
  for (const n of injects) assert.deepEqual(n.wires, [[control.id]]);

  // The emulator cannot take port 9999 in a test: the device node is moved to its port.
  await helper.unload(); // the Dashboard test's flow
  const kl130 = await startEmulator({ model: 'KL130', protocol: 'legacy', port: 0 });
  await helper.startServer();
  try {
    const tab = String(control.z);
    await helper.load(
      [
        require('../../src/nodes/klap-device/klap-device'),
        require('../../src/nodes/lamp-control/lamp-control'),
      ],
      [
        { id: tab, type: 'tab' },
        { ...device, port: kl130.port },
        { ...control, wires: [['out']] },
        { id: 'out', type: 'helper', z: tab },
        { id: 'catcher', type: 'catch', z: tab, scope: null, uncaught: false, wires: [['out']] },
      ],
      {}, // no credentials
    );
    const out = helper.getNode('out');
    const input = helper.getNode(control.id) as unknown as {
      receive(msg: NodeMessage): void;
    } | null;
    assert.ok(out && input);
    for (const n of injects) {
      const reply = new Promise<NodeMessage & { error?: { message: string } }>((resolve) =>
        out.once('input', resolve),
      );
      input.receive({ payload: injected(n) } as NodeMessage);
      const msg = await reply;
      assert.equal(msg.error, undefined, `${n.name}: ${msg.error?.message}`);
      const state = msg.payload as LampState;
      const sent = parseCommand(injected(n));
      if (sent.on !== undefined) assert.equal(state.on, sent.on, `${n.name}: power`);
      if (sent.brightness !== undefined) assert.equal(state.brightness, sent.brightness);
      if (sent.hue !== undefined) assert.equal(state.hue, sent.hue, `${n.name}: hue`);
      if (sent.colorTemp !== undefined) assert.equal(state.colorTemp, sent.colorTemp);
      // What the node reported is what the emulated bulb now holds.
      const light = kl130.info.light_state as Record<string, unknown>;
      assert.equal(Boolean(light.on_off), state.on, `${n.name}: the KL130 itself`);
    }
  } finally {
    await helper.unload();
    await helper.stopServer();
    await kl130.close();
  }
});

// --- The power strip examples, run -------------------------------------------------------------

const STRIP_FILE = '07 Power strip outlets.json';
const STRIP_PANEL_FILE = '08 Dashboard 2.0 power strip panel.json';

test('power strip panel: each switch is fed by and feeds the nodes of one and the same outlet', () => {
  const nodes = flows.get(STRIP_PANEL_FILE);
  assert.ok(nodes, `${STRIP_PANEL_FILE} exists`);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const switches = nodes.filter((n) => n.type === 'ui-switch');
  assert.equal(switches.length, 4, 'three outlets and the whole strip');
  const outlets = switches.map((sw) => {
    const feeders = nodes.filter((n) => (n.wires ?? []).flat().includes(sw.id));
    assert.equal(feeders.length, 1);
    const status = feeders[0] as FlowNode;
    const control = byId.get((sw.wires ?? []).flat()[0] ?? '') as FlowNode;
    assert.deepEqual(
      [status.type, status.output, control?.type],
      ['lamp-status', 'on', 'lamp-control'],
    );
    assert.equal(control.outlet, status.outlet, `${sw.label}: one outlet on both sides`);
    return status.outlet;
  });
  assert.deepEqual(outlets, ['1', '2', '3', '']);
});

test('power strip example: every inject reaches its outlet of an emulated P300, and only it', async () => {
  const nodes = flows.get(STRIP_FILE);
  assert.ok(nodes, `${STRIP_FILE} exists`);
  assert.match(String(nodes[0].info), /--model P300/);
  const device = only(nodes, 'klap-device');
  const p300 = await startEmulator({
    model: 'P300',
    port: 0,
    username: 'u@example.com',
    password: 'pw',
  });
  await helper.unload();
  await helper.startServer();
  try {
    const controls = nodes.filter((n) => n.type === 'lamp-control');
    const tab = String(controls[0]?.z);
    await helper.load(
      [
        require('../../src/nodes/klap-device/klap-device'),
        require('../../src/nodes/lamp-control/lamp-control'),
      ],
      [
        { id: tab, type: 'tab' },
        { ...device, port: p300.port },
        ...controls.map((c) => ({ ...c, wires: [['out']] })),
        { id: 'out', type: 'helper', z: tab },
        { id: 'catcher', type: 'catch', z: tab, scope: null, uncaught: false, wires: [['out']] },
      ],
      { [device.id]: { username: 'u@example.com', password: 'pw' } },
    );
    const out = helper.getNode('out');
    assert.ok(out);
    for (const n of nodes.filter((x) => x.type === 'inject')) {
      const target = controls.find((c) => (n.wires ?? []).flat().includes(c.id)) as FlowNode;
      const before = p300.outlets.map((o) => o.on);
      const reply = new Promise<NodeMessage & { error?: { message: string } }>((resolve) =>
        out.once('input', resolve),
      );
      const extra = Object.fromEntries(
        ((n.props ?? []) as { p: string; v?: string }[])
          .filter((p) => p.p !== 'payload')
          .map((p) => [p.p, p.v]),
      );
      const input = helper.getNode(target.id) as unknown as { receive(msg: NodeMessage): void };
      input.receive({ payload: injected(n), ...extra } as NodeMessage);
      const msg = await reply;
      assert.equal(msg.error, undefined, `${n.name}: ${msg.error?.message}`);
      const state = msg.payload as LampState;
      const after = p300.outlets.map((o) => o.on);
      const named = target.outlet || extra.outlet;
      if (named) {
        const position = state.outlet as number;
        assert.equal(
          String(named).toLowerCase(),
          String(target.outlet ? position : state.alias).toLowerCase(),
          String(n.name),
        );
        after.forEach((on, k) => {
          if (k + 1 !== position)
            assert.equal(on, before[k], `${n.name}: outlet ${k + 1} untouched`);
        });
        assert.equal(after[position - 1], state.on, `${n.name}: the P300's outlet itself`);
      } else {
        assert.ok(
          after.every((on) => on === state.on),
          `${n.name}: every outlet`,
        );
      }
    }
  } finally {
    await helper.unload();
    await helper.stopServer();
    await p300.close();
  }
});

// --- The energy example: its injects, run through the package's nodes ------------------------

const ENERGY_FILE = '09 Energy history chart.json';

test('Energy example: the history reaches the chart as [{ t, wh }], the settings reach the plug', async () => {
  const nodes = flows.get(ENERGY_FILE);
  assert.ok(nodes, `${ENERGY_FILE} exists`);
  assert.match(String(nodes[0].info), /--model P110/);
  const chart = only(nodes, 'ui-chart');
  assert.deepEqual(
    [chart.xAxisProperty, chart.xAxisPropertyType, chart.yAxisProperty, chart.action],
    ['t', 'property', 'wh', 'replace'],
    'the chart plots t against wh and replaces its data with each answer',
  );
  const status = only(nodes, 'lamp-status');
  assert.equal(status.powerThreshold, '5');
  const device = only(nodes, 'klap-device');
  const controls = nodes.filter((n) => n.type === 'lamp-control');
  const injects = nodes.filter((n) => n.type === 'inject');
  assert.ok(injects.length >= 4);

  await helper.unload();
  const p110 = await startEmulator({ model: 'P110', port: 0 });
  await helper.startServer();
  try {
    const tab = String(controls[0]?.z);
    await helper.load(
      [
        require('../../src/nodes/klap-device/klap-device'),
        require('../../src/nodes/lamp-control/lamp-control'),
      ],
      [
        { id: tab, type: 'tab' },
        { ...device, port: p110.port },
        ...controls.map((c) => ({ ...c, wires: [['out']] })),
        { id: 'out', type: 'helper', z: tab },
        { id: 'catcher', type: 'catch', z: tab, scope: null, uncaught: false, wires: [['out']] },
      ],
      {},
    );
    const out = helper.getNode('out');
    for (const n of injects) {
      const target = helper.getNode(String(n.wires?.[0]?.[0])) as unknown as {
        receive(msg: NodeMessage): void;
      } | null;
      assert.ok(out && target, `${n.name} is wired to a lamp-control`);
      const reply = new Promise<NodeMessage & { error?: { message: string } }>((resolve) =>
        out.once('input', resolve),
      );
      const payload = injected(n) as Record<string, unknown>;
      target.receive({ payload } as NodeMessage);
      const msg = await reply;
      assert.equal(msg.error, undefined, `${n.name}: ${msg.error?.message}`);
      if (payload.energyHistory) {
        const points = msg.payload as { t: string; wh: number }[];
        assert.equal(points.length, new Date().getDate(), `${n.name}: one point per day so far`);
        for (const p of points) assert.deepEqual(Object.keys(p), ['t', 'wh']);
      } else {
        const state = msg.payload as LampState;
        // Each setting reads back as sent (an object setting: each field sent).
        for (const [key, sent] of Object.entries(payload)) {
          const shown = (state as unknown as Record<string, unknown>)[key];
          if (typeof sent === 'object' && sent !== null) {
            for (const [field, value] of Object.entries(sent)) {
              assert.equal(
                (shown as Record<string, unknown>)?.[field],
                value,
                `${n.name}: ${key}.${field}`,
              );
            }
          } else assert.equal(shown, sent, `${n.name}: ${key}`);
        }
      }
    }
  } finally {
    await helper.unload();
    await helper.stopServer();
    await p110.close();
  }
});

// --- The segment strip examples, run on an emulated L920 -----------------------------------------

const GRADIENT_FILE = '10 Paint a gradient.json';
const GRADIENT_PANEL_FILE = '11 Dashboard 2.0 strip gradient panel.json';

/**
 * The example's function and lamp-control nodes (their outputs into helper `out`, as is every
 * Catch) on an emulated L920; `body` gets the strip and a way to send into a node.
 */
async function onL920(
  nodes: FlowNode[],
  body: (
    strip: EmulatedSmartDevice,
    send: (id: string, msg: Record<string, unknown>) => Promise<NodeMessage>,
  ) => Promise<void>,
): Promise<void> {
  const device = only(nodes, 'klap-device');
  await helper.unload();
  const l920 = await startEmulator({ model: 'L920', port: 0 });
  await helper.startServer();
  try {
    const tab = 'segments';
    const control = only(nodes, 'lamp-control');
    await helper.load(
      [
        require('../../src/nodes/klap-device/klap-device'),
        require('../../src/nodes/lamp-control/lamp-control'),
        require('@node-red/nodes/core/function/10-function.js'),
      ],
      [
        { id: tab, type: 'tab' },
        { ...device, port: l920.port },
        ...nodes.filter((n) => n.type === 'function').map((n) => ({ ...n, z: tab })),
        { ...control, z: tab, wires: [['out']] },
        { id: 'out', type: 'helper', z: tab },
        { id: 'catcher', type: 'catch', z: tab, scope: null, uncaught: false, wires: [['out']] },
      ],
      {},
    );
    const out = helper.getNode('out');
    assert.ok(out);
    await body(l920.device as EmulatedSmartDevice, async (id, msg) => {
      const target = helper.getNode(id) as unknown as { receive(msg: NodeMessage): void } | null;
      assert.ok(target, `${id} is deployed`);
      const reply = new Promise<NodeMessage & { error?: { message: string } }>((resolve) =>
        out.once('input', resolve),
      );
      target.receive(msg as NodeMessage);
      const answer = await reply;
      assert.equal(answer.error, undefined, `${id}: ${answer.error?.message}`);
      return answer;
    });
  } finally {
    await helper.unload();
    await helper.stopServer();
    await l920.close();
  }
}

const RED_SEGMENT = [0, 100, 100, 0];
const BLUE_SEGMENT = [240, 100, 100, 0];

test('Paint a gradient: every inject paints an emulated L920, the last one ends the painting', async () => {
  const nodes = flows.get(GRADIENT_FILE);
  assert.ok(nodes, `${GRADIENT_FILE} exists`);
  assert.match(String(nodes[0].info), /--model L920/);
  const injects = nodes.filter((n) => n.type === 'inject');
  assert.ok(injects.length >= 4);
  await onL920(nodes, async (strip, send) => {
    for (const n of injects) {
      const payload = injected(n);
      const state = (await send(String(n.wires?.[0]?.[0]), { payload })).payload as LampState;
      assert.equal(state.segments, 50, `${n.name}: the strip's count in the state`);
      const shown = strip.segments?.shown;
      if (typeof payload === 'string') {
        assert.equal(shown, undefined, `${n.name}: a colour ends the painting`);
        assert.equal(state.color, payload);
      } else {
        assert.ok(shown, `${n.name}: painted`);
      }
      if ((payload as { from?: string }).from) {
        assert.deepEqual(shown?.[0], RED_SEGMENT, `${n.name}: red at one end`);
        assert.deepEqual(shown?.[49], BLUE_SEGMENT, `${n.name}: blue at the other`);
        assert.equal(new Set(shown?.map((c) => c.join())).size, 10, `${n.name}: ten colours`);
      }
    }
  });
});

test('Strip gradient panel: two colour pickers feed one function that paints from end to end', async () => {
  const nodes = flows.get(GRADIENT_PANEL_FILE);
  assert.ok(nodes, `${GRADIENT_PANEL_FILE} exists`);
  const fn = only(nodes, 'function');
  const pickers = nodes.filter((n) => n.type === 'ui-text-input');
  assert.deepEqual(
    pickers.map((p) => [p.topic, p.topicType, p.wires]),
    [
      ['left', 'str', [[fn.id]]],
      ['right', 'str', [[fn.id]]],
    ],
  );
  assert.deepEqual(fn.wires, [[only(nodes, 'lamp-control').id]]);
  await onL920(nodes, async (strip, send) => {
    await send(fn.id, { topic: 'left', payload: '#00ff00' });
    assert.deepEqual(strip.segments?.shown?.[0], [120, 100, 100, 0], 'left end green');
    assert.deepEqual(strip.segments?.shown?.[49], BLUE_SEGMENT, 'right end as it was');
    const state = (await send(fn.id, { topic: 'right', payload: '#ffff00' })).payload;
    assert.equal((state as LampState).segments, 50);
    assert.deepEqual(strip.segments?.shown?.[0], [120, 100, 100, 0], 'left end kept');
    assert.deepEqual(strip.segments?.shown?.[49], [60, 100, 100, 0], 'right end yellow');
  });
});
