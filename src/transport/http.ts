/**
 * The smallest HTTP client the HTTP transports need (KLAP, AES): POSTs over node:http.
 *
 * Why not fetch/undici: they lower-case header names, and some TP-Link firmware wants
 * Title-Case (docs/protocols/klap.md §1). Only the headers a device expects are sent: never an empty header
 * (hw 2.0 firmware then answers with an HTML page) and never the TIMEOUT cookie.
 */

import * as http from 'node:http';
import {
  ClosedError,
  ConnectionResetError,
  type LampError,
  MalformedResponseError,
  TimeoutError,
  UnreachableError,
} from './errors';

export interface PostOptions {
  agent: http.Agent;
  host: string;
  port: number;
  path: string;
  body: Buffer;
  /** TP_SESSIONID value; sent as the only cookie. */
  sessionId?: string;
  timeoutMs: number;
  /** Names the protocol step in timeout messages ("handshake1", ...). */
  step: string;
  /** Device address for messages (never contains credentials). */
  address: string;
  /** Aborting rejects with ClosedError and drops the socket (transport close()). */
  signal?: AbortSignal;
  /** Replies larger than this are refused; a lamp never sends megabytes. */
  maxResponseBytes?: number;
  /** Headers besides Content-Length and Cookie; default a binary Content-Type (KLAP). */
  headers?: Readonly<Record<string, string>>;
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const BINARY_HEADERS = { 'Content-Type': 'application/octet-stream' };

/** Network failures that mean "the device is not there", with a short human reason. */
const UNREACHABLE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'connection timed out',
};

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Maps a Node network error to the LampError a user can act on. */
export function mapNetworkError(error: unknown, address: string, step: string): LampError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code in UNREACHABLE_REASONS) {
    return new UnreachableError(address, UNREACHABLE_REASONS[code] as string, { cause: error });
  }
  if ((typeof code === 'string' && RESET_CODES.has(code)) || /socket hang up/i.test(message)) {
    return new ConnectionResetError(address, step, { cause: error });
  }
  return new UnreachableError(address, typeof code === 'string' ? code : message, {
    cause: error,
  });
}

/** POSTs `body` and resolves with status, headers and the whole reply body; rejects with a LampError. */
export function postBinary(options: PostOptions): Promise<HttpReply> {
  const { address, step, signal } = options;
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    let request: http.ClientRequest | undefined;

    const finish = (error: LampError | null, reply?: HttpReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        // Drop the socket: a half-read reply must not leak into the next request.
        request?.destroy();
        reject(error);
      } else {
        resolve(reply as HttpReply);
      }
    };
    const onAbort = (): void => finish(new ClosedError(address));
    const timer = setTimeout(
      () => finish(new TimeoutError(address, step, options.timeoutMs)),
      options.timeoutMs,
    );

    if (signal?.aborted) {
      finish(new ClosedError(address));
      return;
    }
    signal?.addEventListener('abort', onAbort);

    // Always a fixed Content-Length: some firmware answers 500 to a chunked body.
    const headers: http.OutgoingHttpHeaders = {
      ...(options.headers ?? BINARY_HEADERS),
      'Content-Length': String(options.body.length),
    };
    if (options.sessionId) headers.Cookie = `TP_SESSIONID=${options.sessionId}`;

    try {
      request = http.request({
        host: options.host,
        port: options.port,
        path: options.path,
        method: 'POST',
        agent: options.agent,
        headers,
      });
    } catch (error) {
      // Invalid host or header values throw synchronously; report them like any other failure.
      finish(mapNetworkError(error, address, step));
      return;
    }

    request.on('error', (error) => finish(mapNetworkError(error, address, step)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          finish(new MalformedResponseError(address, `${step} reply larger than ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => finish(mapNetworkError(error, address, step)));
      response.on('end', () =>
        finish(null, {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
      // A socket closed before 'end' means the reply was cut short.
      response.on('close', () => {
        if (!response.complete) finish(new ConnectionResetError(address, step));
      });
    });
    request.end(options.body);
  });
}

/** The session cookie and its lifetime from handshake1's Set-Cookie header(s). */
export interface SessionCookie {
  sessionId: string;
  /** Seconds, parsed defensively: default 86400, clamped to [1, 7 days]. */
  timeoutSeconds: number;
}

export const DEFAULT_SESSION_TIMEOUT_SECONDS = 86400;
const MAX_SESSION_TIMEOUT_SECONDS = 7 * 86400;
/** RFC 6265 cookie-octets: safe to send back verbatim (no quotes, separators or control bytes). */
const SESSION_ID_PATTERN = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,256}$/;

/**
 * Reads TP_SESSIONID and TIMEOUT wherever they appear: one header "TP_SESSIONID=..;TIMEOUT=..",
 * several headers, any order. Returns null when there is no usable session id.
 */
export function parseSetCookie(header: string | string[] | undefined): SessionCookie | null {
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  let sessionId: string | undefined;
  let timeout: string | undefined;
  for (const line of lines) {
    for (const part of line.split(/[;,]/)) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim().toUpperCase();
      const value = part.slice(eq + 1).trim();
      if (name === 'TP_SESSIONID' && sessionId === undefined) sessionId = value;
      else if (name === 'TIMEOUT' && timeout === undefined) timeout = value;
    }
  }
  if (sessionId === undefined || !SESSION_ID_PATTERN.test(sessionId)) return null;
  return { sessionId, timeoutSeconds: parseTimeout(timeout) };
}

function parseTimeout(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,12}$/.test(raw)) return DEFAULT_SESSION_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (seconds < 1) return DEFAULT_SESSION_TIMEOUT_SECONDS;
  return Math.min(seconds, MAX_SESSION_TIMEOUT_SECONDS);
}
