/** Hardening: shared login failures, connection-closing devices, bad input, odd options. */

import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AuthenticationError,
  InvalidCommandError,
  LampError,
  TimeoutError,
  UnreachableError,
} from '../../src/transport/errors';
import { KlapTransport } from '../../src/transport/klap/klap-transport';
import { clientFor, echo, HOST, rejectsWith, ScriptedDevice, startServer } from './helpers';

describe('login failures are shared by the callers already waiting', () => {
  it('10 callers with wrong credentials cost one handshake attempt', async () => {
    const server = await startServer();
    const client = clientFor(server.port, { password: 'wrong' });
    try {
      const calls = Array.from({ length: 10 }, () => client.send('{}'));
      for (const call of calls) await rejectsWith(call, AuthenticationError, 'AUTH_FAILED');
      assert.equal(server.counters.handshake1, 1);
      // A later send tries again (the user may have fixed the device meanwhile).
      await rejectsWith(client.send('{}'), AuthenticationError, 'AUTH_FAILED');
      assert.equal(server.counters.handshake1, 2);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('callers queued behind a login timeout fail at once instead of each waiting', async () => {
    const server = await startServer();
    server.faults.hang = true;
    const client = clientFor(server.port, { timeoutMs: 150 });
    try {
      const calls = Array.from({ length: 5 }, () => client.send('{}'));
      for (const call of calls) await rejectsWith(call, TimeoutError, 'TIMEOUT');
      assert.equal(server.counters.handshake1, 1);
      server.faults.hang = false;
      assert.equal(await client.send('{"ok":1}'), echo('{"ok":1}'));
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('devices that close the connection after every answer', () => {
  it('keeps one session over fresh connections without spurious errors', async () => {
    const server = await startServer();
    server.faults.closeConnections = true;
    const client = clientFor(server.port);
    try {
      for (let i = 0; i < 12; i += 1) {
        assert.equal(await client.send(`{"c":${i}}`), echo(`{"c":${i}}`));
      }
      const parallel = Array.from({ length: 8 }, (_, i) => `{"p":${i}}`);
      assert.deepEqual(await Promise.all(parallel.map((r) => client.send(r))), parallel.map(echo));
      assert.equal(client.stats.logins, 1);
      assert.equal(server.counters.connections, 22, 'one connection per exchange');
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('input and options', () => {
  it('refuses a non-string request before sending anything', async () => {
    const server = await startServer();
    const client = clientFor(server.port);
    try {
      await rejectsWith(
        client.send(42 as unknown as string),
        InvalidCommandError,
        'INVALID_COMMAND',
      );
      assert.equal(server.counters.handshake1, 0);
      // A null options object is tolerated like an absent one.
      assert.equal(await client.send('{}', null as never), echo('{}'));
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('an impossible port is reported as unreachable, not thrown', async () => {
    const client = new KlapTransport({ host: HOST, port: 70000 });
    try {
      await rejectsWith(client.send('{}'), UnreachableError, 'UNREACHABLE');
    } finally {
      await client.close();
    }
  });

  it('bad timeouts fall back to the default, huge ones are capped', async () => {
    assert.equal(new KlapTransport({ host: HOST, timeoutMs: 0 }).timeoutMs, 5000);
    assert.equal(new KlapTransport({ host: HOST, timeoutMs: Number.NaN }).timeoutMs, 5000);
    assert.equal(new KlapTransport({ host: HOST, timeoutMs: 1e12 }).timeoutMs, 600_000);
    assert.equal(new KlapTransport({ host: HOST, timeoutMs: 1234 }).timeoutMs, 1234);
  });

  it('reset() makes the next send log in again', async () => {
    const server = await startServer();
    const client = clientFor(server.port);
    try {
      await client.send('{}');
      client.reset();
      assert.equal(await client.send('{"r":1}'), echo('{"r":1}'));
      assert.equal(client.stats.logins, 2);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('arbitrary replies never escape as anything but a LampError', () => {
  it('random handshake1 bodies and cookies, random request bodies', async () => {
    const device = await new ScriptedDevice().start();
    const client = clientFor(device.port, { timeoutMs: 2000 });
    const cookies = [
      'TP_SESSIONID=ABC;TIMEOUT=x',
      ';;;=;',
      'TIMEOUT=5',
      'TP_SESSIONID=\u00ff\u00fe',
      'tp_sessionid=1',
    ];
    try {
      for (let round = 0; round < 30; round += 1) {
        const handshakeRound = round < 10;
        device.onHandshake1 = handshakeRound
          ? () => ({
              status: 200,
              headers: { 'Set-Cookie': cookies[round % cookies.length] as string },
              body: randomBytes(randomInt(0, 80)),
            })
          : undefined;
        device.onRequest = () => ({ status: 200, body: randomBytes(randomInt(0, 120)) });
        const outcome = await client.send('{}').then(
          () => null,
          (error: unknown) => error,
        );
        assert.ok(outcome instanceof LampError, `round ${round}: ${String(outcome)}`);
        assert.ok(
          ['MALFORMED', 'INTEGRITY', 'AUTH_FAILED'].includes(outcome.code),
          `round ${round}: ${outcome.code}`,
        );
      }
    } finally {
      await client.close();
      await device.close();
    }
  });
});
