/**
 * HttpConnection: one keep-alive HTTP/1.1 connection to one device, for the HTTP transports
 * (KLAP, AES, TPAP), which send one request at a time to the same host and port.
 *
 * Why not node:http: its agent, ClientRequest and parser machinery cost more CPU per request
 * than the device's own cipher work, and a lamp needs none of it: one socket, one request in
 * flight, a Content-Length (or chunked) reply. Each request is written in a single write with
 * Title-Case headers (some firmware wants them) and never an empty header.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  ClosedError,
  ConnectionResetError,
  type LampError,
  MalformedResponseError,
  TimeoutError,
} from './errors';
import { type HttpReply, mapNetworkError } from './http';

export interface ConnectionPost {
  path: string;
  body: Buffer;
  /** Headers besides Host, Content-Length and Cookie. */
  headers: Readonly<Record<string, string>>;
  /** TP_SESSIONID value; sent as the only cookie. */
  sessionId?: string;
  timeoutMs: number;
  /** Names the protocol step in messages ("handshake1", ...). */
  step: string;
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

/** A reply being read: headers first, then a body of known length, chunks, or up to close. */
class ReplyReader {
  private buffered: Buffer = Buffer.alloc(0);
  private head: Head | null = null;
  private chunks: Buffer[] = [];
  private received = 0;

  constructor(
    private readonly limit: number,
    /** The connection's last reply head: a device repeats the same head reply after reply. */
    private readonly previous: Head | null = null,
  ) {}

  /** The head read so far (null before it is complete). */
  get readHead(): Head | null {
    return this.head;
  }

  private tooLarge(): Error {
    return new Error(`reply larger than ${this.limit} bytes`);
  }

  /** Adds bytes; returns the whole reply once complete. Throws on malformed input. */
  push(data: Buffer): HttpReply | null {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, data]) : data;
    if (this.buffered.length > this.limit + 16 * 1024) throw this.tooLarge();
    if (!this.head) {
      const end = this.buffered.indexOf(HEADER_END);
      if (end < 0) {
        if (
          this.buffered.length >= 5 &&
          !this.buffered.subarray(0, 5).equals(Buffer.from('HTTP/'))
        ) {
          throw Object.assign(new Error('not an HTTP reply'), { code: 'HPE_INVALID_CONSTANT' });
        }
        return null;
      }
      const text = this.buffered.subarray(0, end).toString('latin1');
      this.head = this.previous?.text === text ? this.previous : parseHead(text);
      this.buffered = this.buffered.subarray(end + 4);
    }
    return this.body();
  }

  /** The connection closed: a close-delimited body ends here; anything else was cut short. */
  closed(): HttpReply | null {
    if (this.head?.rest === 'close') return this.reply(this.buffered);
    return null;
  }

  private body(): HttpReply | null {
    const head = this.head as NonNullable<ReplyReader['head']>;
    if (head.rest === 'length') {
      if (head.length > this.limit) throw this.tooLarge();
      if (this.buffered.length < head.length) return null;
      return this.reply(this.buffered.subarray(0, head.length));
    }
    if (head.rest === 'close') {
      if (this.buffered.length > this.limit) throw this.tooLarge();
      return null;
    }
    // Chunked: size line, data, CRLF … until a zero-size chunk (trailers are not used here).
    for (;;) {
      const lineEnd = this.buffered.indexOf('\r\n');
      if (lineEnd < 0) return null;
      const size = Number.parseInt(this.buffered.subarray(0, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
      if (size === 0) return this.reply(Buffer.concat(this.chunks));
      if (this.received + size > this.limit) throw this.tooLarge();
      if (this.buffered.length < lineEnd + 2 + size + 2) return null;
      this.received += size;
      this.chunks.push(this.buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.buffered = this.buffered.subarray(lineEnd + 2 + size + 2);
    }
  }

  private reply(body: Buffer): HttpReply {
    const head = this.head as Head;
    // Not copied: each socket read arrives in a buffer of its own that nothing else keeps.
    return new Reply(head.status, head.text, body);
  }

  /** Whether the server said it closes the connection after this reply. */
  get closes(): boolean {
    const connection = this.head?.connection;
    return (
      this.head?.rest === 'close' || (typeof connection === 'string' && /close/i.test(connection))
    );
  }
}

/** What reading a reply needs of its head; the other headers are parsed only when asked for. */
interface Head {
  status: number;
  /** The head's text after the status line's start, for the headers (see Reply). */
  text: string;
  rest: 'length' | 'chunked' | 'close';
  length: number;
  connection: string | undefined;
}

/** A reply whose headers are parsed on first use: a request's reply never needs them. */
class Reply implements HttpReply {
  private parsedHeaders: Record<string, string | string[]> | undefined;

  constructor(
    readonly status: number,
    private readonly head: string,
    readonly body: Buffer,
  ) {}

  get headers(): Record<string, string | string[]> {
    this.parsedHeaders ??= parseHeaders(this.head);
    return this.parsedHeaders;
  }
}

/** Every header line after the status line; names lower-case, Set-Cookie as a list. */
function parseHeaders(text: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let start = text.indexOf('\r\n') + 2; start > 1 && start < text.length; ) {
    const end = text.indexOf('\r\n', start);
    const line = end < 0 ? text.slice(start) : text.slice(start, end);
    start = end < 0 ? text.length : end + 2;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'set-cookie') {
      const list = headers[name];
      headers[name] = Array.isArray(list) ? [...list, value] : [value];
      continue;
    }
    headers[name] = value;
  }
  return headers;
}

const LOWER_C = 0x63;
const LOWER_T = 0x74;
/** Space and tab with the 0x20 bit set, as the first-character test below sees them. */
const SPACE = 0x20;
const TAB = 0x29;

/**
 * The status and the framing of a reply: Content-Length, Transfer-Encoding and Connection,
 * found by looking only at lines that may carry them (the others start with other letters).
 */
function parseHead(text: string): Head {
  // "HTTP/1.x NNN": the status sits at a fixed place; anything else is not HTTP.
  const code = text.charCodeAt(9) >= 48 ? Number(text.slice(9, 12)) : Number.NaN;
  if (!text.startsWith('HTTP/1.') || !(code >= 100 && code <= 599)) {
    throw Object.assign(new Error('bad status line'), { code: 'HPE_INVALID_CONSTANT' });
  }
  let rest: Head['rest'] = code === 204 || code === 304 ? 'length' : 'close';
  let length = 0;
  let connection: string | undefined;
  for (let start = text.indexOf('\r\n') + 2; start > 1 && start < text.length; ) {
    const found = text.indexOf('\r\n', start);
    const end = found < 0 ? text.length : found;
    const first = text.charCodeAt(start) | 0x20;
    const from = start;
    start = end + 2;
    if (first !== LOWER_C && first !== LOWER_T && first !== SPACE && first !== TAB) continue;
    const colon = text.indexOf(':', from);
    if (colon <= from || colon > end) continue;
    const name = text.slice(from, colon).trim().toLowerCase();
    if (name === 'content-length') {
      const value = text.slice(colon + 1, end).trim();
      if (rest !== 'chunked' && /^\d+$/.test(value)) {
        rest = 'length';
        length = Number(value);
      }
    } else if (name === 'transfer-encoding') {
      if (/chunked/i.test(text.slice(colon + 1, end))) rest = 'chunked';
    } else if (name === 'connection') {
      connection = text.slice(colon + 1, end).trim();
    }
  }
  return { status: code, text, rest, length, connection };
}

/** The request in flight on a connection, and how to settle it. */
interface Pending {
  readonly socket: net.Socket;
  readonly reader: ReplyReader;
  readonly step: string;
  readonly timeoutMs: number;
  /** performance.now() after which the request has timed out. */
  readonly deadline: number;
  readonly resolve: (reply: HttpReply) => void;
  readonly reject: (error: LampError) => void;
}

export interface HttpConnectionOptions {
  /**
   * HTTPS: TLS 1.2 or later, Node's default ciphers, and the peer's certificate NOT verified
   * (devices present a self-signed one that names no host); its fingerprint is kept instead.
   */
  tls?: boolean;
}

export class HttpConnection {
  private socket: net.Socket | null = null;
  private readonly hostHeader: string;
  private readonly tls: boolean;
  private fingerprint: string | null = null;
  /**
   * The one request in flight. The socket's listeners are attached once, when it opens, and
   * look here: a request costs no listeners, closures or timers of its own.
   */
  private pending: Pending | null = null;
  /**
   * One timer for the connection, not one per request: it fires at the earliest deadline it
   * was armed for, times out the request in flight if that one's deadline has passed, and
   * re-arms for it otherwise. Unreferenced while no request waits, so it keeps no process alive.
   */
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  /** The head of the last reply read whole (see ReplyReader). */
  private lastHead: Head | null = null;
  /** Set by close(): every post from then on fails with ClosedError. */
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly address: string,
    options: HttpConnectionOptions = {},
  ) {
    this.tls = options.tls === true;
    this.hostHeader = port === (this.tls ? 443 : 80) ? host : `${host}:${port}`;
  }

  /** The SHA-256 fingerprint ("AB:CD:…") of the certificate the last TLS connection presented. */
  get certificateFingerprint(): string | null {
    return this.fingerprint;
  }

  private open(): net.Socket {
    const socket = this.tls ? this.openTls() : net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    // Between requests nobody listens: an idle socket the device drops must not crash us.
    socket.on('error', (error: Error) => {
      const pending = this.pending;
      if (pending?.socket === socket) {
        this.finish(pending, mapNetworkError(error, this.address, pending.step));
      }
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      const pending = this.pending;
      if (pending?.socket === socket) this.closedUnder(pending);
    });
    socket.on('data', (data: Buffer) => {
      const pending = this.pending;
      if (pending?.socket === socket) this.received(pending, data);
    });
    this.socket = socket;
    return socket;
  }

  private openTls(): tls.TLSSocket {
    const socket = tls.connect({
      host: this.host,
      port: this.port,
      // A device's self-signed certificate cannot be verified; no SNI for an address.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ...(net.isIP(this.host) ? {} : { servername: this.host }),
    });
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      if (typeof fingerprint === 'string' && fingerprint !== '') this.fingerprint = fingerprint;
    });
    return socket;
  }

  /**
   * For good: the request in flight fails with ClosedError, the socket goes, and so does every
   * later post. (The transport calls it when it closes; no abort signal or listener is needed.)
   */
  close(): void {
    this.closed = true;
    const pending = this.pending;
    if (pending) this.finish(pending, new ClosedError(this.address));
    this.socket?.destroy();
    this.socket = null;
  }

  post(options: ConnectionPost): Promise<HttpReply> {
    const { step } = options;
    const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let head = `POST ${options.path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
    for (const name in options.headers) head += `${name}: ${options.headers[name]}\r\n`;
    head += `Content-Length: ${options.body.length}\r\n`;
    if (options.sessionId) head += `Cookie: TP_SESSIONID=${options.sessionId}\r\n`;
    head += '\r\n';
    // Head and body in one buffer, so that one write (one packet) carries the request.
    const headBytes = Buffer.byteLength(head, 'latin1');
    const request = Buffer.allocUnsafe(headBytes + options.body.length);
    request.write(head, 0, 'latin1');
    options.body.copy(request, headBytes);

    return new Promise<HttpReply>((resolve, reject) => {
      if (this.closed) {
        reject(new ClosedError(this.address));
        return;
      }
      if (this.pending) {
        // The transports queue their requests; a second one here is a bug, not a device fault.
        reject(new MalformedResponseError(this.address, `${step}: a request is still running`));
        return;
      }
      const reused = this.socket !== null;
      let socket: net.Socket;
      try {
        socket = this.socket ?? this.open();
      } catch (error) {
        // An impossible port or host throws at once; it is still "cannot reach", not a crash.
        reject(mapNetworkError(error, this.address, step));
        return;
      }
      const timeoutMs = options.timeoutMs;
      const pending: Pending = {
        socket,
        reader: new ReplyReader(limit, this.lastHead),
        step,
        timeoutMs,
        deadline: performance.now() + timeoutMs,
        resolve,
        reject,
      };
      this.pending = pending;
      this.arm(pending);
      if (reused && (socket.destroyed || !socket.writable)) {
        this.closedUnder(pending);
        return;
      }
      socket.write(request);
    });
  }

  private received(pending: Pending, data: Buffer): void {
    let reply: HttpReply | null;
    try {
      reply = pending.reader.push(data);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.finish(
        pending,
        typeof code === 'string'
          ? mapNetworkError(error, this.address, pending.step)
          : new MalformedResponseError(
              this.address,
              `${pending.step}: ${(error as Error).message}`,
            ),
      );
      return;
    }
    if (reply) this.finish(pending, null, reply);
  }

  /** The socket closed under a request: a close-delimited reply ends, anything else failed. */
  private closedUnder(pending: Pending): void {
    const reply = pending.reader.closed();
    if (reply) this.finish(pending, null, reply);
    // A kept-alive socket the device closed meanwhile, or a reply cut short.
    else this.finish(pending, new ConnectionResetError(this.address, pending.step));
  }

  private finish(pending: Pending, error: LampError | null, reply?: HttpReply): void {
    if (this.pending !== pending) return;
    this.pending = null;
    if (reply) this.lastHead = pending.reader.readHead;
    this.timer?.unref();
    // A failed exchange, or a server that closes: never reuse that socket.
    if (error || pending.reader.closes) {
      pending.socket.destroy();
      if (this.socket === pending.socket) this.socket = null;
    }
    if (error) pending.reject(error);
    else pending.resolve(reply as HttpReply);
  }

  /** Makes sure the connection's timer fires by `pending`'s deadline (see `timer`). */
  private arm(pending: Pending): void {
    const timer = this.timer;
    if (timer !== undefined && this.timerDue <= pending.deadline) {
      timer.ref();
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    this.timerDue = pending.deadline;
    // Whole milliseconds, the request's own timeout when it just started: Node keeps one list
    // per distinct duration, so every connection's timer shares one.
    const left = Math.ceil(pending.deadline - performance.now());
    this.timer = setTimeout(
      this.expire,
      left >= pending.timeoutMs ? pending.timeoutMs : Math.max(1, left),
    );
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const pending = this.pending;
    if (!pending) return;
    if (performance.now() >= pending.deadline) {
      this.finish(pending, new TimeoutError(this.address, pending.step, pending.timeoutMs));
    } else {
      this.arm(pending);
    }
  };
}
