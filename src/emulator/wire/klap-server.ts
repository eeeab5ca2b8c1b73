/**
 * The device side of KLAP on the shared HTTP device server, for the emulator and for tests.
 *
 * It behaves like real devices: handshake1 always 200 with a hash of the device's *own*
 * credentials (wrong client credentials are only noticed by the client), 403 for bad handshake2
 * proofs and unknown sessions, 400 for malformed cookies, responses signed like requests with the
 * request's seq, and `{"error_code":1003}` to the plain JSON of the older AES protocol. The JSON
 * inside is the device model's business (`handler`).
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { CipherError, KlapCipher } from '../../transport/klap/cipher';
import {
  type AuthKind,
  authHash,
  handshake2Payload,
  type SeedFormula,
  serverHash,
} from '../../transport/klap/hashes';
import { searchRemoteSeed } from '../klap-seed-search';
import { type CredentialSettings, expectedCredentials } from './credentials';
import { defaultWireFaults, type PlaintextHandler, type WireCounters } from './faults';
import {
  HttpDeviceServer,
  type HttpFaults,
  type HttpServerOptions,
  newSessionId,
  ROOT_PAGE,
  SessionStore,
  sessionIdOf,
} from './http-server';

export interface KlapServerOptions extends HttpServerOptions {
  /** 1 = md5 auth hash + v1 formula (Kasa IOT), 2 = sha auth hash + v2 formula (Tapo). */
  klap: 1 | 2;
  /** Overrides the auth hash kind, e.g. md5 with klap 2 for the md5 + v2-formula combination. */
  authKind?: AuthKind;
  credentials: CredentialSettings;
  /** The device model: JSON request in, JSON reply out. */
  handler: PlaintextHandler;
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
  /**
   * 'prefers-klap': answer TPAP's discover (POST /) with tpap_preferred: false, as firmware that
   * announces TPAP but still wants KLAP does (KP125M 1.4.1). Default: no such endpoint (404).
   */
  tpapDiscover?: 'prefers-klap';
}

/** Failures to inject: the shared ones (on /app/request) plus KLAP's own. */
export interface KlapFaults extends HttpFaults {
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
  /** Forget the session after every answered request (an HS110 firmware quirk). */
  invalidateAfterEachRequest: boolean;
  /** When > 0, pick remote seeds so the client's initial seq is within this of 2^31-1. */
  seqNearLimit: number;
}

export function defaultFaults(): KlapFaults {
  return {
    ...defaultWireFaults(),
    httpStatus: null,
    handshake1Status: null,
    shortHandshake: false,
    forgeSignature: false,
    sessionTimeoutError: 0,
    expireSessions: 0,
    invalidateAfterEachRequest: false,
    seqNearLimit: 0,
  };
}

export interface KlapServerCounters extends WireCounters {
  /** handshake1 requests received. */
  handshake1: number;
  /** Completed logins (handshake2 accepted). */
  handshakes: number;
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

export class KlapServer extends HttpDeviceServer<KlapFaults, KlapServerCounters> {
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
  private readonly sessions: SessionStore<ServerSession>;
  private logins = 0;

  constructor(options: KlapServerOptions) {
    super(options);
    this.options = options;
    this.formula = options.klap === 1 ? 'v1' : 'v2';
    this.authKind = options.authKind ?? (options.klap === 1 ? 'md5' : 'sha');
    this.timeoutSeconds = options.sessionTimeoutSeconds ?? 86400;
    this.sessions = new SessionStore(options.maxSessions ?? 16);
  }

  forgetSessions(): void {
    this.sessions.clear();
  }

  protected received(method: string, url: URL): boolean {
    if (method !== 'POST') return false;
    if (url.pathname === '/app/handshake1') this.counters.handshake1 += 1;
    return this.countRequest(url.pathname === '/app/request');
  }

  protected async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    switch (url.pathname) {
      case '/app':
        // A KLAP device answers the plain JSON of the older AES protocol with "use KLAP".
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
      case '/':
        if (this.options.tpapDiscover === 'prefers-klap') {
          const answer = {
            error_code: 0,
            result: { sub_method: 'discover', tpap_preferred: false },
          };
          this.reply(res, 200, JSON.stringify(answer), 'application/json');
          return;
        }
        this.reply(res, 404);
        return;
      default:
        this.reply(res, 404);
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
    const creds = expectedCredentials(this.options.credentials, this.logins, 'kasa');
    this.logins += 1;
    const auth = authHash(this.authKind, creds.username, creds.password);
    const remoteSeed = await this.chooseRemoteSeed(localSeed, auth);
    const cipher = new KlapCipher(localSeed, remoteSeed, auth);
    this.lastInitialSeq = cipher.initialSeq;

    const id = newSessionId();
    this.sessions.set(id, {
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
    const session = this.sessions.get(id);
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
    // hw 2.0 firmware answers an empty Cookie header with its HTML root page.
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
    const session = this.sessions.get(id);
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
    if (this.takeMalformed(res)) return;

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
}

/** The seq query parameter as a signed int32, or null when absent or out of range. */
function parseSeq(raw: string | null): number | null {
  if (raw === null || !/^-?\d{1,10}$/.test(raw)) return null;
  const seq = Number(raw);
  return seq >= -0x80000000 && seq <= 0x7fffffff ? seq : null;
}
