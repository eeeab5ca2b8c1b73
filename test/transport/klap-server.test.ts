/** The emulated device side over raw HTTP: statuses, headers and cookies as real devices send them. */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { KlapServer } from '../../src/emulator/wire/klap-server';
import { KlapCipher } from '../../src/transport/klap/cipher';
import { authHash, handshake2Payload, serverHash } from '../../src/transport/klap/hashes';
import { clientFor, echo, HOST, PASS, startServer, USER } from './helpers';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function raw(
  port: number,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookieOf = (reply: Raw) => String(reply.headers['set-cookie']).split(';')[0] as string;

describe('KlapServer HTTP surface', () => {
  let server: KlapServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('GET / answers the SHIP 2.0 root page', async () => {
    const reply = await raw(server.port, 'GET', '/');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.server, 'SHIP 2.0');
    assert.equal(reply.body.toString(), '<html><body><center>200 OK</center></body></html>');
  });

  it('plain JSON POST /app answers error 1003, unknown paths 404', async () => {
    const app = await raw(server.port, 'POST', '/app', Buffer.from('{"method":"handshake"}'));
    assert.equal(app.status, 200);
    assert.deepEqual(JSON.parse(app.body.toString()), { error_code: 1003 });
    assert.equal((await raw(server.port, 'POST', '/nope', Buffer.alloc(0))).status, 404);
    assert.equal((await raw(server.port, 'GET', '/app/request')).status, 404);
  });

  it('handshake1: 400 without a seed; 200, 48 bytes and the session cookie with one', async () => {
    const empty = await raw(server.port, 'POST', '/app/handshake1', Buffer.alloc(0));
    assert.equal(empty.status, 400);
    assert.equal(empty.headers.server, 'SHIP 2.0');
    const local = randomBytes(16);
    const ok = await raw(server.port, 'POST', '/app/handshake1', local);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], 'text/html');
    assert.equal(ok.body.length, 48);
    assert.match(String(ok.headers['set-cookie']), /^TP_SESSIONID=[0-9A-F]{32};TIMEOUT=86400$/);
    const auth = authHash('sha', USER, PASS);
    const remote = ok.body.subarray(0, 16);
    assert.ok(ok.body.subarray(16).equals(serverHash('v2', local, remote, auth)));
  });

  it('handshake2: 400 without a cookie, 403 for a bad proof or unknown session', async () => {
    const local = randomBytes(16);
    const first = await raw(server.port, 'POST', '/app/handshake1', local);
    const cookie = cookieOf(first);
    const noCookie = await raw(server.port, 'POST', '/app/handshake2', Buffer.alloc(32));
    assert.equal(noCookie.status, 400);
    const garbled = await raw(server.port, 'POST', '/app/handshake2', Buffer.alloc(32), {
      Cookie: 'TP_SESSIONID=nothex',
    });
    assert.equal(garbled.status, 400);
    const unknown = await raw(server.port, 'POST', '/app/handshake2', Buffer.alloc(32), {
      Cookie: `TP_SESSIONID=${'0'.repeat(32)}`,
    });
    assert.equal(unknown.status, 403);
    const bad = await raw(server.port, 'POST', '/app/handshake2', Buffer.alloc(32), {
      Cookie: cookie,
    });
    assert.equal(bad.status, 403);
  });

  it('a full login and request by hand; refused before login, with a bad seq or bad signature', async () => {
    const local = randomBytes(16);
    const first = await raw(server.port, 'POST', '/app/handshake1', local);
    const cookie = cookieOf(first);
    const remote = first.body.subarray(0, 16);
    const auth = authHash('sha', USER, PASS);
    const cipher = new KlapCipher(local, remote, auth);
    const seq = cipher.nextSeq() as number;
    const body = cipher.encrypt('{"hand":1}', seq);

    const early = await raw(server.port, 'POST', `/app/request?seq=${seq}`, body, {
      Cookie: cookie,
    });
    assert.equal(early.status, 403, 'not logged in before handshake2');

    const proof = handshake2Payload('v2', local, remote, auth);
    const second = await raw(server.port, 'POST', '/app/handshake2', proof, { Cookie: cookie });
    assert.equal(second.status, 200);
    assert.equal(second.body.length, 0);

    const ok = await raw(server.port, 'POST', `/app/request?seq=${seq}`, body, { Cookie: cookie });
    assert.equal(ok.status, 200);
    assert.equal(cipher.decrypt(seq, ok.body).toString(), echo('{"hand":1}'));

    for (const badSeq of ['', 'abc', '2147483648', '1.5']) {
      const reply = await raw(server.port, 'POST', `/app/request?seq=${badSeq}`, body, {
        Cookie: cookie,
      });
      assert.equal(reply.status, 400, `seq=${badSeq}`);
    }
    const wrongSeq = await raw(server.port, 'POST', `/app/request?seq=${seq + 1}`, body, {
      Cookie: cookie,
    });
    assert.equal(wrongSeq.status, 400, 'signature checked with the seq in the URL');
    const emptyCookie = await raw(server.port, 'POST', `/app/request?seq=${seq}`, body, {
      Cookie: '',
    });
    assert.equal(emptyCookie.status, 200);
    assert.match(emptyCookie.body.toString(), /200 OK/, 'empty header: HTML page, as on hw 2.0');
    const unknown = await raw(server.port, 'POST', `/app/request?seq=${seq}`, body, {
      Cookie: `TP_SESSIONID=${'A'.repeat(32)}`,
    });
    assert.equal(unknown.status, 403);
  });

  it('refuses oversized bodies', async () => {
    const reply = await raw(server.port, 'POST', '/app/handshake1', Buffer.alloc(70 * 1024));
    assert.equal(reply.status, 413);
  });
});

describe('KlapServer lifecycle and options', () => {
  it('keeps at most maxSessions logins, dropping the least recently used', async () => {
    const server = await startServer({ maxSessions: 2 });
    try {
      const cookies: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        cookies.push(cookieOf(await raw(server.port, 'POST', '/app/handshake1', randomBytes(16))));
      }
      // The oldest session is gone (403 for an unknown session), the newest still known.
      const oldest = await raw(server.port, 'POST', '/app/handshake2', Buffer.alloc(32), {
        Cookie: cookies[0] as string,
      });
      assert.equal(oldest.status, 403);
      assert.equal(server.counters.handshake1, 3);
    } finally {
      await server.close();
    }
  });

  it('answers 500 when the device model throws', async () => {
    const { KlapTransport } = await import('../../src/transport/klap/klap-transport');
    const server = await startServer({
      handler: () => {
        throw new Error('model bug');
      },
    });
    const client = new KlapTransport({
      host: HOST,
      port: server.port,
      username: USER,
      password: PASS,
    });
    try {
      await assert.rejects(client.send('{}'), { code: 'MALFORMED', message: /HTTP 500/ });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('start() is idempotent, a closed server cannot restart, an async handler works', async () => {
    const server = new KlapServer({
      klap: 1,
      credentials: { mode: 'kasa-default' },
      handler: async (text) => text,
    });
    assert.equal(server.host, '127.0.0.1');
    await server.start();
    await server.start();
    assert.ok(server.port > 0);
    assert.equal(server.listening, true);
    await server.close();
    assert.equal(server.listening, false);
    await server.stop(); // stopping twice is harmless
    await assert.rejects(server.start(), /closed/);
  });
});

describe('KlapServer shared wire faults', () => {
  it('httpStatus answers every request with that status; malformedReplies the next N', async () => {
    const server = await startServer();
    const client = clientFor(server.port);
    try {
      assert.equal(await client.send('{"a":1}'), echo('{"a":1}'));
      server.faults.malformedReplies = 1;
      await assert.rejects(client.send('{"a":2}'), { code: 'MALFORMED' });
      assert.equal(server.faults.malformedReplies, 0);
      assert.equal(await client.send('{"a":3}'), echo('{"a":3}'));
      server.faults.httpStatus = 503;
      const root = await raw(server.port, 'GET', '/');
      assert.deepEqual([root.status, root.body.length], [503, 0]);
      server.faults.httpStatus = null;
      assert.equal((await raw(server.port, 'GET', '/')).status, 200);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('tapo-default and alternating credentials: the client finds the setup account', async () => {
    for (const mode of ['tapo-default', 'alternating'] as const) {
      const server = await startServer({ credentials: { mode, username: USER, password: PASS } });
      const client = clientFor(server.port);
      try {
        assert.equal(await client.send('{"b":1}'), echo('{"b":1}'), mode);
      } finally {
        await client.close();
        await server.close();
      }
    }
  });
});
