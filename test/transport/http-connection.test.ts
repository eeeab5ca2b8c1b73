/**
 * HttpConnection against a raw TCP server on 127.0.0.1 that answers exactly the bytes a test
 * gives it: every reply framing (length, chunked, up to close), replies split anywhere, cookies,
 * connection reuse and loss, and what is not HTTP at all.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { LampError } from '../../src/transport/errors';
import { HttpConnection } from '../../src/transport/http-connection';

type Answer = (request: string, socket: net.Socket) => void;

async function server(
  answer: Answer,
): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(buffered)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const request = buffered;
      buffered = '';
      answer(request, socket);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

const post = (c: HttpConnection, extra: Partial<Parameters<HttpConnection['post']>[0]> = {}) =>
  c.post({
    path: '/app',
    body: Buffer.from('{"a":1}'),
    headers: { 'Content-Type': 'application/json' },
    timeoutMs: 1000,
    step: 'the request',
    ...extra,
  });

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('HttpConnection', () => {
  it('writes one request with Title-Case headers and the cookie; reuses the connection', async () => {
    const seen: string[] = [];
    const s = await server((request, socket) => {
      seen.push(request);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    servers.push(s);
    const c = new HttpConnection('127.0.0.1', s.port, `127.0.0.1:${s.port}`);
    for (let i = 0; i < 3; i++) {
      const reply = await post(c, { sessionId: 'ABC' });
      assert.deepEqual([reply.status, reply.body.toString()], [200, 'ok']);
    }
    assert.equal(s.connections(), 1, 'one kept-alive connection');
    assert.match(
      seen[0] as string,
      /^POST \/app HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nContent-Type: application\/json\r\nContent-Length: 7\r\nCookie: TP_SESSIONID=ABC\r\n\r\n\{"a":1\}$/,
    );
    c.close();
  });

  it('reads chunked and close-delimited bodies, replies split anywhere, and every Set-Cookie', async () => {
    let mode = 0;
    const s = await server((_request, socket) => {
      mode += 1;
      if (mode === 1) {
        // Chunked, written a few bytes at a time.
        const bytes =
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: A=1\r\nSet-Cookie: TP_SESSIONID=X;TIMEOUT=60\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n';
        for (let i = 0; i < bytes.length; i += 7) socket.write(bytes.slice(i, i + 7));
      } else {
        socket.end('HTTP/1.0 200 OK\r\n\r\nuntil close');
      }
    });
    servers.push(s);
    const c = new HttpConnection('127.0.0.1', s.port, 'dev');
    const chunked = await post(c);
    assert.equal(chunked.body.toString(), 'abcde');
    assert.deepEqual(chunked.headers['set-cookie'], ['A=1', 'TP_SESSIONID=X;TIMEOUT=60']);
    const closed = await post(c);
    assert.equal(closed.body.toString(), 'until close');
    c.close();
  });

  it('a kept-alive connection the device dropped is a reset (retried above); the next post reconnects', async () => {
    const s = await server((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    servers.push(s);
    const c = new HttpConnection('127.0.0.1', s.port, 'dev');
    assert.equal((await post(c)).body.toString(), 'ok');
    assert.equal((await post(c)).body.toString(), 'ok');
    assert.equal(s.connections(), 2, 'Connection: close is honoured');

    const cut = await server((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort');
    });
    servers.push(cut);
    const d = new HttpConnection('127.0.0.1', cut.port, 'dev');
    await assert.rejects(
      post(d),
      (e) => e instanceof LampError && (e as { transient?: boolean }).transient === true,
    );
  });

  it('not HTTP, too large, silent, closed by us, or an impossible port: a LampError each', async () => {
    const s = await server((request, socket) => {
      if (request.includes('/junk')) socket.write('\xab\xcd garbage that is not HTTP');
      else if (request.includes('/huge'))
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n');
      // /silent: no answer at all
    });
    servers.push(s);
    const c = new HttpConnection('127.0.0.1', s.port, 'dev');
    await assert.rejects(
      post(c, { path: '/junk' }),
      (e) => e instanceof LampError && /HPE_/.test(String((e.cause as { code?: string })?.code)),
    );
    await assert.rejects(
      post(c, { path: '/huge' }),
      (e) => e instanceof LampError && e.code === 'MALFORMED' && /larger than/.test(e.message),
    );
    await assert.rejects(
      post(c, { path: '/silent', timeoutMs: 100 }),
      (e) => e instanceof LampError && e.code === 'TIMEOUT',
    );
    // close() ends the request in flight and refuses every later one.
    const closing = new HttpConnection('127.0.0.1', s.port, 'dev');
    const pending = post(closing, { path: '/silent' });
    closing.close();
    await assert.rejects(pending, (e) => e instanceof LampError && e.code === 'CLOSED');
    await assert.rejects(post(closing), (e) => e instanceof LampError && e.code === 'CLOSED');
    const bad = new HttpConnection('127.0.0.1', 70000, 'dev');
    await assert.rejects(post(bad), (e) => e instanceof LampError && e.code === 'UNREACHABLE');
    c.close();
  });
});
