/**
 * The device side of `sslaes` (the Tapo H200 hub's HTTPS protocol) on the shared HTTP device
 * server, over TLS with a self-signed certificate made at start (self-signed.ts).
 *
 * POST / carries the login: handshake 1 (the client's cnonce in; our nonce and our proof that we
 * know the password out, as error -40413), then handshake 2 (the client's digest in; a stok and
 * start_seq out). POST /stok=T/ds carries the device commands, AES-sealed, each with a `Seq`
 * above the last one accepted and a `Tapo_tag` over the exact body; a bad one gets HTTP 500, as
 * does a session another login from the same address replaced. Wrong digests count towards a
 * lock-out (-40404 with sec_left). The JSON of the commands is the model's business (`handler`):
 * any JSON handler plugs in, SMART or smartcam. docs/protocols/sslaes.md.
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { AesCipherError } from '../../transport/aes/cipher';
import { parseRecord, record } from '../../transport/json';
import {
  deviceConfirm,
  digestPassword,
  md5Hex,
  newNonce,
  type PasswordHashKind,
  passwordHash,
  type Sealing,
  sessionSealing,
  tapoTag,
} from '../../transport/sslaes/hashes';
import {
  DEFAULT_SSLAES_USER,
  SECURE_ENCRYPT_TYPE,
  SSLAES_CODES,
} from '../../transport/sslaes/messages';
import { type CredentialSettings, expectedCredentials } from './credentials';
import { defaultWireFaults, type PlaintextHandler, type WireCounters } from './faults';
import { HttpDeviceServer, type HttpFaults, type HttpServerOptions } from './http-server';
import { emulatorCertificate } from './self-signed';

/** What a real H200's TLS was found to offer: TLS 1.2 only, these suites. */
export const HUB_TLS = Object.freeze({
  minVersion: 'TLSv1.2' as const,
  maxVersion: 'TLSv1.2' as const,
  ciphers: [
    'ECDHE-RSA-AES128-GCM-SHA256',
    'AES256-GCM-SHA384',
    'AES256-SHA256',
    'AES128-GCM-SHA256',
    'AES128-SHA256',
    'AES256-SHA',
  ].join(':'),
});

export interface SslAesServerOptions extends Omit<HttpServerOptions, 'tls'> {
  /** The password is the account's; alternating falls back to Tapo's setup account. */
  credentials: CredentialSettings;
  /** The device model: JSON request in, JSON reply out (SMART or smartcam). */
  handler: PlaintextHandler;
  /** Which hash of the password the firmware keeps. Default 'sha256' (newer firmware). */
  passwordHash?: PasswordHashKind;
  /**
   * Which user names handshake 1 accepts: only the default `admin` (default, so every client
   * must do the fallback), or the account's user name as well.
   */
  users?: 'admin' | 'account-and-admin';
  /** 'less-secure': older firmware's one-step MD5 login and plain JSON (encrypt_type 1/2). */
  login?: 'secure' | 'less-secure';
  /** Wrong digests before the lock-out (default 10), and its length (default 1800 s). */
  lockout?: { attempts?: number; seconds?: number };
}

/** Failures to inject: the shared ones (on stok requests) plus sslaes's own. */
export interface SslAesFaults extends HttpFaults {
  /** Answer the next N stok requests with -40401 and forget that session (expiry). */
  expireSessions: number;
  /** Put the reply in `response` unencrypted, as some camera firmware does. */
  plaintextReplies: boolean;
}

export function defaultSslAesFaults(): SslAesFaults {
  return { ...defaultWireFaults(), httpStatus: null, expireSessions: 0, plaintextReplies: false };
}

export interface SslAesServerCounters extends WireCounters {
  /** Handshake 1 requests (and less-secure logins) received. */
  handshakes: number;
  /** Handshake 2 requests received, successful or not. */
  logins: number;
  /** Handshake 2 digests refused. */
  wrongDigests: number;
  /** Stok requests refused with HTTP 500 (tag, sequence, replaced session). */
  refusedTags: number;
}

interface Pending {
  username: string;
  nonce: string;
  hash: string;
}

interface HubSession {
  readonly stok: string;
  readonly host: string;
  /** null: the less-secure login (plain JSON, no tag). */
  readonly sealing: Sealing | null;
  lastSeq: number;
}

/** Logins in flight kept at once (their cnonces); older ones are forgotten. */
const MAX_PENDING = 16;
/** Replaced stoks remembered, to answer them 500 as the hub does. */
const MAX_REPLACED = 64;
const STOK_PATH = /^\/stok=([^/]+)\/ds$/;
/** Handshake 1 for a user name the hub does not know. */
const UNKNOWN_USER = Object.freeze({
  error_code: SSLAES_CODES.SESSION_EXPIRED,
  result: { data: { code: SSLAES_CODES.BAD_USERNAME } },
});

export class SslAesServer extends HttpDeviceServer<SslAesFaults, SslAesServerCounters> {
  faults: SslAesFaults = defaultSslAesFaults();
  counters: SslAesServerCounters = {
    handshakes: 0,
    logins: 0,
    wrongDigests: 0,
    refusedTags: 0,
    requests: 0,
    connections: 0,
  };

  private readonly options: SslAesServerOptions;
  private readonly pending = new Map<string, Pending>();
  private readonly sessions = new Map<string, HubSession>();
  /** The one session each client address has; a newer login replaces it. */
  private readonly byHost = new Map<string, string>();
  private readonly replaced = new Set<string>();
  private wrongDigests = 0;
  /** performance.now() until which logins are refused; 0: not locked. */
  private lockedUntil = 0;
  private loginsAccepted = 0;

  constructor(options: SslAesServerOptions) {
    const { cert, key } = emulatorCertificate();
    super({ ...options, tls: { cert, key, ...HUB_TLS } });
    this.options = options;
  }

  /** The SHA-256 fingerprint of the certificate this device presents. */
  get certificateFingerprint(): string {
    return emulatorCertificate().fingerprint256;
  }

  /** Seconds of lock-out left (0: not locked). */
  get lockedSeconds(): number {
    return Math.max(0, Math.ceil((this.lockedUntil - performance.now()) / 1000));
  }

  /** Locks logins for `seconds`, as the hub does after repeated wrong digests. */
  lockOut(seconds: number): void {
    this.wrongDigests = 0;
    this.lockedUntil = performance.now() + seconds * 1000;
  }

  forgetSessions(): void {
    this.pending.clear();
    this.sessions.clear();
    this.byHost.clear();
    this.replaced.clear();
    this.wrongDigests = 0;
    this.lockedUntil = 0;
  }

  protected received(method: string, url: URL): boolean {
    return this.countRequest(method === 'POST' && STOK_PATH.test(url.pathname));
  }

  protected async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    const stok = STOK_PATH.exec(url.pathname)?.[1];
    if (stok !== undefined) {
      await this.request(req, res, stok, body.toString('utf8'));
      return;
    }
    if (url.pathname !== '/') {
      this.reply(res, 404);
      return;
    }
    const request = parseRecord(body.toString('utf8'));
    const params = record(request?.params);
    if (request?.method !== 'login' || !params) {
      this.json(res, { error_code: SSLAES_CODES.SESSION_EXPIRED });
      return;
    }
    const digest = typeof params.digest_passwd === 'string';
    if (digest) this.counters.logins += 1;
    else this.counters.handshakes += 1;
    const blocked = this.blockedReply();
    if (blocked) {
      this.json(res, blocked);
      return;
    }
    const host = req.socket.remoteAddress ?? '';
    if (this.options.login === 'less-secure') this.lessSecureLogin(res, host, params);
    else if (digest) this.handshake2(res, host, params);
    else this.handshake1(res, params);
  }

  private json(res: http.ServerResponse, value: unknown, status = 200): void {
    this.reply(res, status, JSON.stringify(value), 'application/json');
  }

  // ---- login ---------------------------------------------------------------------------------

  /** The password (as the firmware hashes it) and the user names accepted for this login. */
  private expected(): { password: string; users: string[] } {
    const { username, password } = expectedCredentials(
      this.options.credentials,
      this.loginsAccepted,
      'tapo',
    );
    const users = [DEFAULT_SSLAES_USER];
    if (this.options.users === 'account-and-admin' && username !== '') users.push(username);
    return { password, users };
  }

  private blockedReply(): Record<string, unknown> | null {
    const left = this.lockedSeconds;
    if (left <= 0) return null;
    // The lock-out's data sits at the top level, not inside result.
    return {
      error_code: SSLAES_CODES.SESSION_EXPIRED,
      data: { code: SSLAES_CODES.DEVICE_BLOCKED, sec_left: left },
    };
  }

  private attempts(): number {
    return Math.max(1, this.options.lockout?.attempts ?? 10);
  }

  private handshake1(res: http.ServerResponse, params: Record<string, unknown>): void {
    const { cnonce, username } = params;
    const expected = this.expected();
    if (typeof username !== 'string' || !expected.users.includes(username)) {
      this.json(res, UNKNOWN_USER);
      return;
    }
    if (
      typeof cnonce !== 'string' ||
      !/^[0-9A-F]{16}$/.test(cnonce) ||
      params.encrypt_type !== SECURE_ENCRYPT_TYPE
    ) {
      this.json(res, { error_code: SSLAES_CODES.SESSION_EXPIRED });
      return;
    }
    const hash = passwordHash(this.options.passwordHash ?? 'sha256', expected.password);
    const nonce = newNonce();
    this.pending.set(cnonce, { username, nonce, hash });
    while (this.pending.size > MAX_PENDING) {
      this.pending.delete(this.pending.keys().next().value as string);
    }
    this.nonceReply(res, nonce, deviceConfirm(cnonce, nonce, hash));
  }

  /** The hub's nonce answer: the nonce, its proof (or none) and the attempts left. */
  private nonceReply(res: http.ServerResponse, nonce: string, confirm: string): void {
    this.json(res, {
      error_code: SSLAES_CODES.INVALID_NONCE,
      result: {
        data: {
          code: SSLAES_CODES.SESSION_EXPIRED,
          encrypt_type: [SECURE_ENCRYPT_TYPE],
          nonce,
          device_confirm: confirm,
          time: this.attempts() - this.wrongDigests,
          max_time: this.attempts(),
        },
      },
    });
  }

  private handshake2(res: http.ServerResponse, host: string, params: Record<string, unknown>) {
    const { cnonce, digest_passwd: digest, username } = params;
    const pending = typeof cnonce === 'string' ? this.pending.get(cnonce) : undefined;
    if (typeof cnonce !== 'string' || !pending || pending.username !== username) {
      this.json(res, { error_code: SSLAES_CODES.SESSION_EXPIRED });
      return;
    }
    this.pending.delete(cnonce);
    if (!sameText(digestPassword(cnonce, pending.nonce, pending.hash), String(digest))) {
      this.counters.wrongDigests += 1;
      this.wrongDigests += 1;
      if (this.wrongDigests >= this.attempts()) {
        this.lockOut(this.options.lockout?.seconds ?? 1800);
        this.json(res, this.blockedReply());
        return;
      }
      this.nonceReply(res, pending.nonce, '');
      return;
    }
    this.wrongDigests = 0;
    const startSeq = randomInt(1, 2 ** 30);
    const stok = this.open(host, sessionSealing(cnonce, pending.nonce, pending.hash), startSeq);
    this.json(res, { error_code: 0, result: { stok, user_group: 'root', start_seq: startSeq } });
  }

  /** Older firmware: handshake 1 points at the hashed login, which gives a stok at once. */
  private lessSecureLogin(res: http.ServerResponse, host: string, params: Record<string, unknown>) {
    const expected = this.expected();
    const { username } = params;
    if (typeof username !== 'string' || !expected.users.includes(username)) {
      this.json(res, UNKNOWN_USER);
      return;
    }
    if (params.hashed !== true) {
      this.json(res, {
        error_code: SSLAES_CODES.SESSION_EXPIRED,
        result: { data: { code: SSLAES_CODES.SESSION_EXPIRED, encrypt_type: ['1', '2'] } },
      });
      return;
    }
    if (!sameText(md5Hex(expected.password), String(params.password))) {
      this.json(res, { error_code: -40411 });
      return;
    }
    const stok = this.open(host, null, 0);
    this.json(res, { error_code: 0, result: { stok, user_group: 'root' } });
  }

  /** A new session for `host`, replacing the one it had. */
  private open(host: string, sealing: HubSession['sealing'], startSeq: number): string {
    const stok = randomBytes(16).toString('hex');
    const previous = this.byHost.get(host);
    if (previous !== undefined) {
      this.sessions.delete(previous);
      this.replaced.add(previous);
      if (this.replaced.size > MAX_REPLACED) {
        this.replaced.delete(this.replaced.values().next().value as string);
      }
    }
    this.byHost.set(host, stok);
    this.sessions.set(stok, { stok, host, sealing, lastSeq: startSeq - 1 });
    this.loginsAccepted += 1;
    return stok;
  }

  // ---- commands ------------------------------------------------------------------------------

  private refuse(res: http.ServerResponse, session: HubSession | null): void {
    this.counters.refusedTags += 1;
    const failure = JSON.stringify({ error_code: -1, msg: 'Check tapo tag failed' });
    // Sealed with the session's key where there is one: a replaced client cannot open it.
    const response = session?.sealing ? session.sealing.cipher.encrypt(failure) : failure;
    this.json(res, { error_code: 0, result: { response } }, 500);
  }

  private async request(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    stok: string,
    body: string,
  ): Promise<void> {
    const session = this.sessions.get(stok);
    if (!session) {
      if (this.replaced.has(stok)) this.refuse(res, null);
      else this.json(res, { error_code: SSLAES_CODES.SESSION_EXPIRED });
      return;
    }
    const { sealing } = session;
    if (sealing) {
      const seqText = req.headers.seq;
      const tag = req.headers.tapo_tag;
      const seq = typeof seqText === 'string' && /^\d{1,15}$/.test(seqText) ? Number(seqText) : -1;
      if (
        seq <= session.lastSeq ||
        typeof tag !== 'string' ||
        !sameText(tapoTag(sealing.secret, body, seq), tag)
      ) {
        this.refuse(res, session);
        return;
      }
      session.lastSeq = seq;
    }
    if (this.faults.expireSessions > 0) {
      this.faults.expireSessions -= 1;
      this.sessions.delete(stok);
      this.byHost.delete(session.host);
      this.json(res, { error_code: SSLAES_CODES.SESSION_EXPIRED });
      return;
    }
    if (this.takeMalformed(res)) return;
    if (!sealing) {
      this.reply(res, 200, await this.options.handler(body), 'application/json');
      return;
    }
    const request = parseRecord(body);
    const sealed = record(request?.params)?.request;
    let plaintext: string;
    try {
      if (request?.method !== 'securePassthrough' || typeof sealed !== 'string') {
        throw new AesCipherError('not a securePassthrough');
      }
      plaintext = sealing.cipher.decrypt(sealed);
    } catch (error) {
      if (!(error instanceof AesCipherError)) throw error;
      this.json(res, { error_code: -1 });
      return;
    }
    const answer = await this.options.handler(plaintext);
    const response = this.faults.plaintextReplies ? answer : sealing.cipher.encrypt(answer);
    this.json(res, { error_code: 0, result: { response } });
  }
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
