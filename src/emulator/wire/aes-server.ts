/**
 * The device side of AES securePassthrough on the shared HTTP device server.
 *
 * Everything is a JSON POST to /app: `handshake` (the client's RSA public key in, a fresh AES
 * key ‖ IV encrypted to it out, plus the session cookie), then `securePassthrough` carrying
 * `login_device` (which issues a token), then `securePassthrough` to /app?token=… carrying the
 * device commands. Errors come at two levels, as on real firmware: the outer JSON of the HTTP
 * reply (9999 session gone, -1010 key refused) and the inner, encrypted one (-1501 bad login).
 * The JSON of the device commands is the device model's business (`handler`).
 */

import { createPublicKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { AesCipherError, AesSessionCipher } from '../../transport/aes/cipher';
import { type AesLoginVersion, loginParams } from '../../transport/aes/login';
import { encryptHandshakeKey } from '../../transport/aes/rsa';
import { isObject, parseObject } from '../json';
import { type CredentialSettings, type Credentials, expectedCredentials } from './credentials';
import { defaultWireFaults, type PlaintextHandler, type WireCounters } from './faults';
import {
  HttpDeviceServer,
  type HttpFaults,
  type HttpServerOptions,
  newSessionId,
  SessionStore,
  sessionIdOf,
} from './http-server';

/** Codes real AES firmware answers with (outer or inner JSON). */
export const AES_ERRORS = Object.freeze({
  /** Session unknown, expired, or a login retried without a new handshake. */
  SESSION_TIMEOUT: 9999,
  /** Wrong credentials for login_device (inner). */
  LOGIN_FAILED: -1501,
  /** The handshake's public key is not one the device can use (outer). */
  BAD_PUBLIC_KEY: -1010,
  /** The body is not JSON. */
  JSON_DECODE_FAILED: -1003,
  /** Unknown method. */
  UNKNOWN_METHOD: -1002,
  /** The securePassthrough payload did not decrypt with the session key. */
  AES_DECODE_FAILED: -1005,
});

export interface AesServerOptions extends HttpServerOptions {
  /** Which password field login_device must carry: 1 `password`, 2 `password2`. Default 2. */
  loginVersion?: AesLoginVersion;
  /** alternating falls back to Tapo's setup account, the only one AES clients try. */
  credentials: CredentialSettings;
  /** The device model: JSON request in, JSON reply out. */
  handler: PlaintextHandler;
  /** TIMEOUT in the cookie and the server-side session lifetime, seconds. Default 86400. */
  sessionTimeoutSeconds?: number;
  /** Sessions kept at once; the least recently used is dropped beyond this. Default 16. */
  maxSessions?: number;
}

/** Failures to inject: the shared ones (on token requests) plus AES's own. */
export interface AesFaults extends HttpFaults {
  /** Answer the next N token requests with outer 9999 and forget that session (expiry). */
  expireSessions: number;
  /** Answer every handshake with outer -1010, whatever the key. */
  rejectPublicKey: boolean;
  /** Put the device's reply in securePassthrough unencrypted (plain JSON), as some firmware does. */
  plaintextReplies: boolean;
}

export function defaultAesFaults(): AesFaults {
  return {
    ...defaultWireFaults(),
    httpStatus: null,
    expireSessions: 0,
    rejectPublicKey: false,
    plaintextReplies: false,
  };
}

export interface AesServerCounters extends WireCounters {
  /** handshake requests received. */
  handshakes: number;
  /** login_device attempts received (successful or not). */
  logins: number;
}

type SessionState = 'handshaken' | 'login-failed' | 'established';

interface AesSession {
  readonly cipher: AesSessionCipher;
  /** Who may log in on this session (chosen at the handshake). */
  readonly credentials: Credentials;
  state: SessionState;
  token: string | null;
  /** Monotonic ms. */
  readonly expiresAt: number;
}

const RSA_BITS = 1024;

export class AesServer extends HttpDeviceServer<AesFaults, AesServerCounters> {
  faults: AesFaults = defaultAesFaults();
  counters: AesServerCounters = { handshakes: 0, logins: 0, requests: 0, connections: 0 };

  private readonly options: AesServerOptions;
  private readonly loginVersion: AesLoginVersion;
  private readonly timeoutSeconds: number;
  private readonly sessions: SessionStore<AesSession>;
  /**
   * Logins accepted so far: `alternating` switches after each one, not after each handshake,
   * so the credentials a device expects stay put while a client tries its candidates (each on
   * a handshake of its own) and change between sessions, as on real devices.
   */
  private loginsAccepted = 0;

  constructor(options: AesServerOptions) {
    super(options);
    this.options = options;
    this.loginVersion = options.loginVersion ?? 2;
    this.timeoutSeconds = options.sessionTimeoutSeconds ?? 86400;
    this.sessions = new SessionStore(options.maxSessions ?? 16);
  }

  /** The login version this device expects (announced as `lv` in discovery). */
  get expectedLoginVersion(): AesLoginVersion {
    return this.loginVersion;
  }

  forgetSessions(): void {
    this.sessions.clear();
  }

  protected received(method: string, url: URL): boolean {
    // Only commands travel with a token; handshakes and logins are counted once parsed.
    return this.countRequest(
      method === 'POST' && url.pathname === '/app' && url.searchParams.has('token'),
    );
  }

  protected async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    // No /app/handshake1 and friends: an AES-only device does not know KLAP's paths.
    if (url.pathname !== '/app') {
      this.reply(res, 404);
      return;
    }
    const request = parseObject(body.toString('utf8'));
    if (!request) {
      this.outer(res, AES_ERRORS.JSON_DECODE_FAILED);
      return;
    }
    switch (request.method) {
      case 'handshake':
        // Real firmware answers a chunked handshake (no Content-Length) with a bare 500.
        if (req.headers['content-length'] === undefined) {
          this.reply(res, 500);
          return;
        }
        this.handshake(res, request.params);
        return;
      case 'securePassthrough':
        await this.passthrough(req, res, url, request.params);
        return;
      default:
        this.outer(res, AES_ERRORS.UNKNOWN_METHOD);
    }
  }

  /** An outer (unencrypted) JSON reply. */
  private outer(
    res: http.ServerResponse,
    errorCode: number,
    result?: Record<string, unknown>,
    extra: http.OutgoingHttpHeaders = {},
  ): void {
    const body = JSON.stringify(
      result === undefined ? { error_code: errorCode } : { error_code: errorCode, result },
    );
    // Devices label this JSON text/html; clients must parse it regardless.
    this.reply(res, 200, body, 'text/html', extra);
  }

  // ---- step 1: handshake ---------------------------------------------------------------------

  private handshake(res: http.ServerResponse, params: unknown): void {
    this.counters.handshakes += 1;
    const pem = isObject(params) && typeof params.key === 'string' ? params.key : null;
    if (this.faults.rejectPublicKey || pem === null || !isUsableKey(pem)) {
      this.outer(res, AES_ERRORS.BAD_PUBLIC_KEY);
      return;
    }
    const keyAndIv = randomBytes(32);
    const credentials = expectedCredentials(this.options.credentials, this.loginsAccepted, 'tapo');
    const id = newSessionId();
    this.sessions.set(id, {
      cipher: new AesSessionCipher(keyAndIv.subarray(0, 16), keyAndIv.subarray(16)),
      credentials,
      state: 'handshaken',
      token: null,
      expiresAt: performance.now() + this.timeoutSeconds * 1000,
    });
    this.outer(
      res,
      0,
      { key: encryptHandshakeKey(pem, keyAndIv) },
      { 'Set-Cookie': `TP_SESSIONID=${id};TIMEOUT=${this.timeoutSeconds}` },
    );
  }

  // ---- steps 2 and 3: login and commands -----------------------------------------------------

  private async passthrough(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    params: unknown,
  ): Promise<void> {
    const id = sessionIdOf(req);
    const session = id === null ? null : this.sessions.get(id);
    if (id === null || session === null) {
      this.outer(res, AES_ERRORS.SESSION_TIMEOUT);
      return;
    }
    const sealed = isObject(params) && typeof params.request === 'string' ? params.request : null;
    let plaintext: string;
    try {
      if (sealed === null) throw new AesCipherError('no request');
      plaintext = session.cipher.decrypt(sealed);
    } catch (error) {
      if (!(error instanceof AesCipherError)) throw error;
      this.outer(res, AES_ERRORS.AES_DECODE_FAILED);
      return;
    }

    const token = url.searchParams.get('token');
    if (token === null) {
      this.login(res, session, plaintext);
      return;
    }
    if (session.state !== 'established' || !sameToken(session.token, token)) {
      this.outer(res, AES_ERRORS.SESSION_TIMEOUT);
      return;
    }
    if (this.faults.expireSessions > 0) {
      this.faults.expireSessions -= 1;
      this.sessions.delete(id);
      this.outer(res, AES_ERRORS.SESSION_TIMEOUT);
      return;
    }
    if (this.takeMalformed(res)) return;
    this.sealed(res, session, await this.options.handler(plaintext));
  }

  private login(res: http.ServerResponse, session: AesSession, plaintext: string): void {
    const request = parseObject(plaintext);
    if (request?.method !== 'login_device') {
      // Without a token only the login is accepted.
      this.outer(res, AES_ERRORS.SESSION_TIMEOUT);
      return;
    }
    this.counters.logins += 1;
    // After a failed login the firmware insists on a new handshake.
    if (session.state === 'login-failed') {
      this.sealed(res, session, JSON.stringify({ error_code: AES_ERRORS.SESSION_TIMEOUT }));
      return;
    }
    const { username, password } = session.credentials;
    const expected = loginParams(username, password, this.loginVersion);
    const field = this.loginVersion === 1 ? 'password' : 'password2';
    const given = isObject(request.params) ? request.params : {};
    if (given.username !== expected.username || given[field] !== expected[field]) {
      session.state = 'login-failed';
      session.token = null;
      this.sealed(res, session, JSON.stringify({ error_code: AES_ERRORS.LOGIN_FAILED }));
      return;
    }
    session.state = 'established';
    session.token = newToken();
    this.loginsAccepted += 1;
    this.sealed(res, session, JSON.stringify({ error_code: 0, result: { token: session.token } }));
  }

  /** An inner reply inside securePassthrough (or left in clear, with plaintextReplies). */
  private sealed(res: http.ServerResponse, session: AesSession, answer: string): void {
    const response = this.faults.plaintextReplies ? answer : session.cipher.encrypt(answer);
    this.outer(res, 0, { response });
  }
}

/** RSA keys of the size devices use; anything else earns -1010. */
function isUsableKey(pem: string): boolean {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === RSA_BITS;
  } catch {
    return false;
  }
}

/** Tokens look like the devices': plain ASCII letters and digits, safe in a query string. */
function newToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(32), (byte) => alphabet[byte % alphabet.length]).join('');
}

function sameToken(expected: string | null, given: string): boolean {
  if (expected === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
