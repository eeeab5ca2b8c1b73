/**
 * The device side of KLAP over real HTTP, for the emulator and for tests.
 *
 * It behaves like the devices described in notes §8: `Server: SHIP 2.0`, handshake1 always 200
 * with a hash of the device's *own* credentials (wrong client credentials are only noticed by
 * the client), 403 for bad handshake2 proofs and unknown sessions, 400 for malformed cookies,
 * and responses signed like requests with the request's seq. The JSON inside is someone else's
 * business: a `handler` (the device model) maps plaintext request to plaintext reply.
 *
 * `faults` injects the failures real devices and networks produce, one switch each, so the
 * client's recovery paths can be tested against real sockets.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { KASA_DEFAULT } from '../transport/credentials';
import { CipherError, KlapCipher } from '../transport/klap/cipher';
import {
  type AuthKind,
  authHash,
  handshake2Payload,
  type SeedFormula,
  serverHash,
} from '../transport/klap/hashes';
import { searchRemoteSeed } from './klap-seed-search';

/** alternating: the device expects the account and the Kasa default in turn, one per login. */
export type CredentialMode = 'account' | 'kasa-default' | 'blank' | 'alternating';

export interface KlapServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** 1 = md5 auth hash + v1 formula (Kasa IOT), 2 = sha auth hash + v2 formula (Tapo). */
  klap: 1 | 2;
  /** Overrides the auth hash kind, e.g. md5 with klap 2 for the md5 + v2-formula combination. */
  authKind?: AuthKind;
  credentials: { mode: CredentialMode; username?: string; password?: string };
  /** The device model: JSON request in, JSON reply out. */
  handler: (plaintext: string) => string | Promise<string>;
  /** TIMEOUT in the cookie and the server-side session lifetime, seconds. Default 86400. */
  sessionTimeoutSeconds?: number;
  /** Sessions kept at once; the least recently used is dropped beyond this. Default 16. */
  maxSessions?: number;
  /**
   * Tests only: chooses the remote seed for a given local seed (default: random). With a client
   * whose local seed is fixed too, a test can replay a precomputed session, e.g. one whose
   * initial seq sits right below 2^31-1, without brute force at run time.
   */
  remoteSeed?: (localSeed: Buffer) => Buffer;
}

/** Failures to inject. Mutable: tests flip fields between requests. */
export interface KlapFaults {
  /** Delay before every answer, ms. */
  latencyMs: number;
  /** Accept requests but never answer (until stop/close). */
  hang: boolean;
  /** Destroy the socket of the next N /app/request without answering. */
  dropConnections: number;
  /** Answer handshake1 with this status and an empty body (403 = Third-Party Compatibility off). */
  handshake1Status: number | null;
  /** Answer handshake1 200 with a body shorter than 48 bytes. */
  shortHandshake: boolean;
  /** Corrupt the signature of every response. */
  forgeSignature: boolean;
  /** Answer the next N requests with an encrypted {"error_code":9999} and forget that session. */
  sessionTimeoutError: number;
  /** Answer the next N requests 403 and forget that session (superseded / expired session). */
  expireSessions: number;
  /** Forget the session after every answered request (HS110 "SHIP 2.0" quirk, notes §1.12). */
  invalidateAfterEachRequest: boolean;
  /** When > 0, pick remote seeds so the client's initial seq is within this of 2^31-1. */
  seqNearLimit: number;
  /** Close the TCP connection after every answer, as P100 plugs do (notes §1.13, §7 #8). */
  closeConnections: boolean;
}

export function defaultFaults(): KlapFaults {
  return {
    latencyMs: 0,
    hang: false,
    dropConnections: 0,
    handshake1Status: null,
    shortHandshake: false,
    forgeSignature: false,
    sessionTimeoutError: 0,
    expireSessions: 0,
    invalidateAfterEachRequest: false,
    seqNearLimit: 0,
    closeConnections: false,
  };
}

export interface KlapServerCounters {
  /** handshake1 requests received. */
  handshake1: number;
  /** Completed logins (handshake2 accepted). */
  handshakes: number;
  /** /app/request requests received. */
  requests: number;
  /** TCP connections accepted. */
  connections: number;
}

interface ServerSession {
  readonly localSeed: Buffer;
  readonly remoteSeed: Buffer;
  readonly authHash: Buffer;
  readonly formula: SeedFormula;
  readonly cipher: KlapCipher;
  established: boolean;
  /** Monotonic ms. */
  readonly expiresAt: number;
}

const ROOT_PAGE = '<html><body><center>200 OK</center></body></html>';
const MAX_BODY_BYTES = 64 * 1024;
const SESSION_COOKIE = /(?:^|;)\s*TP_SESSIONID=([0-9A-F]{32})\s*(?:;|$)/;

export class KlapServer {
  faults: KlapFaults = defaultFaults();
  counters: KlapServerCounters = { handshake1: 0, handshakes: 0, requests: 0, connections: 0 };
  /** Initial seq of the most recent session (diagnostics for sequence-limit tests). */
  lastInitialSeq: number | null = null;
  /** seq of the most recent request that passed its signature check. */
  lastSeq: number | null = null;

  private readonly options: KlapServerOptions;
  private readonly formula: SeedFormula;
  private readonly authKind: AuthKind;
  private readonly timeoutSeconds: number;
  private readonly maxSessions: number;
  private readonly sessions = new Map<string, ServerSession>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: http.Server | null = null;
  private boundPort: number;
  private logins = 0;
  private closed = false;

  constructor(options: KlapServerOptions) {
    this.options = options;
    this.formula = options.klap === 1 ? 'v1' : 'v2';
    this.authKind = options.authKind ?? (options.klap === 1 ? 'md5' : 'sha');
    this.timeoutSeconds = options.sessionTimeoutSeconds ?? 86400;
    this.maxSessions = Math.max(1, options.maxSessions ?? 16);
    this.boundPort = options.port ?? 0;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The listening port (the ephemeral one once started); kept across stop()/start(). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Listens (again). After stop() it reuses the same port, like a device plugged back in. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('KlapServer was closed');
    if (this.server) return;
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.counters.connections += 1;
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Client sockets that vanish mid-request must not crash the emulator.
    server.on('clientError', (_error, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
  }

  /** Stops listening, drops connections and sessions; start() resumes on the same port (unplug). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.forgetSessions();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Forgets every session, as a reboot does. */
  forgetSessions(): void {
    this.sessions.clear();
  }

  // ---- routing -------------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.sendDate = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        this.reply(res, 413);
        return;
      }
      this.route(req, res, Buffer.concat(chunks)).catch(() => {
        // A handler failure is an emulator bug, answered like a device in trouble.
        if (!res.headersSent) this.reply(res, 500);
      });
    });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? '/', 'http://device');
    const path = url.pathname;
    const isRequest = req.method === 'POST' && path === '/app/request';
    if (path === '/app/handshake1' && req.method === 'POST') this.counters.handshake1 += 1;
    if (isRequest) this.counters.requests += 1;

    if (this.faults.hang) return; // the socket stays open until stop()/close()
    if (isRequest && this.faults.dropConnections > 0) {
      this.faults.dropConnections -= 1;
      req.socket.destroy();
      return;
    }
    if (this.faults.latencyMs > 0) await this.delay(this.faults.latencyMs);

    if (req.method === 'GET' && path === '/') {
      this.reply(res, 200, ROOT_PAGE);
      return;
    }
    if (req.method !== 'POST') {
      this.reply(res, 404);
      return;
    }
    switch (path) {
      case '/app':
        // A KLAP device answers plain (AES-era) JSON with "method not supported".
        this.reply(res, 200, '{"error_code":1003}', 'application/json');
        return;
      case '/app/handshake1':
        await this.handshake1(res, body);
        return;
      case '/app/handshake2':
        this.handshake2(req, res, body);
        return;
      case '/app/request':
        await this.request(req, res, url, body);
        return;
      default:
        this.reply(res, 404);
    }
  }

  private reply(
    res: http.ServerResponse,
    status: number,
    body: string | Buffer = '',
    contentType = 'text/html',
    extra: http.OutgoingHttpHeaders = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, {
      Server: 'SHIP 2.0',
      'Content-Type': contentType,
      'Content-Length': String(payload.length),
      ...(this.faults.closeConnections ? { Connection: 'close' } : {}),
      ...extra,
    });
    res.end(payload);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // ---- credentials ---------------------------------------------------------------------------

  /** The credentials the device expects for the login that starts now. */
  private currentCredentials(): { username: string; password: string } {
    const { mode, username = '', password = '' } = this.options.credentials;
    switch (mode) {
      case 'account':
        return { username, password };
      case 'kasa-default':
        return { ...KASA_DEFAULT };
      case 'blank':
        return { username: '', password: '' };
      case 'alternating':
        return this.logins % 2 === 0 ? { username, password } : { ...KASA_DEFAULT };
    }
  }

  // ---- handshakes ----------------------------------------------------------------------------

  private async handshake1(res: http.ServerResponse, localSeed: Buffer): Promise<void> {
    if (this.faults.handshake1Status !== null) {
      this.reply(res, this.faults.handshake1Status);
      return;
    }
    if (localSeed.length !== 16) {
      this.reply(res, 400);
      return;
    }
    const creds = this.currentCredentials();
    this.logins += 1;
    const auth = authHash(this.authKind, creds.username, creds.password);
    const remoteSeed = await this.chooseRemoteSeed(localSeed, auth);
    const cipher = new KlapCipher(localSeed, remoteSeed, auth);
    this.lastInitialSeq = cipher.initialSeq;

    const id = randomBytes(16).toString('hex').toUpperCase();
    this.remember(id, {
      localSeed,
      remoteSeed,
      authHash: auth,
      formula: this.formula,
      cipher,
      established: false,
      expiresAt: performance.now() + this.timeoutSeconds * 1000,
    });

    let body = Buffer.concat([remoteSeed, serverHash(this.formula, localSeed, remoteSeed, auth)]);
    if (this.faults.shortHandshake) body = body.subarray(0, 40);
    this.reply(res, 200, body, 'text/html', {
      'Set-Cookie': `TP_SESSIONID=${id};TIMEOUT=${this.timeoutSeconds}`,
    });
  }

  private async chooseRemoteSeed(localSeed: Buffer, auth: Buffer): Promise<Buffer> {
    if (this.faults.seqNearLimit > 0) {
      const window = this.faults.seqNearLimit;
      return searchRemoteSeed(localSeed, auth, window, undefined, () => !this.listening);
    }
    return this.options.remoteSeed?.(localSeed) ?? randomBytes(16);
  }

  private handshake2(req: http.IncomingMessage, res: http.ServerResponse, proof: Buffer): void {
    const id = sessionIdOf(req);
    if (!id) {
      this.reply(res, 400, 'Bad Request - Invalid Header');
      return;
    }
    const session = this.lookup(id);
    if (!session) {
      this.reply(res, 403);
      return;
    }
    const expected = handshake2Payload(
      session.formula,
      session.localSeed,
      session.remoteSeed,
      session.authHash,
    );
    if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) {
      this.sessions.delete(id);
      this.reply(res, 403);
      return;
    }
    session.established = true;
    this.counters.handshakes += 1;
    this.reply(res, 200);
  }

  // ---- encrypted requests --------------------------------------------------------------------

  private async request(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    // hw 2.0 firmware answers an empty Cookie header with its HTML root page (notes §1.1).
    if (req.headers.cookie === '') {
      this.reply(res, 200, ROOT_PAGE);
      return;
    }
    const id = sessionIdOf(req);
    const seq = parseSeq(url.searchParams.get('seq'));
    if (!id || seq === null) {
      this.reply(res, 400);
      return;
    }
    const session = this.lookup(id);
    if (!session?.established) {
      this.reply(res, 403);
      return;
    }
    if (this.faults.expireSessions > 0) {
      this.faults.expireSessions -= 1;
      this.sessions.delete(id);
      this.reply(res, 403);
      return;
    }
    let plaintext: string;
    try {
      plaintext = session.cipher.decrypt(seq, body).toString('utf8');
      this.lastSeq = seq;
    } catch (error) {
      if (error instanceof CipherError) {
        this.reply(res, 400);
        return;
      }
      throw error;
    }

    let answer: string;
    if (this.faults.sessionTimeoutError > 0) {
      this.faults.sessionTimeoutError -= 1;
      this.sessions.delete(id);
      answer = '{"error_code":9999}';
    } else {
      answer = await this.options.handler(plaintext);
    }
    const sealed = session.cipher.encrypt(answer, seq);
    if (this.faults.forgeSignature) sealed[0] = (sealed[0] as number) ^ 0xff;
    if (this.faults.invalidateAfterEachRequest) this.sessions.delete(id);
    this.reply(res, 200, sealed, 'text/html');
  }

  // ---- session store (LRU) -------------------------------------------------------------------

  private remember(id: string, session: ServerSession): void {
    this.sessions.set(id, session);
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  /** A live session, refreshed as most recently used; expired ones are dropped. */
  private lookup(id: string): ServerSession | null {
    const session = this.sessions.get(id);
    if (!session) return null;
    this.sessions.delete(id);
    if (performance.now() >= session.expiresAt) return null;
    this.sessions.set(id, session);
    return session;
  }
}

function sessionIdOf(req: http.IncomingMessage): string | null {
  const cookie = req.headers.cookie;
  if (typeof cookie !== 'string') return null;
  return SESSION_COOKIE.exec(cookie)?.[1] ?? null;
}

/** The seq query parameter as a signed int32, or null when absent or out of range. */
function parseSeq(raw: string | null): number | null {
  if (raw === null || !/^-?\d{1,10}$/.test(raw)) return null;
  const seq = Number(raw);
  return seq >= -0x80000000 && seq <= 0x7fffffff ? seq : null;
}
