/**
 * DeviceHub on its own, with a scripted client: races between the shared poller and nodes
 * coming and going that flow tests cannot time reliably.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LampState } from '../../src/device/types';
import {
  DeviceHub,
  type HubClient,
  type HubUser,
  type ReportedState,
} from '../../src/nodes/shared/device-hub';
import { until } from './support';

const STATE: LampState = { on: true, online: true, model: 'L530', alias: 'Desk', type: 'bulb' };

/** A client whose reads wait until the test releases them; close() fails what is pending. */
class ScriptedClient implements HubClient {
  reads = 0;
  closed = false;
  private pending: { resolve: (s: LampState) => void; reject: (e: unknown) => void }[] = [];
  getState(): Promise<LampState> {
    this.reads++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  release(): void {
    for (const p of this.pending.splice(0)) p.resolve({ ...STATE });
  }
  setState(): Promise<LampState> {
    return Promise.resolve({ ...STATE });
  }
  request(): Promise<unknown> {
    return Promise.resolve({});
  }
  energyHistory(): Promise<never[]> {
    return Promise.resolve([]);
  }
  capabilities(): never {
    throw new Error('not used');
  }
  close(): Promise<void> {
    this.closed = true;
    const error = Object.assign(new Error('closed'), { code: 'CLOSED' });
    for (const p of this.pending.splice(0)) p.reject(error);
    return Promise.resolve();
  }
}

function hubWith(clients: ScriptedClient[]): DeviceHub {
  return new DeviceHub({
    host: '127.0.0.1',
    port: 80,
    timeoutMs: 1000,
    t: (key) => key,
    warn: () => undefined,
    log: () => undefined,
    createClient: () => {
      const client = new ScriptedClient();
      clients.push(client);
      return client;
    },
  });
}

function user(id: string, states: ReportedState[], pollInterval = 0): HubUser {
  return {
    id,
    pollInterval,
    setDeviceStatus: () => undefined,
    deviceState: (state) => states.push(state),
  };
}

describe('DeviceHub', () => {
  it('a node deployed while the previous read is still running gets its own first read', async () => {
    const clients: ScriptedClient[] = [];
    const hub = hubWith(clients);
    try {
      // The only node of the device is replaced (a "modified nodes" deploy) while the
      // connect-at-deploy read is on the wire.
      const old = user('old', []);
      hub.register(old);
      await until(() => clients[0]?.reads === 1, 'the first read');
      hub.deregister(old);
      const states: ReportedState[] = [];
      hub.register(user('new', states));
      await until(() => clients[1]?.reads === 1, 'a read for the new node');
      clients[1]?.release();
      await until(() => states.length === 1, 'the first state at the new node');
      assert.equal(states[0]?.online, true);
    } finally {
      await hub.close();
    }
  });
});
