/** KlapTransport against the emulated device side (KlapServer) on 127.0.0.1: logins and sessions. */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { KlapServer } from '../../src/emulator/wire/klap-server';
import {
  AuthenticationError,
  ClosedError,
  SessionExpiredError,
  UnreachableError,
} from '../../src/transport/errors';
import { initialSeqFor, MAX_SEQ } from '../../src/transport/klap/cipher';
import { authHash } from '../../src/transport/klap/hashes';
import type { KlapTransport } from '../../src/transport/klap/klap-transport';
import { RETRY_BUDGET } from '../../src/transport/session-transport';
import {
  clientFor,
  delay,
  echo,
  HOST,
  PASS,
  recordingProxy,
  rejectsWith,
  startServer,
  USER,
} from './helpers';

async function withDevice(
  server: KlapServer,
  client: KlapTransport,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } finally {
    await client.close();
    await server.close();
  }
}

describe('credentials', () => {
  it('logs in with the account credentials', async () => {
    const server = await startServer();
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      assert.equal(await client.send('{"a":1}'), echo('{"a":1}'));
      assert.deepEqual(client.lastLogin, {
        credential: 'account',
        authKind: 'sha',
        formula: 'v2',
        variant: 'KLAP 2 (SHA)',
      });
    });
  });

  it('falls back to the Kasa setup credentials', async () => {
    const server = await startServer({ credentials: { mode: 'kasa-default' } });
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      assert.equal(await client.send('{"a":2}'), echo('{"a":2}'));
      assert.equal(client.lastLogin?.credential, 'kasa-default');
    });
  });

  it('falls back to the Tapo default credentials', async () => {
    const server = await startServer({
      credentials: { mode: 'account', username: 'test@tp-link.net', password: 'test' },
    });
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      assert.equal(await client.send('{"a":3}'), echo('{"a":3}'));
      assert.equal(client.lastLogin?.credential, 'tapo-default');
    });
  });

  it('falls back to blank credentials (device never bound to an account)', async () => {
    const server = await startServer({ klap: 1, credentials: { mode: 'blank' } });
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      assert.equal(await client.send('{"a":4}'), echo('{"a":4}'));
      assert.deepEqual(client.lastLogin, {
        credential: 'blank',
        authKind: 'md5',
        formula: 'v1',
        variant: 'KLAP 1 (MD5)',
      });
    });
  });

  it('works without any account configured', async () => {
    const server = await startServer({ credentials: { mode: 'blank' } });
    const client = clientFor(server.port, { username: undefined, password: undefined });
    await withDevice(server, client, async () => {
      assert.equal(await client.send('{}'), echo('{}'));
      assert.equal(client.lastLogin?.credential, 'blank');
    });
  });

  it('follows a device that alternates between account and Kasa default at every login', async () => {
    const server = await startServer({
      credentials: { mode: 'alternating', username: USER, password: PASS },
    });
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      const seen: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        // Each request finds its session superseded (403), forcing a fresh login.
        if (i > 0) server.faults.expireSessions = 1;
        assert.equal(await client.send(`{"n":${i}}`), echo(`{"n":${i}}`));
        seen.push(client.lastLogin?.credential ?? 'none');
      }
      assert.deepEqual(seen, ['account', 'kasa-default', 'account', 'kasa-default', 'account']);
      assert.equal(client.stats.logins, 5);
    });
  });

  it('is case-sensitive and reports wrong credentials without leaking the password', async () => {
    const server = await startServer();
    const client = clientFor(server.port, { username: USER.toLowerCase() });
    await withDevice(server, client, async () => {
      const error = await rejectsWith(client.send('{}'), AuthenticationError, 'AUTH_FAILED');
      assert.match(error.message, /case-sensitive/);
      assert.equal(server.counters.handshakes, 0, 'no handshake2 after a mismatch');
      assert.equal(client.stats.logins, 0);
    });
  });
});

describe('variants', () => {
  const cases = [
    { name: 'KLAP v1 (md5 + v1)', opts: { klap: 1 as const }, authKind: 'md5', formula: 'v1' },
    { name: 'KLAP v2 (sha + v2)', opts: { klap: 2 as const }, authKind: 'sha', formula: 'v2' },
    {
      name: 'md5 auth hash with the v2 formula',
      opts: { klap: 2 as const, authKind: 'md5' as const },
      authKind: 'md5',
      formula: 'v2',
    },
    {
      name: 'sha auth hash with the v1 formula',
      opts: { klap: 1 as const, authKind: 'sha' as const },
      authKind: 'sha',
      formula: 'v1',
    },
  ];
  for (const variant of cases) {
    it(`speaks ${variant.name}`, async () => {
      const server = await startServer(variant.opts);
      const client = clientFor(server.port);
      await withDevice(server, client, async () => {
        for (let i = 0; i < 3; i += 1) {
          assert.equal(await client.send(`{"v":${i}}`), echo(`{"v":${i}}`));
        }
        assert.equal(client.lastLogin?.authKind, variant.authKind);
        assert.equal(client.lastLogin?.formula, variant.formula);
        assert.deepEqual(client.stats, { logins: 1, requests: 3 });
        const { handshake1, handshakes, requests } = server.counters;
        assert.deepEqual(
          { handshake1, handshakes, requests },
          { handshake1: 1, handshakes: 1, requests: 3 },
        );
      });
    });
  }
});

describe('concurrency', () => {
  it('30 parallel callers on a cold session: one handshake, each gets its own reply', async () => {
    const server = await startServer();
    server.faults.latencyMs = 2; // keep callers overlapping for real
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      const requests = Array.from({ length: 30 }, (_, i) => `{"caller":${i}}`);
      const replies = await Promise.all(requests.map((r) => client.send(r)));
      assert.deepEqual(replies, requests.map(echo));
      assert.equal(server.counters.handshake1, 1);
      assert.equal(server.counters.handshakes, 1);
      assert.deepEqual(client.stats, { logins: 1, requests: 30 });
    });
  });

  it('parallel callers during a forced re-login still all get their own reply', async () => {
    const server = await startServer();
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      await client.send('{"warm":1}');
      server.faults.expireSessions = 1;
      const requests = Array.from({ length: 10 }, (_, i) => `{"k":${i}}`);
      assert.deepEqual(await Promise.all(requests.map((r) => client.send(r))), requests.map(echo));
      assert.equal(client.stats.logins, 2);
    });
  });
});

describe('session lifetime', () => {
  it('renews proactively before TIMEOUT minus the safety margin (monotonic clock)', async () => {
    const server = await startServer();
    let now = 1_000;
    const client = clientFor(server.port, { clock: () => now });
    await withDevice(server, client, async () => {
      await client.send('{"t":0}');
      // TIMEOUT 86400 s, renewed 1200 s early.
      now += (86400 - 1200) * 1000 - 1;
      await client.send('{"t":1}');
      assert.equal(client.stats.logins, 1);
      now += 2;
      assert.equal(await client.send('{"t":2}'), echo('{"t":2}'));
      assert.equal(client.stats.logins, 2);
    });
  });

  it('honours a short TIMEOUT from the cookie', async () => {
    const server = await startServer({ sessionTimeoutSeconds: 1 });
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      await client.send('{"s":0}');
      await delay(600); // past TIMEOUT/2: the client must renew by itself
      assert.equal(await client.send('{"s":1}'), echo('{"s":1}'));
      assert.equal(server.counters.handshake1, 2);
      assert.equal(client.stats.logins, 2);
    });
  });

  it('recovers transparently when the device expired the session first (403)', async () => {
    const server = await startServer({ sessionTimeoutSeconds: 1 });
    const client = clientFor(server.port, { clock: () => 0 }); // the client never ages it
    await withDevice(server, client, async () => {
      await client.send('{"e":0}');
      await delay(1100);
      assert.equal(await client.send('{"e":1}'), echo('{"e":1}'));
      assert.equal(client.stats.logins, 2);
      assert.equal(server.counters.requests, 3, 'one refused request, then the retry');
    });
  });

  it('survives the device being unplugged and plugged back in', async () => {
    const server = await startServer();
    const client = clientFor(server.port, { timeoutMs: 1000 });
    await withDevice(server, client, async () => {
      await client.send('{"p":0}');
      const port = server.port;
      await server.stop();
      await rejectsWith(client.send('{"p":1}'), UnreachableError, 'UNREACHABLE');
      await server.start();
      assert.equal(server.port, port, 'the emulator resumes on the same port');
      assert.equal(await client.send('{"p":2}'), echo('{"p":2}'));
      assert.equal(client.stats.logins, 2);
    });
  });

  it('re-handshakes when the next seq would pass 2^31-1, and keeps answering', async () => {
    // A session replayed from fixed seeds whose initial seq sits 873 below the int32 limit
    // (found offline by trying remote seeds, as the seqNearLimit fault does at run time).
    const local = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const nearLimitRemote = Buffer.from('18adbbd19deaf74830eabbaa7fb88eca', 'hex');
    const initial = initialSeqFor(local, nearLimitRemote, authHash('sha', USER, PASS));
    assert.equal(MAX_SEQ - initial, 873);

    const server = await startServer({
      remoteSeed: (seed) => (seed.equals(local) ? nearLimitRemote : randomBytes(16)),
    });
    let logins = 0;
    const client = clientFor(server.port, {
      localSeed: () => (logins++ === 0 ? local : randomBytes(16)),
    });
    await withDevice(server, client, async () => {
      for (let n = 1; n <= 873; n += 1) {
        assert.equal(await client.send(`{"q":${n}}`), echo(`{"q":${n}}`));
      }
      assert.equal(server.lastSeq, MAX_SEQ, 'the first session used every seq up to 2^31-1');
      assert.equal(client.stats.logins, 1);
      assert.equal(await client.send('{"q":"next"}'), echo('{"q":"next"}'));
      assert.equal(client.stats.logins, 2, 'one new login instead of wrapping');
      assert.equal(server.lastSeq, (server.lastInitialSeq as number) + 1);
      assert.equal(await client.send('{"q":"after"}'), echo('{"q":"after"}'));
    });
  });

  it('the seqNearLimit fault picks remote seeds that start the client near the limit', async () => {
    const server = await startServer();
    server.faults.seqNearLimit = 65536;
    const client = clientFor(server.port, { timeoutMs: 30_000 });
    await withDevice(server, client, async () => {
      assert.equal(await client.send('{"n":1}'), echo('{"n":1}'));
      const initial = server.lastInitialSeq as number;
      assert.ok(MAX_SEQ - initial <= 65536, `initial seq ${initial} is not near the limit`);
      assert.equal(server.lastSeq, initial + 1);
    });
  });
});

describe('close()', () => {
  it('rejects in-flight and queued work with ClosedError, and every later send', async () => {
    const server = await startServer();
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      await client.send('{"c":0}');
      server.faults.hang = true;
      const inFlight = client.send('{"c":1}');
      const queued = client.send('{"c":2}');
      await delay(20);
      await client.close();
      await rejectsWith(inFlight, ClosedError, 'CLOSED');
      await rejectsWith(queued, ClosedError, 'CLOSED');
      await rejectsWith(client.send('{"c":3}'), ClosedError, 'CLOSED');
      await client.close(); // idempotent
      assert.equal(client.isClosed, true);
    });
  });

  it('closing during a handshake rejects with ClosedError', async () => {
    const server = await startServer();
    server.faults.latencyMs = 200;
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      const pending = client.send('{}');
      await delay(20);
      await client.close();
      await rejectsWith(pending, ClosedError, 'CLOSED');
    });
  });
});

describe('wire format', () => {
  it('sends Title-Case headers and only the TP_SESSIONID cookie', async () => {
    const server = await startServer();
    const proxy = await recordingProxy(server.port);
    const client = clientFor(proxy.port);
    try {
      await client.send('{"w":1}');
      await client.send('{"w":2}');
      const wire = proxy.sent();
      assert.match(wire, /POST \/app\/handshake1 HTTP\/1\.1\r\n/);
      assert.match(wire, /POST \/app\/request\?seq=-?\d+ HTTP\/1\.1\r\n/);
      assert.match(wire, /\r\nContent-Type: application\/octet-stream\r\n/);
      assert.match(wire, /\r\nCookie: TP_SESSIONID=[0-9A-F]{32}\r\n/);
      assert.doesNotMatch(wire, /TIMEOUT/);
      assert.doesNotMatch(wire, /\r\n[a-z][A-Za-z-]*:/, 'every header name is Title-Case');
      assert.match(wire, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
      assert.doesNotMatch(wire, /\r\n[A-Za-z-]+:\s*\r\n/, 'no empty header values');
      assert.ok(!wire.includes(PASS) && !wire.includes(USER), 'credentials never travel');
    } finally {
      await client.close();
      await proxy.close();
      await server.close();
    }
  });

  it('talks only to the configured host and port', () => {
    const client = clientFor(8080);
    assert.equal(client.host, HOST);
    assert.equal(client.address, `${HOST}:8080`);
    assert.equal(clientFor(80).address, HOST);
    assert.equal(clientFor(80, { port: undefined }).port, 80);
  });

  it('reports the session as dead again after a fresh login as SessionExpiredError', async () => {
    const server = await startServer({ handler: () => '{"error_code":-40401}' });
    const client = clientFor(server.port);
    await withDevice(server, client, async () => {
      const dead = (reply: string) => reply.includes('-40401');
      await rejectsWith(
        client.send('{}', { sessionDead: dead }),
        SessionExpiredError,
        'SESSION_EXPIRED',
      );
      assert.equal(
        client.stats.logins,
        1 + RETRY_BUDGET.relogins,
        'fresh logins within the retry budget, not more',
      );
    });
  });
});
