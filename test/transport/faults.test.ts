/** Every KlapServer fault, and every malformed reply, mapped to its typed error (or recovered). */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KlapServer } from '../../src/emulator/wire/klap-server';
import {
  AuthenticationError,
  ConnectionResetError,
  HandshakeError,
  IntegrityError,
  MalformedResponseError,
  NotKlapError,
  SessionExpiredError,
  ThirdPartyCompatibilityError,
  TimeoutError,
  UnreachableError,
} from '../../src/transport/errors';
import type { KlapTransport } from '../../src/transport/klap/klap-transport';
import { RETRY_BUDGET } from '../../src/transport/session-transport';
import { clientFor, echo, rejectsWith, ScriptedDevice, startServer } from './helpers';

async function scenario(
  body: (server: KlapServer, client: KlapTransport) => Promise<void>,
  timeoutMs = 2000,
): Promise<void> {
  const server = await startServer();
  const client = clientFor(server.port, { timeoutMs });
  try {
    await body(server, client);
  } finally {
    await client.close();
    await server.close();
  }
}

const isDead = (reply: string) => /"error_code":(9999|-40401)\b/.test(reply);

describe('KlapServer faults', () => {
  it('latency within the timeout is fine', () =>
    scenario(async (server, client) => {
      server.faults.latencyMs = 30;
      assert.equal(await client.send('{"l":1}'), echo('{"l":1}'));
    }));

  it('latency beyond the timeout is a TimeoutError naming the step, then recovery', () =>
    scenario(async (server, client) => {
      server.faults.latencyMs = 400;
      const error = await rejectsWith(client.send('{}'), TimeoutError, 'TIMEOUT');
      assert.match(error.message, /handshake1 within 100 ms/);
      server.faults.latencyMs = 0;
      assert.equal(await client.send('{"l":2}'), echo('{"l":2}'));
    }, 100));

  it('a hanging device times out at handshake and at request; the next send logs in anew', () =>
    scenario(async (server, client) => {
      server.faults.hang = true;
      await rejectsWith(client.send('{}'), TimeoutError, 'TIMEOUT');
      server.faults.hang = false;
      await client.send('{"h":1}');
      server.faults.hang = true;
      const error = await rejectsWith(client.send('{}'), TimeoutError, 'TIMEOUT');
      assert.match(error.message, /the request/);
      server.faults.hang = false;
      assert.equal(await client.send('{"h":2}'), echo('{"h":2}'));
      assert.equal(client.stats.logins, 2, 'a timeout mid-session starts clean');
    }, 150));

  it('one dropped connection is retried once without a new login', () =>
    scenario(async (server, client) => {
      await client.send('{"d":0}');
      server.faults.dropConnections = 1;
      assert.equal(await client.send('{"d":1}'), echo('{"d":1}'));
      assert.equal(client.stats.logins, 1);
      assert.equal(server.counters.requests, 3);
    }));

  it('dropped connections within the budget (3) are retried, still without a new login', () =>
    scenario(async (server, client) => {
      await client.send('{"d":0}');
      server.faults.dropConnections = RETRY_BUDGET.reconnects;
      assert.equal(await client.send('{"d":1}'), echo('{"d":1}'));
      assert.equal(client.stats.logins, 1);
      assert.equal(server.counters.requests, 2 + RETRY_BUDGET.reconnects);
    }));

  it('one more dropped connection than the budget surfaces as ConnectionResetError', () =>
    scenario(async (server, client) => {
      await client.send('{"d":0}');
      server.faults.dropConnections = RETRY_BUDGET.reconnects + 1;
      const error = await rejectsWith(client.send('{}'), ConnectionResetError, 'UNREACHABLE');
      assert.ok(error instanceof UnreachableError);
      assert.equal(error.transient, true);
      assert.equal(server.counters.requests, 2 + RETRY_BUDGET.reconnects, 'no retry past it');
      assert.equal(await client.send('{"d":2}'), echo('{"d":2}'));
    }));

  it('handshake1 403 means Third-Party Compatibility is off', () =>
    scenario(async (server, client) => {
      server.faults.handshake1Status = 403;
      const error = await rejectsWith(
        client.send('{}'),
        ThirdPartyCompatibilityError,
        'THIRD_PARTY_DISABLED',
      );
      assert.match(error.message, /Third-Party Compatibility/);
    }));

  it('handshake1 404 means the device does not speak KLAP', () =>
    scenario(async (server, client) => {
      server.faults.handshake1Status = 404;
      await rejectsWith(client.send('{}'), NotKlapError, 'NOT_KLAP');
    }));

  it('any other handshake1 status is a HandshakeError', () =>
    scenario(async (server, client) => {
      server.faults.handshake1Status = 500;
      const error = await rejectsWith(client.send('{}'), HandshakeError, 'HANDSHAKE_FAILED');
      assert.match(error.message, /HTTP 500/);
    }));

  it('a short handshake1 body is malformed', () =>
    scenario(async (server, client) => {
      server.faults.shortHandshake = true;
      await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
    }));

  it('a forged response signature is an IntegrityError; the next send starts clean', () =>
    scenario(async (server, client) => {
      server.faults.forgeSignature = true;
      await rejectsWith(client.send('{}'), IntegrityError, 'INTEGRITY');
      server.faults.forgeSignature = false;
      assert.equal(await client.send('{"f":1}'), echo('{"f":1}'));
      assert.equal(client.stats.logins, 2);
    }));

  it('an in-payload session timeout (9999) is retried once with a fresh login', () =>
    scenario(async (server, client) => {
      await client.send('{"x":0}');
      server.faults.sessionTimeoutError = 1;
      assert.equal(await client.send('{"x":1}', { sessionDead: isDead }), echo('{"x":1}'));
      assert.equal(client.stats.logins, 2);
    }));

  it('in-payload session timeouts right after fresh logins are retried within the budget', () =>
    scenario(async (server, client) => {
      await client.send('{"x":0}', { sessionDead: isDead });
      server.faults.sessionTimeoutError = RETRY_BUDGET.relogins;
      assert.equal(await client.send('{"x":1}', { sessionDead: isDead }), echo('{"x":1}'));
      assert.equal(client.stats.logins, 1 + RETRY_BUDGET.relogins);
    }));

  it('one more in-payload session timeout than the budget is a SessionExpiredError', () =>
    scenario(async (server, client) => {
      server.faults.sessionTimeoutError = 1 + RETRY_BUDGET.relogins;
      await rejectsWith(
        client.send('{}', { sessionDead: isDead }),
        SessionExpiredError,
        'SESSION_EXPIRED',
      );
      assert.equal(await client.send('{"x":2}', { sessionDead: isDead }), echo('{"x":2}'));
    }));

  it('without a sessionDead predicate the device reply is returned as is', () =>
    scenario(async (server, client) => {
      server.faults.sessionTimeoutError = 1;
      assert.equal(await client.send('{}'), '{"error_code":9999}');
    }));

  it('a throwing sessionDead predicate does not spoil a good reply', () =>
    scenario(async (_server, client) => {
      const reply = await client.send('{"t":1}', {
        sessionDead: () => {
          throw new Error('bug in the caller');
        },
      });
      assert.equal(reply, echo('{"t":1}'));
    }));

  it('one expired session (403) is renewed transparently', () =>
    scenario(async (server, client) => {
      await client.send('{"e":0}');
      server.faults.expireSessions = 1;
      assert.equal(await client.send('{"e":1}'), echo('{"e":1}'));
      assert.equal(client.stats.logins, 2);
    }));

  it('403 again right after a fresh login is renewed again, within the budget', () =>
    scenario(async (server, client) => {
      await client.send('{"e":0}');
      server.faults.expireSessions = RETRY_BUDGET.relogins;
      assert.equal(await client.send('{"e":1}'), echo('{"e":1}'));
      assert.equal(client.stats.logins, 1 + RETRY_BUDGET.relogins);
    }));

  it('403 after every fresh login of the budget is a SessionExpiredError', () =>
    scenario(async (server, client) => {
      await client.send('{"e":0}');
      server.faults.expireSessions = 1 + RETRY_BUDGET.relogins;
      const error = await rejectsWith(client.send('{}'), SessionExpiredError, 'SESSION_EXPIRED');
      assert.match(error.message, /HTTP 403/);
    }));

  it('a device that invalidates its session after every request still answers every call', () =>
    scenario(async (server, client) => {
      server.faults.invalidateAfterEachRequest = true;
      for (let i = 0; i < 4; i += 1) {
        assert.equal(await client.send(`{"i":${i}}`), echo(`{"i":${i}}`));
      }
      assert.equal(client.stats.logins, 4);
    }));

  it('a reboot (forgotten sessions) is recovered transparently', () =>
    scenario(async (server, client) => {
      await client.send('{"r":0}');
      server.forgetSessions();
      assert.equal(await client.send('{"r":1}'), echo('{"r":1}'));
      assert.equal(client.stats.logins, 2);
    }));
});

describe('malformed replies from a scripted device', () => {
  async function scripted(
    setup: (device: ScriptedDevice) => void,
    body: (client: KlapTransport, device: ScriptedDevice) => Promise<void>,
  ): Promise<void> {
    const device = await new ScriptedDevice().start();
    setup(device);
    const client = clientFor(device.port, { timeoutMs: 2000 });
    try {
      await body(client, device);
    } finally {
      await client.close();
      await device.close();
    }
  }

  it('the scripted device works unmodified (baseline)', () =>
    scripted(
      () => {},
      async (client) => assert.equal(await client.send('{"b":1}'), echo('{"b":1}')),
    ));

  it('handshake1 without a session cookie', () =>
    scripted(
      (d) => {
        d.onHandshake1 = () => ({ status: 200, body: Buffer.alloc(48) });
      },
      async (client) => {
        await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
      },
    ));

  it('handshake1 with a cookie unsafe to send back', () =>
    scripted(
      (d) => {
        d.onHandshake1 = () => ({
          status: 200,
          headers: { 'Set-Cookie': 'TP_SESSIONID=a"b\\c;TIMEOUT=86400' },
          body: Buffer.alloc(48),
        });
      },
      async (client) => {
        await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
      },
    ));

  it('handshake1 whose hash matches no credential', () =>
    scripted(
      (d) => {
        d.onHandshake1 = () => ({
          status: 200,
          headers: { 'Set-Cookie': ['TIMEOUT=60', 'TP_SESSIONID=ABCDEF'] },
          body: Buffer.alloc(48, 7),
        });
      },
      async (client) => {
        await rejectsWith(client.send('{}'), AuthenticationError, 'AUTH_FAILED');
      },
    ));

  it('handshake2 refused (403) is a HandshakeError', () =>
    scripted(
      (d) => {
        d.onHandshake2 = () => ({ status: 403 });
      },
      async (client) => {
        const error = await rejectsWith(client.send('{}'), HandshakeError, 'HANDSHAKE_FAILED');
        assert.match(error.message, /handshake2 answered HTTP 403/);
      },
    ));

  it('a request answered with an unexpected status', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({ status: 500 });
      },
      async (client) => {
        const error = await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
        assert.match(error.message, /HTTP 500/);
      },
    ));

  it('401 every time is a SessionExpiredError after exactly the budget of fresh logins', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({ status: 401 });
      },
      async (client, device) => {
        await rejectsWith(client.send('{}'), SessionExpiredError, 'SESSION_EXPIRED');
        const logins = device.rawRequests.filter((r) => r.startsWith('POST /app/handshake2'));
        assert.equal(logins.length, 1 + RETRY_BUDGET.relogins);
      },
    ));

  it('a body too short to hold a signature', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({ status: 200, body: Buffer.alloc(10) });
      },
      async (client) => {
        const error = await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
        assert.match(error.message, /cannot hold a signature/);
      },
    ));

  it('an empty 200 reply', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({ status: 200 });
      },
      async (client) => {
        await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
      },
    ));

  it('the HTML page some firmware sends instead of a reply fails the integrity check', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({
          status: 200,
          body: Buffer.from('<html><body><center>200 OK</center></body></html>'),
        });
      },
      async (client) => {
        await rejectsWith(client.send('{}'), IntegrityError, 'INTEGRITY');
      },
    ));

  it('a correctly signed ciphertext that is not whole blocks', () =>
    scripted(
      (d) => {
        d.onRequest = (cipher, seq) => {
          const ct = Buffer.alloc(20, 1);
          return { status: 200, body: Buffer.concat([cipher.signature(seq, ct), ct]) };
        };
      },
      async (client) => {
        const error = await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
        assert.match(error.message, /whole blocks/);
      },
    ));

  it('a correctly signed ciphertext with bad padding', () =>
    scripted(
      (d) => {
        d.onRequest = (cipher, seq) => {
          const ct = Buffer.alloc(32, 0x42);
          return { status: 200, body: Buffer.concat([cipher.signature(seq, ct), ct]) };
        };
      },
      async (client) => {
        const error = await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
        assert.match(error.message, /padding/);
      },
    ));

  it('a reply encrypted with another seq is caught by the signature', () =>
    scripted(
      (d) => {
        d.onRequest = (cipher, seq, plaintext) => ({
          status: 200,
          body: cipher.encrypt(echo(plaintext), seq + 1),
        });
      },
      async (client) => {
        await rejectsWith(client.send('{}'), IntegrityError, 'INTEGRITY');
      },
    ));

  it('a reply larger than any device would send', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({ status: 200, body: Buffer.alloc(1024 * 1024 + 100) });
      },
      async (client) => {
        const error = await rejectsWith(client.send('{}'), MalformedResponseError, 'MALFORMED');
        assert.match(error.message, /larger than/);
      },
    ));

  it('a connection cut in the middle of every reply is a reset, retried within the budget', () =>
    scripted(
      (d) => {
        d.onRequest = () => ({ status: 200, destroy: true });
      },
      async (client, device) => {
        await rejectsWith(client.send('{}'), ConnectionResetError, 'UNREACHABLE');
        const requests = device.rawRequests.filter((r) => r.startsWith('POST /app/request'));
        assert.equal(requests.length, 1 + RETRY_BUDGET.reconnects);
      },
    ));
});
