/**
 * What every emulated HTTP device shares, whichever protocol its endpoints speak: the
 * `SHIP 2.0` server, its root page, listening and unplugging on a fixed port, and the fault
 * switches that have nothing to do with the protocol (latency, hang, dropped connection, a
 * forced status, closing after each answer). Subclasses (KLAP, AES) route the requests.
 */

import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { listen, shutDown, type WireCounters, type WireFaults, type WireServer } from './faults';

export interface HttpFaults extends WireFaults {
  /** Answer every request with this status and an empty body (after latency). */
  httpStatus: number | null;
}

export interface HttpServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** HTTPS instead of HTTP: the certificate and what the device's TLS allows. */
  tls?: Pick<https.ServerOptions, 'key' | 'cert' | 'ciphers' | 'minVersion' | 'maxVersion'>;
}

/** What a device answers to `GET /` (and to some malformed requests). */
export const ROOT_PAGE = '<html><body><center>200 OK</center></body></html>';
const MAX_BODY_BYTES = 64 * 1024;

export abstract class HttpDeviceServer<F extends HttpFaults, C extends WireCounters>
  implements WireServer
{
  abstract faults: F;
  abstract counters: C;

  private hostName: string;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: http.Server | null = null;
  private boundPort: number;
  private closed = false;
  private readonly tls: HttpServerOptions['tls'];

  protected constructor(options: HttpServerOptions) {
    this.hostName = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.tls = options.tls;
  }

  get host(): string {
    return this.hostName;
  }

  /** The listening port (the ephemeral one once started); kept across stop()/start(). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Takes another address while stopped (a new DHCP lease); start() then listens there. */
  rehost(host: string): void {
    if (this.server) throw new Error('stop the server before it changes address');
    this.hostName = host;
  }

  /** Listens (again). After stop() it reuses the same port, like a device plugged back in. */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`${this.constructor.name} was closed`);
    if (this.server) return;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) =>
      this.onRequest(req, res);
    const server = this.tls
      ? https.createServer({ ...this.tls }, onRequest)
      : http.createServer(onRequest);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.counters.connections += 1;
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Client sockets that vanish mid-request must not crash the emulator.
    server.on('clientError', (_error, socket: Socket) => socket.destroy());
    // A client that fails the TLS handshake (no common cipher, plain HTTP) is simply dropped.
    server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
    this.boundPort = await listen(server, this.boundPort, this.hostName);
    this.server = server;
  }

  /** Stops listening, drops connections and sessions; start() resumes on the same port (unplug). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.forgetSessions();
    await shutDown(server, this.sockets, this.timers);
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Forgets every session, as a reboot does. */
  abstract forgetSessions(): void;

  /**
   * Called once per complete request before any fault applies: count it, and say whether it is
   * a payload request (one carrying a device command), the only kind dropConnections hits.
   */
  protected abstract received(method: string, url: URL): boolean;

  /** For `received`: counts a payload request and passes the verdict on. */
  protected countRequest(isRequest: boolean): boolean {
    if (isRequest) this.counters.requests += 1;
    return isRequest;
  }

  /** Answers one request that got past the generic faults. */
  protected abstract route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void>;

  protected reply(
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

  /** A payload request answered with bytes no client can open; true when the fault fired. */
  protected takeMalformed(res: http.ServerResponse): boolean {
    if (this.faults.malformedReplies <= 0) return false;
    this.faults.malformedReplies -= 1;
    // Seven bytes: shorter than any signature, not base64 JSON, not a cipher block.
    this.reply(res, 200, Buffer.from('\x00garbl\xff', 'latin1'));
    return true;
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
      this.dispatch(req, res, Buffer.concat(chunks)).catch(() => {
        // A handler failure is an emulator bug, answered like a device in trouble.
        if (!res.headersSent) this.reply(res, 500);
      });
    });
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? '/', 'http://device');
    const method = req.method ?? 'GET';
    const payload = this.received(method, url);

    if (this.faults.hang) return; // the socket stays open until stop()/close()
    if (payload && this.faults.dropConnections > 0) {
      this.faults.dropConnections -= 1;
      req.socket.destroy();
      return;
    }
    if (this.faults.latencyMs > 0) await this.delay(this.faults.latencyMs);
    if (this.faults.httpStatus !== null) {
      this.reply(res, this.faults.httpStatus);
      return;
    }
    if (method === 'GET' && url.pathname === '/') {
      this.reply(res, 200, ROOT_PAGE);
      return;
    }
    if (method !== 'POST') {
      this.reply(res, 404);
      return;
    }
    await this.route(req, res, url, body);
  }
}

/** The TP_SESSIONID cookie value (32 upper-case hex), or null when absent or malformed. */
export function sessionIdOf(req: http.IncomingMessage): string | null {
  const cookie = req.headers.cookie;
  if (typeof cookie !== 'string') return null;
  return /(?:^|;)\s*TP_SESSIONID=([0-9A-F]{32})\s*(?:;|$)/.exec(cookie)?.[1] ?? null;
}

/** A fresh session id as devices issue them: 32 upper-case hex digits. */
export function newSessionId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/**
 * Sessions by id with least-recently-used eviction beyond a limit and expiry on lookup, as
 * devices seem to keep a handful of sessions (a new login can evict another client's).
 */
export class SessionStore<S extends { readonly expiresAt: number }> {
  private readonly sessions = new Map<string, S>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.sessions.size;
  }

  set(id: string, session: S): void {
    this.sessions.set(id, session);
    while (this.sessions.size > Math.max(1, this.limit)) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  /** A live session, refreshed as most recently used; expired ones are dropped. */
  get(id: string): S | null {
    const session = this.sessions.get(id);
    if (!session) return null;
    this.sessions.delete(id);
    if (performance.now() >= session.expiresAt) return null;
    this.sessions.set(id, session);
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }
}
