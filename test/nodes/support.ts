/**
 * Shared plumbing for the node flow tests: the helper, node modules loaded from the TS sources,
 * flow builders and bounded waits (never assertions on elapsed time).
 */
import type { EventEmitter } from 'node:events';
import { after, afterEach, before } from 'node:test';
import type { NodeMessage, NodeStatus } from 'node-red';
import helper from 'node-red-node-test-helper';
import type { LampState } from '../../src/device/types';
import {
  type EmulatedDevice,
  type EmulatorOptions,
  type ModelName,
  startEmulator,
} from '../../src/emulator';
import type { DeviceHub } from '../../src/nodes/shared/device-hub';
import type { HubEventLike } from '../../src/nodes/shared/event-types';

export { helper };

helper.init(require.resolve('node-red'));

export const klapDevice = require('../../src/nodes/klap-device/klap-device');
export const lampControl = require('../../src/nodes/lamp-control/lamp-control');
export const lampStatus = require('../../src/nodes/lamp-status/lamp-status');
export const lampEvent = require('../../src/nodes/lamp-event/lamp-event');
export const allNodes = [klapDevice, lampControl, lampStatus, lampEvent];

export const TAB = 'tab1';
export const USER = 'user@example.com';
export const PASS = 'Secret-Passw0rd';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface Addressed {
  host: string;
  port: number;
}

/** A helper node (the test helper's message sink). */
export const helperNode = (id: string): FlowNode => ({ id, type: 'helper', z: TAB });

/** A Catch node for the whole tab, wired to helper `caught`. */
export function catchNodes(): FlowNode[] {
  return [
    {
      id: 'catcher',
      type: 'catch',
      z: TAB,
      name: '',
      scope: null,
      uncaught: false,
      wires: [['caught']],
    },
    helperNode('caught'),
  ];
}

/** A lamp-control of device `dev` (action from msg.payload), wired to helper `out`. */
export const controlNode = (id: string, extra: Partial<FlowNode> = {}): FlowNode => ({
  id,
  type: 'lamp-control',
  z: TAB,
  name: '',
  device: 'dev',
  action: 'payload',
  wires: [['out']],
  ...extra,
});

/** A lamp-status of device `dev` polling every 50 ms, whole state, wired to helper `out`. */
export const statusNode = (id: string, extra: Partial<FlowNode> = {}): FlowNode => ({
  id,
  type: 'lamp-status',
  z: TAB,
  name: '',
  device: 'dev',
  interval: 0.05,
  output: 'state',
  wires: [['out']],
  ...extra,
});

/** A tab, a klap-device `dev` for the emulator, a Catch node wired to helper `caught`. */
export function baseFlow(dev: Addressed, extra: FlowNode[], device: Partial<FlowNode> = {}) {
  return [
    { id: TAB, type: 'tab', label: 'tests' },
    {
      id: 'dev',
      type: 'klap-device',
      name: 'lamp',
      host: dev.host,
      port: dev.port,
      timeout: 1,
      ...device,
    },
    ...catchNodes(),
    ...extra,
  ] as FlowNode[];
}

export const creds = (username = USER, password = PASS) => ({ dev: { username, password } });

/** Loads the node types with baseFlow(dev, nodes, device) and the given credentials. */
export function deploy(
  dev: Addressed,
  nodes: FlowNode[],
  credentials: Record<string, Record<string, string>> = creds(),
  device: Partial<FlowNode> = {},
): Promise<void> {
  return helper.load(allNodes, baseFlow(dev, nodes, device), credentials);
}

/**
 * Inside a describe(): the admin server for the suite, and after each test the flows
 * unloaded and every emulated device it started closed. Returns the emulator starter.
 */
export function useEmulator(): (model?: ModelName) => Promise<EmulatedDevice> {
  const start = useDevices();
  return (model = 'L530') => start({ model, username: USER, password: PASS });
}

/** As useEmulator, for any emulator options (protocol, a model without a login, …). */
export function useDevices(): (options: EmulatorOptions) => Promise<EmulatedDevice> {
  return useStarter((options: EmulatorOptions) => startEmulator({ port: 0, ...options }));
}

/** As useDevices, for any way of starting an emulated device (e.g. startH200). */
export function useStarter<O, D extends { close(): Promise<void> }>(
  startOne: (options: O) => Promise<D>,
): (options: O) => Promise<D> {
  const started: D[] = [];
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    await Promise.all(started.splice(0).map((d) => d.close()));
  });
  return async (options) => {
    const d = await startOne(options);
    started.push(d);
    return d;
  };
}

/** The DeviceHub of the deployed klap-device `dev`. */
export const hubOf = (id = 'dev'): DeviceHub => (getNode(id) as unknown as { hub: DeviceHub }).hub;

/** msg.payload as a state. */
export const stateOf = (msg: NodeMessage): LampState => msg.payload as LampState;

/** Minimal view of a node under test. */
export interface TestNode extends EventEmitter {
  id: string;
  receive(msg?: NodeMessage): void;
}

export function getNode(id: string): TestNode {
  const node = helper.getNode(id) as unknown as TestNode | null;
  if (!node) throw new Error(`node ${id} not found`);
  return node;
}

/** Every message a helper node receives, in order. */
export function collect(id: string): NodeMessage[] {
  const seen: NodeMessage[] = [];
  getNode(id).on('input', (msg: NodeMessage) => seen.push(msg));
  return seen;
}

/** Every status a node sets, in order (through the helper's call:status event). */
export function statuses(id: string): NodeStatus[] {
  const seen: NodeStatus[] = [];
  getNode(id).on('call:status', (call: { args: unknown[] }) => {
    const status = call.args[0];
    seen.push(typeof status === 'string' ? { text: status } : (status as NodeStatus));
  });
  return seen;
}

/** Every text logged through node.warn / node.log / node.error of a node. */
export function logged(id: string, method: 'warn' | 'log' | 'error' | 'debug'): string[] {
  const seen: string[] = [];
  getNode(id).on(`call:${method}`, (call: { args: unknown[] }) => seen.push(String(call.args[0])));
  return seen;
}

/** Waits until `check()` is truthy; fails after `ms` with `what`. */
export async function until<T>(check: () => T, what: string, ms = 4000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves with the next message a helper node receives. */
export function nextMessage(id: string, ms = 4000): Promise<NodeMessage> {
  const node = getNode(id);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeListener('input', onInput);
      reject(new Error(`timed out waiting for a message at ${id}`));
    }, ms);
    const onInput = (msg: NodeMessage) => {
      clearTimeout(timer);
      resolve(msg);
    };
    node.once('input', onInput);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The caught error message of a Catch node's output. */
export function caughtError(msg: NodeMessage): { message: string; code?: string } {
  return msg.error as { message: string; code?: string };
}

/** A lamp-event node of device `dev` wired to helper `out` (or `wire`). */
export const eventNode = (id: string, extra: Partial<FlowNode> = {}, wire = 'out'): FlowNode => ({
  id,
  type: 'lamp-event',
  z: TAB,
  name: '',
  device: 'dev',
  child: '',
  events: '',
  interval: 0.5,
  wires: [[wire]],
  ...extra,
});

/** The event a lamp-event message carries (msg.event). */
export const eventOf = (msg: NodeMessage) => (msg as NodeMessage & { event: HubEventLike }).event;

/** The green "listening" ring: the reader's baseline read is done. */
export async function listening(id: string, seen: { text?: string }[]): Promise<void> {
  await until(
    () => seen.some((s) => s.text === 'klap-device.status.listening'),
    `${id} listening`,
    8000,
  );
}
