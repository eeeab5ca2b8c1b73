import { record } from '../json';
/**
 * The JSON the secure login and the session exchange, shared by SslAesTransport and the
 * emulated hub: the request bodies, the error codes, and how a handshake 1 reply is read
 * (docs/protocols/sslaes.md §3–§5).
 */

/** Codes the hub answers with, outer `error_code` or inner `data.code`. */
export const SSLAES_CODES = Object.freeze({
  /** Session unknown or ended; also "handshake 1 refused" with an inner code. */
  SESSION_EXPIRED: -40401,
  /** Handshake 1 ready (with a nonce), or handshake 2 refused (wrong digest). */
  INVALID_NONCE: -40413,
  /** Inner: too many wrong digests; `sec_left` says for how long. */
  DEVICE_BLOCKED: -40404,
  /** Inner: the hub does not know this user name. */
  BAD_USERNAME: -40502,
});

/** The default user of cameras and the H200; the password stays the user's own. */
export const DEFAULT_SSLAES_USER = 'admin';

/** The only encrypt_type this secure login speaks. */
export const SECURE_ENCRYPT_TYPE = '3';

export function handshake1Body(cnonce: string, username: string): string {
  return JSON.stringify({
    method: 'login',
    params: { cnonce, encrypt_type: SECURE_ENCRYPT_TYPE, username },
  });
}

export function handshake2Body(cnonce: string, digest: string, username: string): string {
  return JSON.stringify({
    method: 'login',
    params: { cnonce, encrypt_type: SECURE_ENCRYPT_TYPE, digest_passwd: digest, username },
  });
}

export function passthroughBody(sealed: string): string {
  return JSON.stringify({ method: 'securePassthrough', params: { request: sealed } });
}

/** The "less secure" login of older firmware: the MD5 of the password, sent as is. */
export function hashedLoginBody(username: string, md5: string): string {
  return JSON.stringify({ method: 'login', params: { hashed: true, password: md5, username } });
}

/** What a handshake 1 (or 2) reply says, in the order a client must look at it. */
export type Handshake1Reading =
  | { kind: 'ready'; nonce: string; confirm: string }
  | { kind: 'blocked'; secondsLeft: number | null }
  | { kind: 'bad-username' }
  | { kind: 'less-secure'; encryptTypes: string[] }
  | { kind: 'refused'; code: number | null; innerCode: number | null };

/** The inner code: `data.code` at the top (lock-out) or inside `result`. */
function innerOf(reply: Record<string, unknown>): {
  data: Record<string, unknown> | undefined;
  code: number | null;
} {
  const top = record(reply.data);
  const nested = record(record(reply.result)?.data);
  const data = typeof top?.code === 'number' ? top : nested;
  return { data, code: typeof data?.code === 'number' ? data.code : null };
}

/** Reads a parsed login reply defensively: firmware differ in what they put where. */
export function readHandshake1(reply: Record<string, unknown>): Handshake1Reading {
  const code = typeof reply.error_code === 'number' ? reply.error_code : null;
  const inner = innerOf(reply);
  if (inner.code === SSLAES_CODES.DEVICE_BLOCKED) {
    const left = inner.data?.sec_left;
    return {
      kind: 'blocked',
      secondsLeft: typeof left === 'number' && Number.isFinite(left) && left >= 0 ? left : null,
    };
  }
  const data = record(record(reply.result)?.data);
  if (
    code === SSLAES_CODES.INVALID_NONCE &&
    typeof data?.nonce === 'string' &&
    data.nonce !== '' &&
    typeof data.device_confirm === 'string'
  ) {
    return { kind: 'ready', nonce: data.nonce, confirm: data.device_confirm };
  }
  if (inner.code === SSLAES_CODES.BAD_USERNAME) return { kind: 'bad-username' };
  const types = data?.encrypt_type;
  if (
    code === SSLAES_CODES.SESSION_EXPIRED &&
    Array.isArray(types) &&
    types.length > 0 &&
    types.every((t) => typeof t === 'string') &&
    !(types.length === 1 && types[0] === SECURE_ENCRYPT_TYPE)
  ) {
    return { kind: 'less-secure', encryptTypes: types as string[] };
  }
  return { kind: 'refused', code, innerCode: inner.code };
}

/** `/stok=T/ds`: the stok rides in the path, never in a cookie. */
export function sessionPath(stok: string): string {
  return `/stok=${stok}/ds`;
}
