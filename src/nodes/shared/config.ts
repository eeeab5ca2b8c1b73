/**
 * Small helpers shared by the three runtime nodes: parsing editor values, finding the config
 * node, copying states for messages.
 */
import type { Node, NodeAPI } from 'node-red';
import type { ProtocolChoice } from '../../transport/factory';
import type { DeviceHub } from './device-hub';
import type { ReportedState } from './status-mapping';

/** The runtime shape of a deployed `klap-device` config node. */
export interface KlapDeviceNode extends Node<KlapDeviceCredentials> {
  host: string;
  /** Undefined: the protocol's default. */
  port: number | undefined;
  protocol: ProtocolChoice;
  timeout: number;
  hub: DeviceHub;
}

export interface KlapDeviceCredentials {
  username?: string;
  password?: string;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

/** Seconds from an editor field; `fallback` for blank or invalid, `min` is the smallest allowed. */
export function parseSeconds(value: unknown, fallback: number, allowZero: boolean): number {
  if (isBlank(value)) return fallback;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n < 0) return fallback;
  if (n === 0 && !allowZero) return fallback;
  return n;
}

/** The deployed klap-device with that id, or undefined (none chosen, deleted, disabled). */
export function findDevice(RED: NodeAPI, id: unknown): KlapDeviceNode | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  const node: unknown = RED.nodes.getNode(id);
  if (typeof node !== 'object' || node === null) return undefined;
  const candidate = node as Partial<KlapDeviceNode>;
  if (candidate.type !== 'klap-device' || typeof candidate.hub?.register !== 'function') {
    return undefined;
  }
  return node as KlapDeviceNode;
}

/** A copy for a message, so downstream nodes cannot alter the shared state. */
export function copyState<T extends ReportedState>(state: T): T {
  return { ...state };
}

/** An Error with a `code` (Node-RED copies it to msg.error.code for Catch nodes). */
export function codedError(code: string, message: string): Error & { code: string } {
  const err = new Error(message) as Error & { code: string };
  err.code = code;
  return err;
}
