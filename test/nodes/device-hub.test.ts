/**
 * DeviceHub on its own, with a scripted client: races between the shared poller and nodes
 * coming and going that flow tests cannot time reliably.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Poll } from '../../src/device/client';
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
  release(state: LampState = STATE): void {
    for (const p of this.pending.splice(0)) p.resolve({ ...state });
  }
  fail(error: unknown): void {
    for (const p of this.pending.splice(0)) p.reject(error);
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

/** A client with LampClient's poll(): the test answers each poll with a mark and maybe a state. */
class PollingClient extends ScriptedClient {
  readonly since: (number | undefined)[] = [];
  private polls: { resolve: (poll: Poll) => void; reject: (e: unknown) => void }[] = [];
  poll(since?: number): Promise<Poll> {
    this.since.push(since);
    return new Promise((resolve, reject) => this.polls.push({ resolve, reject }));
  }
  answer(poll: Poll): void {
    for (const p of this.polls.splice(0)) p.resolve(poll);
  }
  failPolls(error: unknown): void {
    for (const p of this.polls.splice(0)) p.reject(error);
  }
}

function hubWith(clients: ScriptedClient[], make = () => new ScriptedClient()): DeviceHub {
  return new DeviceHub({
    host: '127.0.0.1',
    port: 80,
    timeoutMs: 1000,
    t: (key) => key,
    warn: () => undefined,
    log: () => undefined,
    createClient: () => {
      const client = make();
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

  it('a state equal to the last one goes only to users not yet handed it; a failure makes it news again', async () => {
    const clients: ScriptedClient[] = [];
    const hub = hubWith(clients);
    const a: ReportedState[] = [];
    const b: ReportedState[] = [];
    const userA = user('a', a);
    const userB = user('b', b);
    const read = async (origin?: HubUser, state: LampState = STATE) => {
      const reading = hub.refresh(origin);
      await until(() => clients[0]?.reads === reads + 1, 'the read');
      reads += 1;
      clients[0]?.release(state);
      return reading;
    };
    let reads = 0;
    try {
      hub.register(userA);
      hub.register(userB);
      // The read at deploy: both hear of it.
      await until(() => clients[0]?.reads === 1, 'the read at deploy');
      reads = 1;
      clients[0]?.release();
      await until(() => a.length === 1 && b.length === 1, 'both users given the first state');

      // A asks itself (an input message) and emits what it read; B hears of the change.
      const dimmed: LampState = { ...STATE, brightness: 40 };
      assert.equal((await read(userA, dimmed)).brightness, 40);
      assert.deepEqual([a.length, b.length], [1, 2]);
      // The same state polled again: A was never handed it, so it is now; B has it already.
      await read(undefined, dimmed);
      assert.deepEqual([a.length, b.length], [2, 2]);
      assert.equal(a[1]?.brightness, 40);
      await read(undefined, dimmed);
      assert.deepEqual([a.length, b.length], [2, 2]);

      // Lost, then back with the same state: both hear of both.
      const reading = hub.refresh();
      await until(() => clients[0]?.reads === reads + 1, 'the read');
      reads += 1;
      clients[0]?.fail(Object.assign(new Error('gone'), { code: 'UNREACHABLE' }));
      await assert.rejects(reading);
      assert.deepEqual([a.at(-1)?.online, b.at(-1)?.online], [false, false]);
      await read(undefined, dimmed);
      assert.deepEqual([a.length, b.length], [4, 4]);
      assert.deepEqual([a[3]?.online, b[3]?.brightness], [true, 40]);
      assert.equal(hub.currentStatus.text, 'klap-device.status.onBrightness');
    } finally {
      await hub.close();
    }
  });

  it('a poll the client answers with the mark of the accepted state changes nothing, even after a failure', async () => {
    const clients: PollingClient[] = [];
    const hub = hubWith(clients, () => new PollingClient());
    const a: ReportedState[] = [];
    const b: ReportedState[] = [];
    const userA = user('a', a);
    const poll = async (answer: Poll, origin?: HubUser) => {
      const polls = clients[0]?.since.length ?? 0;
      const reading = hub.refresh(origin);
      await until(() => clients[0]?.since.length === polls + 1, 'the poll');
      clients[0]?.answer(answer);
      return reading;
    };
    try {
      hub.register(userA);
      hub.register(user('b', b));
      await until(() => clients[0]?.since.length === 1, 'the read at deploy');
      clients[0]?.answer({ mark: 7, state: { ...STATE, brightness: 30 } });
      await until(() => a.length === 1 && b.length === 1, 'both users given the first state');
      assert.equal(clients[0]?.since[0], undefined);

      // The client read the state of mark 7 again: nobody hears of it, the caller gets a copy.
      const again = await poll({ mark: 7 }, userA);
      assert.equal(clients[0]?.since[1], 7);
      assert.deepEqual(again, { ...STATE, brightness: 30 });
      again.brightness = 1;
      assert.deepEqual([a.length, b.length], [1, 1]);

      // Lost, then back with the same state: both hear of it, from what the hub kept.
      const reading = hub.refresh();
      await until(() => clients[0]?.since.length === 3, 'the poll');
      clients[0]?.failPolls(Object.assign(new Error('gone'), { code: 'UNREACHABLE' }));
      await assert.rejects(reading);
      assert.deepEqual([a.at(-1)?.online, b.at(-1)?.online], [false, false]);
      await poll({ mark: 7 });
      assert.equal(clients[0]?.since.at(-1), 7);
      assert.deepEqual([a.length, b.length], [3, 3]);
      assert.deepEqual([a[2]?.online, b[2]?.brightness], [true, 30]);
      assert.equal(hub.currentStatus.text, 'klap-device.status.onBrightness');

      // A new mark with a state is news again.
      await poll({ mark: 8, state: { ...STATE, brightness: 50 } });
      assert.equal(b.at(-1)?.brightness, 50);
      assert.equal(clients[0]?.since.at(-1), 7);
    } finally {
      await hub.close();
    }
  });
});
