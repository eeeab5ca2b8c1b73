/**
 * Shared plumbing for the node flow tests: the helper, node modules loaded from the TS sources,
 * flow builders and bounded waits (never assertions on elapsed time).
 */
import type { EventEmitter } from 'node:events';
import type { NodeMessage, NodeStatus } from 'node-red';
import helper from 'node-red-node-test-helper';

export { helper };

helper.init(require.resolve('node-red'));

export const klapDevice = require('../../src/nodes/klap-device/klap-device');
export const lampControl = require('../../src/nodes/lamp-control/lamp-control');
export const lampStatus = require('../../src/nodes/lamp-status/lamp-status');
export const allNodes = [klapDevice, lampControl, lampStatus];

export const TAB = 'tab1';
export const USER = 'user@example.com';
export const PASS = 'Secret-Passw0rd';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface Addressed {
  host: string;
  port: number;
}

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
    {
      id: 'catcher',
      type: 'catch',
      z: TAB,
      name: '',
      scope: null,
      uncaught: false,
      wires: [['caught']],
    },
    { id: 'caught', type: 'helper', z: TAB },
    ...extra,
  ] as FlowNode[];
}

export const creds = (username = USER, password = PASS) => ({ dev: { username, password } });

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
