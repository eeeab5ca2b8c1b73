/** Shared test fixtures: emulated devices on 127.0.0.1 only, and an unhandled-rejection guard. */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { after } from 'node:test';
import { KlapServer, type KlapServerOptions } from '../../src/emulator/wire/klap-server';
import { LampError } from '../../src/transport/errors';
import { KlapCipher } from '../../src/transport/klap/cipher';
import { authHash, handshake2Payload, serverHash } from '../../src/transport/klap/hashes';
import { KlapTransport, type KlapTransportOptions } from '../../src/transport/klap/klap-transport';

export const HOST = '127.0.0.1';
export const USER = 'Someone.Home@Example.com';
export const PASS = 'Sup3r secret!';

/** Any unhandled rejection fails the file: the transport must never leak one. */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, [], 'unhandled promise rejections'));

/** Echo device: answers {"echo": <request>}, so every caller can recognise its own reply. */
export const echo = (plaintext: string): string => `{"echo":${plaintext}}`;

export async function startServer(overrides: Partial<KlapServerOptions> = {}): Promise<KlapServer> {
  const server = new KlapServer({
    klap: 2,
    credentials: { mode: 'account', username: USER, password: PASS },
    handler: echo,
    ...overrides,
  });
  await server.start();
  return server;
}

export function clientFor(
  port: number,
  overrides: Partial<KlapTransportOptions> = {},
): KlapTransport {
  return new KlapTransport({ host: HOST, port, username: USER, password: PASS, ...overrides });
}

/** Awaits a rejection and checks it is the expected LampError (class and code), returning it. */
export async function rejectsWith<T extends LampError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
  code: string,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LampError, `expected a LampError, got ${String(error)}`);
    assert.ok(error instanceof type, `expected ${type.name}, got ${error.constructor.name}`);
    assert.equal(error.code, code);
    assert.ok(!error.message.includes(PASS), 'error message leaks the password');
    return error as T;
  }
  assert.fail(`expected ${type.name}, but the promise resolved`);
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ScriptedReply {
  status: number;
  body?: Buffer;
  headers?: http.OutgoingHttpHeaders;
  /** Destroy the socket instead of answering. */
  destroy?: boolean;
}

/**
 * A hand-driven device for replies KlapServer never produces on purpose (missing cookies, odd
 * statuses, broken ciphertext). It performs a correct sha/v2 login unless a hook overrides a step;
 * `onRequest` receives the session cipher and the request's seq to forge precise replies.
 */
export class ScriptedDevice {
  onHandshake1?: (localSeed: Buffer) => ScriptedReply | undefined;
  onHandshake2?: () => ScriptedReply | undefined;
  onRequest?: (cipher: KlapCipher, seq: number, plaintext: string) => ScriptedReply;
  readonly rawRequests: string[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private cipher: KlapCipher | null = null;
  private local = Buffer.alloc(0);
  private remote = Buffer.alloc(0);
  private readonly auth = authHash('sha', USER, PASS);

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, HOST, resolve));
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.rawRequests.push(`${req.method} ${req.url}\n${req.rawHeaders.join('\n')}`);
      const body = Buffer.concat(chunks);
      const send = (reply: ScriptedReply) => {
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? Buffer.alloc(0));
      };
      const path = (req.url ?? '').split('?')[0];
      if (path === '/app/handshake1') {
        const custom = this.onHandshake1?.(body);
        if (custom) return send(custom);
        this.local = body;
        this.remote = randomBytes(16);
        this.cipher = new KlapCipher(this.local, this.remote, this.auth);
        return send({
          status: 200,
          headers: { 'Set-Cookie': 'TP_SESSIONID=00112233445566778899AABBCCDDEEFF;TIMEOUT=86400' },
          body: Buffer.concat([this.remote, serverHash('v2', this.local, this.remote, this.auth)]),
        });
      }
      if (path === '/app/handshake2') {
        const custom = this.onHandshake2?.();
        if (custom) return send(custom);
        const expected = handshake2Payload('v2', this.local, this.remote, this.auth);
        return send({ status: expected.equals(body) ? 200 : 403 });
      }
      const seq = Number(new URL(req.url ?? '', 'http://x').searchParams.get('seq'));
      const cipher = this.cipher as KlapCipher;
      const plaintext = cipher.decrypt(seq, body).toString('utf8');
      const reply = this.onRequest
        ? this.onRequest(cipher, seq, plaintext)
        : { status: 200, body: cipher.encrypt(echo(plaintext), seq) };
      return send(reply);
    });
  }
}

/** A TCP relay that records every byte the client sends, to check headers on the wire. */
export async function recordingProxy(
  targetPort: number,
): Promise<{ port: number; sent: () => string; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, HOST);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent: () => Buffer.concat(chunks).toString('latin1'),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
