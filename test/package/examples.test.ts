/**
 * The example flows (Import › Examples): well-formed, each opening with a comment node, every
 * node type of the package used, only types that exist, device nodes on 127.0.0.1 without
 * credentials, and the Dashboard example naming its prerequisite. The Dashboard example's
 * wiring is run through Node-RED's own switch and change nodes: each widget must receive the
 * value it shows (not the boolean payload of lamp-status output "on"), and what the widgets send
 * must be a payload lamp-control accepts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import { parseCommand, validateCommand } from '../../src/device/command';
import type { LampState } from '../../src/device/types';
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
]);
const OURS = new Set(['klap-device', 'lamp-control', 'lamp-status']);
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
      if (n.type === 'lamp-control' || n.type === 'lamp-status') {
        const device = nodes.find((d) => d.id === n.device);
        assert.equal(device?.type, 'klap-device', `${n.id} uses a device node of the same file`);
      }
      if (n.type === 'klap-device') {
        assert.equal(n.host, '127.0.0.1', 'examples only point at the local emulator');
        assert.equal(n.credentials, undefined, 'no credentials in examples');
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
      const slider = nodes.find((n) => n.type === 'ui-slider');
      assert.deepEqual([slider?.min, slider?.max, slider?.outs], [1, 100, 'end']);
      assert.equal(nodes.find((n) => n.type === 'ui-text-input')?.mode, 'color');
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
