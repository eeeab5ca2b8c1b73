/**
 * What the HTTP transports share besides the connection itself (http-connection.ts): the reply
 * shape, the mapping of network errors to what a user can act on, and the session cookie.
 * Headers go out in Title-Case (some firmware wants it, docs/protocols/klap.md §1), never empty,
 * and the TIMEOUT cookie is never sent back.
 */

import type * as http from 'node:http';
import { ConnectionResetError, type LampError, UnreachableError } from './errors';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

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
  // A copy of its own: a slice would keep the whole reply head alive for the session's life.
  return {
    sessionId: Buffer.from(sessionId, 'latin1').toString('latin1'),
    timeoutSeconds: parseTimeout(timeout),
  };
}

function parseTimeout(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,12}$/.test(raw)) return DEFAULT_SESSION_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (seconds < 1) return DEFAULT_SESSION_TIMEOUT_SECONDS;
  return Math.min(seconds, MAX_SESSION_TIMEOUT_SECONDS);
}
