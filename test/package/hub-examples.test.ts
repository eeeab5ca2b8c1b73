/**
 * The hub examples, run: each example flow is loaded as it is into a real Node-RED (the test
 * helper, with Node-RED's own function, switch, change and trigger nodes) against an emulated
 * H100 with a button, a dial, a motion sensor, a leak sensor and a climate sensor, and an
 * emulated L530; only the device ports change, debug and Dashboard widgets become sinks. Then
 * the emulated devices are pressed, turned, walked past, flooded and warmed, and what the
 * example promises happens: the lamp toggles, dims, lights up; the siren sounds and stops; the
 * gauges get the readings.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import { connect } from '../../src/device/client';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { DEMO_PASSWORD, DEMO_USER, repoRoot, waitFor } from './support';

helper.init(require.resolve('node-red'));

const TAB = 'examples-tab';
const NODES = [
  require('../../src/nodes/klap-device/klap-device'),
  require('../../src/nodes/lamp-control/lamp-control'),
  require('../../src/nodes/lamp-status/lamp-status'),
  require('../../src/nodes/lamp-event/lamp-event'),
  require('@node-red/nodes/core/function/10-function.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/function/15-change.js'),
  require('@node-red/nodes/core/function/89-trigger.js'),
];

type FlowNode = { id: string; type: string; wires?: string[][]; [key: string]: unknown };

function example(file: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples', file), 'utf8')) as FlowNode[];
}

function only(nodes: FlowNode[], type: string, name?: string): FlowNode {
  const found = nodes.filter((n) => n.type === type && (name === undefined || n.name === name));
  assert.equal(found.length, 1, `one ${type} ${name ?? ''}`);
  return found[0] as FlowNode;
}

describe('hub examples, run against the emulator', () => {
  let hub: EmulatedDevice;
  let lamp: EmulatedDevice;
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    await hub?.close();
    await lamp?.close();
  });

  /**
   * Loads an example: device nodes pointed at the emulators (with credentials), every other
   * node on one tab, debug nodes and Dashboard widgets turned into helper sinks.
   */
  async function load(file: string): Promise<Map<string, NodeMessage[]>> {
    hub = await startEmulator({
      model: 'H100',
      port: 0,
      username: DEMO_USER,
      password: DEMO_PASSWORD,
      children: ['S200B', 'S200D', 'T100', 'T300', 'T310'],
    });
    lamp = await startEmulator({
      model: 'L530',
      port: 0,
      username: DEMO_USER,
      password: DEMO_PASSWORD,
    });
    const nodes = example(file);
    const flow: FlowNode[] = [{ id: TAB, type: 'tab' }];
    const credentials: Record<string, Record<string, string>> = {};
    const sinks = new Map<string, NodeMessage[]>();
    for (const n of nodes) {
      if (n.type === 'comment' || /^ui-(base|theme|page|group)$/.test(n.type)) continue;
      if (n.type === 'klap-device') {
        assert.ok([8086, 8080].includes(Number(n.port)), `${n.id}: the demo's hub or bulb port`);
        flow.push({ ...n, port: n.port === 8086 ? hub.port : lamp.port });
        credentials[n.id] = { username: DEMO_USER, password: DEMO_PASSWORD };
      } else if (n.type === 'debug' || n.type.startsWith('ui-')) {
        flow.push({ id: n.id, type: 'helper', z: TAB });
        sinks.set(n.id, []);
      } else {
        flow.push({ ...n, z: TAB });
      }
    }
    await helper.load(NODES, flow, credentials);
    for (const [id, seen] of sinks) {
      helper.getNode(id)?.on('input', (msg: NodeMessage) => seen.push(msg));
    }
    // The hub's event reader has read its baseline before anything happens.
    const device = only(nodes, 'klap-device', 'Hub');
    const feed = () =>
      (helper.getNode(device.id) as unknown as { hub: { events: { listening: boolean } } }).hub
        .events;
    if (nodes.some((n) => n.type === 'lamp-event'))
      await waitFor('listening', async () => feed().listening);
    return sinks;
  }

  async function bulb(): Promise<Record<string, unknown>> {
    const client = await connect({
      host: '127.0.0.1',
      port: lamp.port,
      username: DEMO_USER,
      password: DEMO_PASSWORD,
    });
    try {
      return (await client.getState()) as unknown as Record<string, unknown>;
    } finally {
      await client.close();
    }
  }

  it('Button toggles a lamp: a single click toggles it, a double click only reaches the debug node', async () => {
    const nodes = example('12 Button toggles a lamp.json');
    const sinks = await load('12 Button toggles a lamp.json');
    const state = sinks.get(only(nodes, 'debug', 'lamp state').id) as NodeMessage[];
    const doubles = sinks.get(only(nodes, 'debug', 'double click').id) as NodeMessage[];
    const before = (await bulb()).on;
    hub.hub.press('Button', 'singleClick');
    await waitFor('the lamp toggled', async () => state.length === 1);
    assert.equal((await bulb()).on, !before);
    hub.hub.press('Button', 'doubleClick');
    await waitFor('the double click', async () => doubles.length === 1);
    assert.equal(doubles[0]?.payload, 'doubleClick');
    assert.equal(doubles[0]?.topic, 'Button');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(state.length, 1, 'a double click does not toggle');
    assert.equal((await bulb()).on, !before);
  });

  it('Dial dims a lamp: turns move the brightness by a third of the degrees, a click toggles', async () => {
    const nodes = example('13 Dial dims a lamp.json');
    const sinks = await load('13 Dial dims a lamp.json');
    const state = sinks.get(only(nodes, 'debug').id) as NodeMessage[];
    hub.hub.rotate('Dial', 90);
    await waitFor('a turn', async () => state.length === 1);
    let now = await bulb();
    assert.deepEqual([now.on, now.brightness], [true, 80], '50 + 90/3');
    hub.hub.rotate('Dial', -150);
    await waitFor('a turn back', async () => state.length === 2);
    now = await bulb();
    assert.equal(now.brightness, 30, '80 - 150/3');
    hub.hub.press('Dial', 'singleClick');
    await waitFor('a click', async () => state.length === 3);
    assert.equal((await bulb()).on, false);
  });

  it('Motion turns the hall light on, for two minutes extended by more motion', async () => {
    const nodes = example('14 Motion turns the hall light on.json');
    const trigger = only(nodes, 'trigger');
    assert.deepEqual(
      [
        trigger.op1,
        trigger.op1type,
        trigger.op2,
        trigger.op2type,
        trigger.duration,
        trigger.units,
        trigger.extend,
      ],
      ['true', 'bool', 'false', 'bool', '2', 'min', true],
    );
    const sinks = await load('14 Motion turns the hall light on.json');
    const state = sinks.get(only(nodes, 'debug').id) as NodeMessage[];
    const client = await connect({
      host: '127.0.0.1',
      port: lamp.port,
      username: DEMO_USER,
      password: DEMO_PASSWORD,
    });
    await client.setState({ on: false });
    await client.close();
    hub.hub.motion('Motion sensor');
    await waitFor('the light switched', async () => state.length === 1);
    assert.equal((await bulb()).on, true);
  });

  it('Leak sounds the siren while a sensor is wet, and stops it when dry', async () => {
    const nodes = example('15 Leak sounds the siren.json');
    const sinks = await load('15 Leak sounds the siren.json');
    const which = sinks.get(only(nodes, 'debug', 'which sensor').id) as NodeMessage[];
    const hubState = sinks.get(only(nodes, 'debug', 'hub state').id) as NodeMessage[];
    hub.hub.leak('Leak sensor', true);
    await waitFor('the siren command', async () => hubState.length === 1);
    assert.equal(hub.hub.alarm.sounding, true);
    assert.equal(
      (hubState[0] as NodeMessage & { payload: { alarm?: boolean } }).payload.alarm,
      true,
    );
    assert.deepEqual([which[0]?.payload, which[0]?.topic], ['waterLeak', 'Leak sensor']);
    hub.hub.leak('Leak sensor', false);
    await waitFor('the stop command', async () => hubState.length === 2);
    assert.equal(hub.hub.alarm.sounding, false);
  });

  it('Dashboard 2.0 climate panel: the gauges get the temperature and humidity', async () => {
    const nodes = example('16 Dashboard 2.0 climate panel.json');
    const sinks = await load('16 Dashboard 2.0 climate panel.json');
    const temperature = sinks.get(only(nodes, 'ui-gauge', 'temperature').id) as NodeMessage[];
    const humidity = sinks.get(only(nodes, 'ui-gauge', 'humidity').id) as NodeMessage[];
    const battery = sinks.get(only(nodes, 'ui-text').id) as NodeMessage[];
    await waitFor(
      'the first reading',
      async () => temperature.length === 1 && humidity.length === 1,
    );
    assert.equal(typeof temperature[0]?.payload, 'number');
    assert.equal(battery[0]?.payload, 'battery ok');
    hub.hub.climate('Climate sensor', { temperature: 23.5, humidity: 41 });
    // Any message makes lamp-status read now (the example polls every 10 s).
    (
      helper.getNode(only(nodes, 'lamp-status').id) as unknown as {
        receive(msg: NodeMessage): void;
      }
    ).receive({} as NodeMessage);
    await waitFor('23.5 °C', async () => temperature.some((m) => m.payload === 23.5));
    assert.ok(
      humidity.some((m) => m.payload === 41),
      '41 %',
    );
  });
});
