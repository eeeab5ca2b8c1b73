/**
 * KlapTransport: one device, one KLAP session, one request at a time.
 *
 * The transport hides sessions from its callers: it logs in when needed (first use, session
 * lifetime nearly over, seq range used up), renews once transparently when the device says the
 * session is gone, and turns every failure into a LampError whose message tells the user what
 * to do. Requests to one device are serialised (see queue.ts), handshakes included.
 */

import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import {
  type CredentialCandidate,
  type CredentialKind,
  credentialCandidates,
} from '../credentials';
import { DISCOVERY_PORT, wakeUp } from '../discovery';
import {
  AuthenticationError,
  ClosedError,
  ConnectionResetError,
  describeAddress,
  HandshakeError,
  IntegrityError,
  InvalidCommandError,
  LampError,
  MalformedResponseError,
  NotKlapError,
  SessionExpiredError,
  ThirdPartyCompatibilityError,
} from '../errors';
import { type HttpReply, parseSetCookie, postBinary } from '../http';
import { SerialQueue } from '../queue';
import { SharedFailure } from '../shared-failure';
import type { SendOptions, Transport } from '../types';
import { CipherError, KlapCipher } from './cipher';
import { type AuthKind, handshake2Payload, matchServerHash, type SeedFormula } from './hashes';

export interface KlapTransportOptions {
  host: string;
  /** Default 80. */
  port?: number;
  /** TP-Link / Tapo account e-mail, exactly as in the app (case-sensitive). */
  username?: string;
  password?: string;
  /** Per network step (each handshake leg, each request). Default 5000 ms. */
  timeoutMs?: number;
  /** Monotonic milliseconds; injectable so tests can age a session without waiting. */
  clock?: () => number;
  /**
   * UDP port of the device's discovery service, for the wake-up probe: when handshake1 is refused
   * (ECONNREFUSED) the transport sends one discovery probe there, waits `wakeUpDelayMs` and
   * retries once, because some plugs (P110 fw 1.4.6) keep port 80 closed until they see one
   * (notes §7 #5). Once per outage: after a failed wake-up, refused logins fail at once until
   * the device has answered over HTTP again. Default 20002; null turns the wake-up off.
   */
  discoveryPort?: number | null;
  /** Wait between the wake-up probe and the retry. Default 1500 ms. */
  wakeUpDelayMs?: number;
  /**
   * Tests only: supplies handshake1's 16-byte local seed, so a test can reproduce a session with a
   * known initial seq (e.g. right below 2^31-1). Leave unset: the default is the CSPRNG.
   */
  localSeed?: () => Buffer;
}

/** How the last successful login matched; safe to show (no secrets). */
export interface KlapLoginInfo {
  readonly credential: CredentialKind;
  readonly authKind: AuthKind;
  readonly formula: SeedFormula;
}

export interface KlapStats {
  /** Completed logins (handshake2 accepted). */
  readonly handshakes: number;
  /** Encrypted requests answered with HTTP 200. */
  readonly requests: number;
}

interface Session {
  sessionId: string;
  cipher: KlapCipher;
  /** Monotonic ms after which the session is renewed before use. */
  renewAt: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_WAKE_UP_DELAY_MS = 1500;
/**
 * During a long outage the wake-up is repeated at most this often: a lazy plug that comes back
 * while we are not probing would otherwise stay closed for 8–9 minutes (notes §7 #5).
 */
export const WAKE_UP_REPEAT_MS = 60_000;
const MAX_TIMEOUT_MS = 10 * 60 * 1000;
/** python-kasa renews 20 minutes before TIMEOUT because device clocks drift (notes §1.12). */
const MAX_RENEW_MARGIN_SECONDS = 1200;
const HANDSHAKE1_REPLY_BYTES = 48;

/** Request-level outcome the retry loop needs to tell apart from final errors. */
class SessionRejected extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

function monotonicMs(): number {
  return performance.now();
}

/**
 * When to renew: TIMEOUT minus min(20 min, TIMEOUT/2), so a 24 h session renews at 23 h 40 min
 * and a short 60 s session still gets 30 s of use instead of being renewed on every request.
 */
export function renewDelayMs(timeoutSeconds: number): number {
  const margin = Math.min(MAX_RENEW_MARGIN_SECONDS, timeoutSeconds / 2);
  return (timeoutSeconds - margin) * 1000;
}

export class KlapTransport implements Transport {
  readonly host: string;
  readonly port: number;
  /** host[:port] for messages. */
  readonly address: string;
  readonly timeoutMs: number;
  /** Where the wake-up probe goes; null when the wake-up is off. */
  readonly discoveryPort: number | null;
  readonly wakeUpDelayMs: number;

  private readonly username: string | undefined;
  private readonly password: string | undefined;
  private readonly clock: () => number;
  private readonly localSeedSource: () => Buffer;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly queue = new SerialQueue();
  private readonly abort = new AbortController();
  private session: Session | null = null;
  private closed = false;
  private counts = { handshakes: 0, requests: 0 };
  private wakeUpCount = 0;
  /**
   * When a wake-up last failed to help (clock ms), or null. Until the device answers over HTTP
   * again, refused logins fail at once, with a new wake-up at most every WAKE_UP_REPEAT_MS.
   */
  private failedWakeUpAt: number | null = null;
  private login: KlapLoginInfo | null = null;
  /** Callers waiting when a login failed share that failure instead of each logging in. */
  private readonly loginFailure = new SharedFailure();

  constructor(options: KlapTransportOptions) {
    this.host = options.host;
    this.port = options.port ?? 80;
    this.address = describeAddress(this.host, this.port);
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Capped because timers beyond 2^31-1 ms silently fire after 1 ms.
    this.timeoutMs =
      Number.isFinite(timeout) && timeout > 0
        ? Math.min(timeout, MAX_TIMEOUT_MS)
        : DEFAULT_TIMEOUT_MS;
    const discoveryPort =
      options.discoveryPort === undefined ? DISCOVERY_PORT : options.discoveryPort;
    this.discoveryPort =
      discoveryPort !== null &&
      Number.isInteger(discoveryPort) &&
      discoveryPort >= 1 &&
      discoveryPort <= 65535
        ? discoveryPort
        : options.discoveryPort === null
          ? null
          : DISCOVERY_PORT;
    const delay = options.wakeUpDelayMs ?? DEFAULT_WAKE_UP_DELAY_MS;
    this.wakeUpDelayMs =
      Number.isFinite(delay) && delay >= 0 ? Math.min(delay, 60_000) : DEFAULT_WAKE_UP_DELAY_MS;
    this.username = options.username;
    this.password = options.password;
    this.clock = options.clock ?? monotonicMs;
    this.localSeedSource = options.localSeed ?? (() => randomBytes(16));
  }

  get stats(): KlapStats {
    return { ...this.counts };
  }

  /** Wake-up probes sent so far (after refused connections). */
  get wakeUps(): number {
    return this.wakeUpCount;
  }

  /** Which credential and variant the last login used; null before the first login. */
  get lastLogin(): KlapLoginInfo | null {
    return this.login;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(plaintext: string, options: SendOptions = {}): Promise<string> {
    if (this.closed) return Promise.reject(new ClosedError(this.address));
    if (typeof plaintext !== 'string') {
      return Promise.reject(
        new InvalidCommandError('plaintext', 'A KLAP request must be a JSON string.'),
      );
    }
    const ticket = this.loginFailure.ticket();
    return this.queue.run(() => this.exchange(plaintext, options ?? {}, ticket));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.session = null;
      const error = new ClosedError(this.address);
      this.queue.rejectPending(error);
      // Aborting makes the in-flight POST (if any) reject with ClosedError at once.
      this.abort.abort();
      this.agent.destroy();
    }
    return Promise.resolve();
  }

  /** Forgets the session so the next send logs in again (e.g. after the device rebooted). */
  resetSession(): void {
    this.session = null;
  }

  // ---- one queued job ------------------------------------------------------------------------

  private async exchange(plaintext: string, options: SendOptions, ticket: number): Promise<string> {
    let resetRetried = false;
    let sessionRetried = false;
    for (;;) {
      this.assertOpen();
      let loggingIn = false;
      try {
        let session = this.usableSession();
        if (!session) {
          loggingIn = true;
          session = await this.freshSession(ticket);
          loggingIn = false;
        }
        const reply = await this.request(session, plaintext);
        if (!this.isSessionDead(options, reply)) return reply;
        // The device answered inside the payload that our session is gone (SMART 9999 etc.).
        this.session = null;
        if (sessionRetried) {
          throw new SessionExpiredError(
            this.address,
            'the device still reported the session dead right after a fresh login',
          );
        }
        sessionRetried = true;
      } catch (error) {
        if (error instanceof SessionRejected) {
          this.session = null;
          if (sessionRetried) {
            throw new SessionExpiredError(
              this.address,
              `${error.detail} right after a fresh login`,
            );
          }
          sessionRetried = true;
          continue;
        }
        if (error instanceof ConnectionResetError && !resetRetried && !this.closed) {
          // Keep the session: the device merely closed the TCP connection (notes §7 #8).
          resetRetried = true;
          continue;
        }
        // Anything else may leave the device and us out of step: start clean next time.
        this.session = null;
        if (this.closed) throw new ClosedError(this.address);
        const failure = toLampError(error, this.address);
        if (loggingIn) this.loginFailure.record(failure);
        throw failure;
      }
    }
  }

  private isSessionDead(options: SendOptions, reply: string): boolean {
    if (!options.sessionDead) return false;
    try {
      return options.sessionDead(reply) === true;
    } catch {
      // A faulty predicate must not turn a good reply into a failure.
      return false;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(this.address);
  }

  /** The current session if it may still be used: not past its renewal time, seqs left. */
  private usableSession(): Session | null {
    const current = this.session;
    if (current && !current.cipher.exhausted && this.clock() < current.renewAt) return current;
    this.session = null;
    return null;
  }

  private async freshSession(ticket: number): Promise<Session> {
    this.loginFailure.check(ticket);
    const fresh = await this.handshake();
    this.loginFailure.clear();
    this.session = fresh;
    return fresh;
  }

  private post(path: string, body: Buffer, step: string, sessionId?: string): Promise<HttpReply> {
    return postBinary({
      agent: this.agent,
      host: this.host,
      port: this.port,
      path,
      body,
      timeoutMs: this.timeoutMs,
      step,
      address: this.address,
      signal: this.abort.signal,
      ...(sessionId ? { sessionId } : {}),
    });
  }

  // ---- login ---------------------------------------------------------------------------------

  private async handshake(): Promise<Session> {
    const localSeed = this.localSeedSource();
    const first = await this.handshake1(localSeed);
    if (first.status === 403) throw new ThirdPartyCompatibilityError(this.address);
    if (first.status === 404) throw new NotKlapError(this.address);
    if (first.status !== 200) {
      throw new HandshakeError(this.address, `handshake1 answered HTTP ${first.status}`);
    }
    if (first.body.length !== HANDSHAKE1_REPLY_BYTES) {
      throw new MalformedResponseError(
        this.address,
        `handshake1 reply of ${first.body.length} bytes instead of ${HANDSHAKE1_REPLY_BYTES}`,
      );
    }
    const cookie = parseSetCookie(first.headers['set-cookie']);
    if (!cookie) {
      throw new MalformedResponseError(this.address, 'handshake1 without a usable TP_SESSIONID');
    }
    const remoteSeed = first.body.subarray(0, 16);
    const serverHash = first.body.subarray(16);

    // Rebuilt on every login: devices switch between account and default credentials.
    const candidates: CredentialCandidate[] = credentialCandidates(this.username, this.password);
    const match = matchServerHash(localSeed, remoteSeed, serverHash, candidates);
    if (!match) throw new AuthenticationError(this.address);

    const proof = handshake2Payload(match.formula, localSeed, remoteSeed, match.authHash);
    const second = await this.post('/app/handshake2', proof, 'handshake2', cookie.sessionId);
    if (second.status !== 200) {
      throw new HandshakeError(this.address, `handshake2 answered HTTP ${second.status}`);
    }

    this.counts.handshakes += 1;
    this.login = { credential: match.credential, authKind: match.authKind, formula: match.formula };
    return {
      sessionId: cookie.sessionId,
      cipher: new KlapCipher(localSeed, remoteSeed, match.authHash),
      renewAt: this.clock() + renewDelayMs(cookie.timeoutSeconds),
    };
  }

  /** handshake1, with one wake-up probe and retry when the port is closed (see discoveryPort). */
  private async handshake1(localSeed: Buffer): Promise<HttpReply> {
    let reply: HttpReply;
    try {
      reply = await this.post('/app/handshake1', localSeed, 'handshake1');
    } catch (error) {
      const port = this.discoveryPort;
      if (port === null || !this.wakeUpAllowed() || !isRefused(error)) throw error;
      this.failedWakeUpAt = this.clock();
      this.wakeUpCount += 1;
      const started = monotonicMs();
      const outcome = await wakeUp(this.host, port, {
        waitMs: this.wakeUpDelayMs,
        signal: this.abort.signal,
      });
      // Nothing listens for the probe: nothing will open the port either, so retry at once.
      if (outcome === 'answered' || outcome === 'silent') {
        await this.pause(this.wakeUpDelayMs - (monotonicMs() - started));
      }
      this.assertOpen();
      reply = await this.post('/app/handshake1', localSeed, 'handshake1');
    }
    this.failedWakeUpAt = null; // the device answered: a later outage deserves a wake-up again
    return reply;
  }

  private wakeUpAllowed(): boolean {
    return this.failedWakeUpAt === null || this.clock() - this.failedWakeUpAt >= WAKE_UP_REPEAT_MS;
  }

  /** Waits `ms` (if > 0); close() ends the wait early (the caller then sees ClosedError). */
  private pause(ms: number): Promise<void> {
    if (!(ms > 0) || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done);
    });
  }

  // ---- one encrypted request ----------------------------------------------------------------

  private async request(session: Session, plaintext: string): Promise<string> {
    const seq = session.cipher.nextSeq();
    if (seq === null) {
      // liveSession() renews exhausted sessions, so this only guards against misuse.
      throw new SessionRejected('the session used up its sequence numbers');
    }
    const body = session.cipher.encrypt(plaintext, seq);
    const reply = await this.post(
      `/app/request?seq=${seq}`,
      body,
      'the request',
      session.sessionId,
    );
    if (reply.status === 401 || reply.status === 403) {
      throw new SessionRejected(`the device refused the session (HTTP ${reply.status})`);
    }
    if (reply.status !== 200) {
      throw new MalformedResponseError(this.address, `HTTP ${reply.status} to a request`);
    }
    let opened: Buffer;
    try {
      opened = session.cipher.decrypt(seq, reply.body);
    } catch (error) {
      if (error instanceof CipherError && error.reason === 'signature') {
        throw new IntegrityError(this.address);
      }
      const detail = error instanceof Error ? error.message : 'undecryptable reply';
      throw new MalformedResponseError(this.address, detail);
    }
    this.counts.requests += 1;
    return opened.toString('utf8');
  }
}

/** A connection the device's host actively refused: its port is closed, not the host gone. */
function isRefused(error: unknown): boolean {
  const cause = error instanceof LampError ? (error.cause as { code?: unknown } | undefined) : null;
  return cause?.code === 'ECONNREFUSED';
}

/** Last line of defence: whatever escaped the specific mappings still reaches users as a LampError. */
function toLampError(error: unknown, address: string): LampError {
  if (error instanceof LampError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new MalformedResponseError(address, `unexpected failure: ${detail}`);
}
