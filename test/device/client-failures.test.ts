/**
 * LampClient failure paths a user meets in practice: replies that stop making sense after the
 * dialect is known, callers queued behind a device that cannot be reached, and bad options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, LampClient } from '../../src/device/client';
import { startEmulator } from '../../src/emulator';
import {
  AuthenticationError,
  DeviceError,
  InvalidCommandError,
  type LampError,
  MalformedResponseError,
  TimeoutError,
} from '../../src/transport/errors';
import { RETRY_BUDGET } from '../../src/transport/session-transport';
import { rig } from './helpers';

const USER = 'user@example.com';
const PASS = 'Secret-Passw0rd';

/** Replaces what the emulated device answers from now on. */
function answer(r: ReturnType<typeof rig>, text: string): void {
  (r.transport as unknown as { handler: (plaintext: string) => string }).handler = () => text;
}

describe('replies that are not SMART envelopes once the device is known to speak SMART', () => {
  for (const reply of ['{"foo":1}', '[1,2]', 'null', '"text"']) {
    it(`${reply} is a MalformedResponseError (typed, with a code), for reads, commands and raw requests`, async () => {
      const r = rig('L530');
      await r.client.open();
      answer(r, reply);
      for (const call of [
        () => r.client.getState(),
        () => r.client.setState(true),
        () => r.client.request('get_device_info'),
      ]) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof MalformedResponseError, `got ${String(err)}`);
          assert.equal((err as LampError).code, 'MALFORMED');
          return true;
        });
      }
      await r.client.close();
    });
  }

  it('a get_device_info result that is not an object is refused, not turned into an "off" state', async () => {
    const r = rig('L530');
    await r.client.open();
    for (const result of ['"x"', '[]', '42']) {
      // The L530 reads its state with one plain get_device_info (no batch).
      answer(r, `{"error_code":0,"result":${result}}`);
      await assert.rejects(r.client.getState(), MalformedResponseError);
      await assert.rejects(r.client.setState('toggle'), MalformedResponseError);
    }
    await r.client.close();
  });
});

describe('callers queued behind a device that cannot be reached share its failure', () => {
  it('10 parallel calls with wrong credentials cost one login attempt; a later call tries again', async () => {
    const dev = await startEmulator({ model: 'L530', port: 0, username: USER, password: 'right' });
    const client = new LampClient({
      host: dev.host,
      port: dev.port,
      username: USER,
      password: 'wrong',
    });
    try {
      const calls = [
        ...Array.from({ length: 5 }, () => client.getState()),
        ...Array.from({ length: 5 }, () => client.setState(true)),
      ];
      for (const call of calls) await assert.rejects(call, AuthenticationError);
      assert.equal(dev.klap.counters.handshake1, 1, 'one login attempt, not one per caller');
      await assert.rejects(client.getState(), AuthenticationError);
      assert.equal(dev.klap.counters.handshake1, 2, 'a call made after the failure tries again');
    } finally {
      await client.close();
      await dev.close();
    }
  });

  it('calls queued behind a hanging device fail with its timeout at once, then it recovers', async () => {
    const dev = await startEmulator({ model: 'L530', port: 0, username: USER, password: PASS });
    const client = new LampClient({
      host: dev.host,
      port: dev.port,
      username: USER,
      password: PASS,
      timeoutMs: 200,
    });
    try {
      dev.klap.faults.hang = true;
      const calls = Array.from({ length: 5 }, () => client.setState({ brightness: 30 }));
      for (const call of calls) await assert.rejects(call, TimeoutError);
      assert.equal(
        dev.klap.counters.handshake1,
        1,
        'the queued calls did not each wait out a timeout',
      );
      dev.klap.faults.hang = false;
      assert.equal((await client.setState({ brightness: 30 })).brightness, 30);
    } finally {
      await client.close();
      await dev.close();
    }
  });

  it('a dropped connection is not shared: it concerns one call, the next one opens a new connection', async () => {
    const dev = await startEmulator({ model: 'L530', port: 0, username: USER, password: PASS });
    const client = new LampClient({
      host: dev.host,
      port: dev.port,
      username: USER,
      password: PASS,
    });
    try {
      await client.open();
      dev.klap.faults.dropConnections = 1 + RETRY_BUDGET.reconnects; // the call and every retry
      const dropped = client.setState({ brightness: 20 });
      // A read queued behind it (commands queued together would merge into the same request).
      const next = client.getState();
      await assert.rejects(dropped, (err: unknown) => (err as LampError).code === 'UNREACHABLE');
      assert.equal((await next).model, 'L530');
      assert.equal((await client.setState({ brightness: 30 })).brightness, 30);
    } finally {
      await client.close();
      await dev.close();
    }
  });

  it('a refused command (device error) is not shared: the next queued call still runs', async () => {
    const r = rig('L530');
    await r.client.open();
    const refused = r.client.request('no_such_method');
    const read = r.client.getState();
    await assert.rejects(refused, DeviceError);
    assert.equal((await read).model, 'L530');
    await r.client.close();
  });
});

describe('connect options', () => {
  it('a missing or blank host is refused before anything is sent (never defaults to localhost)', async () => {
    for (const host of [undefined, '', '   ', 42]) {
      await assert.rejects(
        connect({ host: host as unknown as string, timeoutMs: 200 }),
        (err: unknown) => {
          assert.ok(err instanceof InvalidCommandError, `host ${String(host)}: got ${String(err)}`);
          assert.equal(err.property, 'host');
          assert.match(err.message, /IP address or host name/);
          return true;
        },
      );
    }
  });

  it('a port outside 1–65535 is refused with the allowed range', async () => {
    for (const port of [0, -1, 65536, 80.5, Number.NaN, '80' as unknown as number]) {
      assert.throws(
        () => new LampClient({ host: '127.0.0.1', port }),
        (err: unknown) => {
          assert.ok(err instanceof InvalidCommandError, `port ${String(port)}: got ${String(err)}`);
          assert.equal(err.property, 'port');
          assert.match(err.message, /1 to 65535/);
          return true;
        },
      );
    }
    assert.equal(new LampClient({ host: '127.0.0.1' }).address, '127.0.0.1');
    assert.equal(new LampClient({ host: '127.0.0.1', port: 8080 }).address, '127.0.0.1:8080');
  });
});
