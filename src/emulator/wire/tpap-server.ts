/**
 * The device side of TPAP on the shared HTTP device server (docs/protocols/tpap.md): the port-80
 * plain-HTTP variant of lamps and plugs.
 *
 * `POST /` carries the three login calls (discover, pake_register, pake_share); the device is
 * the SPAKE2+ verifier, from the same modules the client uses, so the two cannot drift apart.
 * It checks the client's confirmation before answering with its own and a session id; requests
 * then arrive sealed on `/stok=<id>/ds` and each reply is sealed under the request's seq. A
 * session the device no longer knows is answered in plain JSON, as firmware does. KLAP's
 * handshake is refused (403 by default, as TPAP-only firmware answers it).
 */

import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { record } from '../../transport/json';
import { ChannelError, deriveChannelKeys, TpapChannel } from '../../transport/tpap/channel';
import {
  credentialFor,
  type PasscodeType,
  passcodeTypeFor,
} from '../../transport/tpap/credentials';
import { base64Field } from '../../transport/tpap/messages';
import {
  confirmation,
  confirmationMatches,
  decodePoint,
  deriveScalars,
  encodePoint,
  keySchedule,
  randomScalar,
  type Scalars,
  SpakeError,
  transcript,
  verifierRecord,
  verifierSecrets,
  verifierShare,
} from '../../transport/tpap/spake2plus';
import {
  type CipherName,
  cipherByName,
  type Point,
  SUITES,
  type Suite,
} from '../../transport/tpap/suites';
import { parseObject } from '../json';
import { type CredentialSettings, expectedCredentials } from './credentials';
import { defaultWireFaults, type PlaintextHandler, type WireCounters } from './faults';
import {
  HttpDeviceServer,
  type HttpFaults,
  type HttpServerOptions,
  SessionStore,
} from './http-server';

/** Codes this emulated firmware answers with (real lamps' codes are not all known). */
export const TPAP_ERRORS = Object.freeze({
  /** The session is unknown or expired (plain JSON on /ds). */
  SESSION_EXPIRED: -40401,
  /** A seq that is not above the last one, or a request that fails its tag. */
  INVALID_NONCE: -40413,
  /** pake_share with a wrong confirmation: the password is wrong. */
  LOGIN_FAILED: -1501,
  /** pake_share without a pending pake_register from this client. */
  NO_REGISTRATION: -40401,
  /** The body is not JSON, or a field is missing. */
  BAD_REQUEST: -1003,
  UNKNOWN_METHOD: -1002,
});

export interface TpapServerOptions extends HttpServerOptions {
  /** The device MAC (discover announces it; the default passcode derives from it). */
  mac: string;
  /** account: pake [2] with the account password; blank: an unbound device, pake [0]. */
  credentials: CredentialSettings;
  handler: PlaintextHandler;
  /** The suite and cipher the device chooses, whatever the client offered. Default 1, AES-128-CCM. */
  suite?: number;
  cipher?: CipherName;
  /** How the device wants the password shadowed. Default password_shadow / passwd_id 2. */
  extraCrypt?: Record<string, unknown>;
  /** PBKDF2 iterations. Default 3000, as every reported lamp and plug. */
  iterations?: number;
  /** `expired` in the pake_share reply and the session lifetime, seconds; default none (kept). */
  sessionTimeoutSeconds?: number;
  /** Sessions kept at once; the least recently used is dropped beyond this. Default 16. */
  maxSessions?: number;
  /** Announce DAC (the client then sends a dac_nonce; we answer without attestation). */
  dac?: boolean;
  /**
   * Tests only: fixed randomness, to reproduce recorded handshakes byte for byte. The salt is
   * the device's own and stays the same for every login, as on real lamps.
   */
  entropy?: {
    salt?: Buffer;
    devRandom?: () => Buffer;
    scalar?: (suite: Suite) => bigint;
    sessionId?: () => string;
    startSeq?: () => number;
  };
  /** Tests only: sees every login call and /ds request with its answer. */
  record?: (entry: { path: string; request: Buffer; status: number; response: Buffer }) => void;
}

/** Failures to inject: the shared ones (on /ds requests) plus TPAP's own. */
export interface TpapFaults extends HttpFaults {
  /** Forget the session at the next N /ds requests, answering them as stale (plain JSON). */
  expireSessions: number;
  /** Answer unknown sessions with this HTTP status instead of plain JSON (null: JSON). */
  staleStatus: number | null;
  /** Impostor: skip the client's confirmation check and answer with a confirmation of garbage. */
  forgeConfirmation: boolean;
  /** How KLAP's handshake1 is refused: HTTP 403 (default), HTTP 404, or JSON error 1003. */
  klapRefusal: 403 | 404 | 1003;
  /** Answer pake_share with this error code instead of checking anything (null: normal). */
  shareErrorCode: number | null;
}

export function defaultTpapFaults(): TpapFaults {
  return {
    ...defaultWireFaults(),
    httpStatus: null,
    expireSessions: 0,
    staleStatus: null,
    forgeConfirmation: false,
    klapRefusal: 403,
    shareErrorCode: null,
  };
}

export interface TpapServerCounters extends WireCounters {
  /** KLAP handshake1 attempts (refused). */
  klapHandshakes: number;
  discovers: number;
  registers: number;
  /** pake_share calls received (accepted or not). */
  shares: number;
  /** Logins completed (pake_share accepted). */
  handshakes: number;
}

/** A pake_register waiting for its pake_share (one per client address). */
interface Registration {
  suite: Suite;
  cipher: CipherName;
  scalars: Scalars;
  L: Point;
  y: bigint;
  Y: Point;
  userRandom: Buffer;
  devRandom: Buffer;
}

interface TpapSession {
  channel: TpapChannel;
  /** The highest seq accepted so far. */
  lastSeq: number;
  readonly expiresAt: number;
}

const DS_PATH = /^\/stok=([A-Za-z0-9._~-]{1,128})\/ds$/;

export class TpapServer extends HttpDeviceServer<TpapFaults, TpapServerCounters> {
  faults: TpapFaults = defaultTpapFaults();
  counters: TpapServerCounters = {
    klapHandshakes: 0,
    discovers: 0,
    registers: 0,
    shares: 0,
    handshakes: 0,
    requests: 0,
    connections: 0,
  };
  /** seq of the last request accepted (tests of the sequence rule). */
  lastSeq: number | null = null;

  private readonly options: TpapServerOptions;
  private readonly salt: Buffer;
  private readonly sessions: SessionStore<TpapSession>;
  private readonly pending = new Map<string, Registration>();
  private logins = 0;

  constructor(options: TpapServerOptions) {
    super(options);
    this.options = options;
    this.salt = options.entropy?.salt ?? randomBytes(16);
    this.sessions = new SessionStore(options.maxSessions ?? 16);
  }

  /** The suite and cipher this device chooses. */
  get suite(): Suite {
    const suite = SUITES.get(this.options.suite ?? 1);
    if (!suite) throw new Error(`TPAP suite ${this.options.suite} is not implemented`);
    return suite;
  }

  /** The passcode kinds announced in discover (and UDP discovery). */
  get pake(): number[] {
    return this.options.credentials.mode === 'blank' ? [0] : [2];
  }

  /** The `tpap` object real port-80 devices announce. */
  get tpapObject(): Record<string, unknown> {
    return { tls: 0, dac: this.options.dac ? 1 : 0, noc: 0, pake: this.pake, port: this.port };
  }

  forgetSessions(): void {
    this.sessions.clear();
    this.pending.clear();
  }

  protected received(method: string, url: URL): boolean {
    return this.countRequest(method === 'POST' && DS_PATH.test(url.pathname));
  }

  protected async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    const client = req.socket.remoteAddress ?? '';
    if (url.pathname === '/') {
      this.login(res, client, body);
      return;
    }
    const ds = DS_PATH.exec(url.pathname);
    if (ds) {
      await this.request(res, ds[1] as string, body);
      return;
    }
    if (url.pathname === '/app/handshake1') {
      this.counters.klapHandshakes += 1;
      const refusal = this.faults.klapRefusal;
      if (refusal === 1003) this.json(res, '/app/handshake1', body, { error_code: 1003 });
      else this.reply(res, refusal);
      return;
    }
    this.reply(res, 404);
  }

  private json(res: http.ServerResponse, path: string, request: Buffer, value: unknown): void {
    const payload = Buffer.from(JSON.stringify(value));
    this.options.record?.({ path, request, status: 200, response: payload });
    this.reply(res, 200, payload, 'application/json');
  }

  // ---- login ---------------------------------------------------------------------------------

  private login(res: http.ServerResponse, client: string, body: Buffer): void {
    const request = parseObject(body.toString('utf8'));
    const params = record(request?.params);
    const answer = (value: unknown) => this.json(res, '/', body, value);
    if (request?.method !== 'login' || !params) {
      answer({ error_code: request ? TPAP_ERRORS.UNKNOWN_METHOD : TPAP_ERRORS.BAD_REQUEST });
      return;
    }
    switch (params.sub_method) {
      case 'discover':
        this.counters.discovers += 1;
        answer({
          error_code: 0,
          result: {
            sub_method: 'discover',
            mac: this.options.mac,
            tpap: this.tpapObject,
            tpap_preferred: true,
          },
        });
        return;
      case 'pake_register':
        this.counters.registers += 1;
        answer(this.register(client, params));
        return;
      case 'pake_share':
        this.counters.shares += 1;
        answer(this.share(client, params));
        return;
      default:
        answer({ error_code: TPAP_ERRORS.UNKNOWN_METHOD });
    }
  }

  private register(client: string, params: Record<string, unknown>): unknown {
    const userRandom = base64Field(params.user_random);
    if (!userRandom || typeof params.passcode_type !== 'string') {
      return { error_code: TPAP_ERRORS.BAD_REQUEST };
    }
    const suite = this.suite;
    const cipher = cipherByName(this.options.cipher ?? 'aes_128_ccm');
    if (!cipher) throw new Error(`TPAP cipher ${this.options.cipher} is not implemented`);
    const extraCrypt = this.options.extraCrypt ?? {
      type: 'password_shadow',
      params: { passwd_id: 2 },
    };
    const iterations = this.options.iterations ?? 3000;
    // The device's verifier record: what it stored when the account was bound.
    const expected = expectedCredentials(this.options.credentials, this.logins, 'tapo');
    this.logins += 1;
    const passcode: PasscodeType = passcodeTypeFor(this.pake);
    // What the device stored when it was bound: the same derivation the client runs.
    const credential = credentialFor(passcode, extraCrypt, {
      username: expected.username,
      password: expected.password,
      mac: this.options.mac,
    });
    const scalars = deriveScalars(suite, credential, this.salt, iterations);
    const y = this.options.entropy?.scalar?.(suite) ?? randomScalar(suite);
    const Y = verifierShare(suite, scalars.w0, y);
    const devRandom = this.options.entropy?.devRandom?.() ?? randomBytes(32);
    this.pending.set(client, {
      suite,
      cipher: cipher.name,
      scalars,
      L: verifierRecord(suite, scalars.w1),
      y,
      Y,
      userRandom,
      devRandom,
    });
    return {
      error_code: 0,
      result: {
        dev_random: devRandom.toString('base64'),
        dev_salt: this.salt.toString('base64'),
        dev_share: encodePoint(Y).toString('base64'),
        cipher_suites: suite.id,
        iterations,
        encryption: cipher.name,
        extra_crypt: extraCrypt,
      },
    };
  }

  private share(client: string, params: Record<string, unknown>): unknown {
    const registration = this.pending.get(client);
    // One share per register: a second try needs a new registration.
    this.pending.delete(client);
    if (this.faults.shareErrorCode !== null) return { error_code: this.faults.shareErrorCode };
    if (!registration) return { error_code: TPAP_ERRORS.NO_REGISTRATION };
    const { suite, scalars, y, Y, L } = registration;
    const share = base64Field(params.user_share);
    const userConfirm = base64Field(params.user_confirm);
    if (!share || !userConfirm) return { error_code: TPAP_ERRORS.BAD_REQUEST };
    let X: Point;
    let keys: ReturnType<typeof keySchedule>;
    try {
      X = decodePoint(suite, share);
      const { Z, V } = verifierSecrets(suite, scalars.w0, L, y, X);
      keys = keySchedule(
        suite,
        transcript(suite, {
          userRandom: registration.userRandom,
          devRandom: registration.devRandom,
          X,
          Y,
          Z,
          V,
          w0: scalars.w0,
        }),
      );
    } catch (error) {
      if (!(error instanceof SpakeError)) throw error;
      return { error_code: TPAP_ERRORS.BAD_REQUEST };
    }
    let devConfirm = confirmation(suite, keys.kcB, X);
    if (this.faults.forgeConfirmation) {
      // An impostor knows no verifier: it cannot check ours nor prove its own.
      devConfirm = randomBytes(devConfirm.length);
    } else if (!confirmationMatches(confirmation(suite, keys.kcA, Y), userConfirm)) {
      return { error_code: TPAP_ERRORS.LOGIN_FAILED };
    }
    const cipher = cipherByName(registration.cipher);
    if (!cipher) return { error_code: TPAP_ERRORS.BAD_REQUEST };
    const sessionId = this.options.entropy?.sessionId?.() ?? randomBytes(16).toString('hex');
    const startSeq = this.options.entropy?.startSeq?.() ?? randomBytes(4).readUInt32BE() >>> 1;
    const lifetime = this.options.sessionTimeoutSeconds;
    this.sessions.set(sessionId, {
      channel: new TpapChannel(cipher, deriveChannelKeys(suite, cipher, keys.sharedKey)),
      lastSeq: startSeq - 1,
      expiresAt:
        lifetime === undefined ? Number.POSITIVE_INFINITY : performance.now() + lifetime * 1000,
    });
    this.counters.handshakes += 1;
    const result: Record<string, unknown> = {
      dev_confirm: devConfirm.toString('base64'),
      stok: sessionId,
      start_seq: startSeq,
    };
    if (lifetime !== undefined) result.expired = lifetime;
    return { error_code: 0, result };
  }

  // ---- sealed requests -----------------------------------------------------------------------

  private async request(res: http.ServerResponse, id: string, body: Buffer): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) {
      this.stale(res, id, body);
      return;
    }
    if (this.faults.expireSessions > 0) {
      this.faults.expireSessions -= 1;
      this.sessions.delete(id);
      this.stale(res, id, body);
      return;
    }
    let seq: number;
    let plaintext: string;
    try {
      const opened = session.channel.open(body);
      seq = opened.seq;
      plaintext = opened.plaintext.toString('utf8');
    } catch (error) {
      if (!(error instanceof ChannelError)) throw error;
      this.json(res, `/stok=${id}/ds`, body, { error_code: TPAP_ERRORS.INVALID_NONCE });
      return;
    }
    // Each seq once, increasing: a replayed request is refused (gaps are allowed).
    if (seq <= session.lastSeq) {
      this.json(res, `/stok=${id}/ds`, body, { error_code: TPAP_ERRORS.INVALID_NONCE });
      return;
    }
    session.lastSeq = seq;
    this.lastSeq = seq;
    if (this.takeMalformed(res)) return;
    const sealed = session.channel.seal(seq, Buffer.from(await this.options.handler(plaintext)));
    this.options.record?.({ path: `/stok=${id}/ds`, request: body, status: 200, response: sealed });
    this.reply(res, 200, sealed, 'application/octet-stream');
  }

  /** An unknown or expired session: plain JSON, or a bare status with staleStatus. */
  private stale(res: http.ServerResponse, id: string, body: Buffer): void {
    if (this.faults.staleStatus !== null) {
      this.reply(res, this.faults.staleStatus);
      return;
    }
    this.json(res, `/stok=${id}/ds`, body, { error_code: TPAP_ERRORS.SESSION_EXPIRED });
  }
}
