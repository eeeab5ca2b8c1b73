/**
 * SessionTransport: what KLAP, AES and TPAP have in common, written once.
 *
 * One device, one session, one request at a time. Callers never see logins: the base logs in
 * when there is no usable session (first use, renewal time reached, the subclass says it is
 * spent), logs in again when the device says the session is gone and reconnects when it drops
 * the connection, within a small retry budget per call (RETRY_BUDGET), lets everything already
 * queued share a failed login instead of each trying again,
 * and closes within one step's timeout even with a request hanging. A subclass writes only its
 * login and its sealing (`login`, `exchange`), and says whether a dropped connection also ends
 * its session (`sessionSurvivesReset`).
 */
import {
  ClosedError,
  ConnectionResetError,
  describeAddress,
  InvalidCommandError,
  LampError,
  MalformedResponseError,
  SessionContestedError,
  SessionExpiredError,
} from './errors';
import { LoginPacer } from './login-pacer';
import { SerialQueue } from './queue';
import { SharedFailure } from './shared-failure';
import type { Encryption, LoginInfo, SendOptions, Transport } from './types';

export interface SessionTransportOptions {
  host: string;
  port: number;
  /** Per network step (each login leg, each request). Default 5000 ms. */
  timeoutMs?: number;
  /** Monotonic milliseconds; injectable so tests can age a session without waiting. */
  clock?: () => number;
}

/** A logged-in session; `renewAt` is the monotonic ms after which it is replaced before use. */
export interface BaseSession {
  renewAt: number;
}

export interface TransportStats {
  /** Completed logins. */
  readonly logins: number;
  /** Requests the device answered. */
  readonly requests: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
/** Timers beyond 2^31-1 ms fire after 1 ms; no step needs more than ten minutes anyway. */
const MAX_TIMEOUT_MS = 10 * 60 * 1000;
/** Devices clocks drift, so sessions are renewed well before the lifetime they announce. */
const MAX_RENEW_MARGIN_SECONDS = 1200;

/**
 * What one call may spend on faults before it reports them (docs/architecture.md §5): two
 * faults inside one exchange (a second dropped connection, an expiry right after a fresh login)
 * are survived, a device that keeps failing is not retried forever, and no retry starts once the
 * call has run `windowSteps` per-step timeouts.
 */
export const RETRY_BUDGET = Object.freeze({
  /** New connections after the device dropped one (ConnectionResetError). */
  reconnects: 3,
  /** Fresh logins after the device refused the session (SessionRejected, `sessionDead`). */
  relogins: 2,
  /** Retries start only within this many per-step timeouts from the start of the call. */
  windowSteps: 3,
});

/**
 * Thrown by a subclass's `exchange` when the device refused the session itself (HTTP 401/403,
 * an unknown token): the base logs in again and retries, within RETRY_BUDGET.
 */
export class SessionRejected extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

/**
 * When to renew: TIMEOUT minus min(20 min, TIMEOUT/2), so a 24 h session renews at 23 h 40 min
 * and a short 60 s session still gets 30 s of use instead of being renewed on every request.
 */
export function renewDelayMs(timeoutSeconds: number): number {
  const margin = Math.min(MAX_RENEW_MARGIN_SECONDS, timeoutSeconds / 2);
  return (timeoutSeconds - margin) * 1000;
}

export function monotonicMs(): number {
  return performance.now();
}

export function normaliseTimeout(timeout: number | undefined): number {
  const value = timeout ?? DEFAULT_TIMEOUT_MS;
  return Number.isFinite(value) && value > 0 ? Math.min(value, MAX_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS;
}

export abstract class SessionTransport<S extends BaseSession, L extends LoginInfo = LoginInfo>
  implements Transport
{
  abstract readonly encryption: Encryption;
  readonly host: string;
  readonly port: number;
  /** host[:port] for messages. */
  readonly address: string;
  readonly timeoutMs: number;

  protected readonly clock: () => number;
  /** Aborted by close(): in-flight network steps reject with ClosedError at once. */
  protected readonly abort = new AbortController();
  /** Whether a dropped connection leaves the session usable (KLAP, AES: yes; a socket: no). */
  protected readonly sessionSurvivesReset: boolean = true;

  private readonly queue = new SerialQueue();
  private session: S | null = null;
  private closed = false;
  private login_: L | null = null;
  private readonly counts = { logins: 0, requests: 0 };
  /** Callers waiting when a login failed share that failure instead of each logging in. */
  private readonly loginFailure = new SharedFailure();
  /** Spaces logins out while another app keeps ending our session (login-pacer.ts). */
  private readonly pacer = new LoginPacer();

  constructor(options: SessionTransportOptions) {
    this.host = options.host;
    this.port = options.port;
    this.address = describeAddress(this.host, this.port);
    this.timeoutMs = normaliseTimeout(options.timeoutMs);
    this.clock = options.clock ?? monotonicMs;
  }

  /** Logs in; returns the new session. Throws a LampError saying what went wrong. */
  protected abstract login(): Promise<{ session: S; info: L }>;

  /**
   * Seals `plaintext`, sends it in `session`, returns the opened reply. Throws SessionRejected
   * when the device refused the session, a LampError otherwise.
   */
  protected abstract exchange(session: S, plaintext: string): Promise<string>;

  /** Whether `session` may still be used; subclasses add their own limits (e.g. seq range). */
  protected usable(session: S): boolean {
    return this.clock() < session.renewAt;
  }

  /** Releases sockets and agents; called once by close(). */
  protected abstract release(): void;

  get stats(): TransportStats {
    return { ...this.counts };
  }

  /** Which credential and variant the last login used; null before the first login. */
  get lastLogin(): L | null {
    return this.login_;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(plaintext: string, options: SendOptions = {}): Promise<string> {
    if (this.closed) return Promise.reject(new ClosedError(this.address));
    if (typeof plaintext !== 'string') {
      return Promise.reject(
        new InvalidCommandError('plaintext', 'A device request must be a JSON string.'),
      );
    }
    const ticket = this.loginFailure.ticket();
    return this.queue.run(() => this.run(plaintext, options ?? {}, ticket));
  }

  /** Logs in now unless a usable session exists; sends no request. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError(this.address));
    const ticket = this.loginFailure.ticket();
    return this.queue.run(async () => {
      this.assertOpen();
      if (this.session && this.usable(this.session)) return;
      this.loginFailure.check(ticket);
      try {
        await this.freshSession(ticket);
      } catch (error) {
        if (this.closed) throw new ClosedError(this.address);
        const failure = toLampError(error, this.address);
        this.loginFailure.record(failure);
        throw failure;
      }
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.session = null;
      this.queue.rejectPending(new ClosedError(this.address));
      this.abort.abort();
      this.release();
    }
    return Promise.resolve();
  }

  reset(): void {
    this.session = null;
  }

  protected assertOpen(): void {
    if (this.closed) throw new ClosedError(this.address);
  }

  /** Waits `ms` (if > 0); close() ends the wait early (the caller then sees ClosedError). */
  protected pause(ms: number): Promise<void> {
    if (!(ms > 0) || this.closed) return Promise.resolve();
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  /** Counts a request the device answered. */
  protected countRequest(): void {
    this.counts.requests += 1;
  }

  // ---- one queued job ------------------------------------------------------------------------

  private async run(plaintext: string, options: SendOptions, ticket: number): Promise<string> {
    let reconnects = 0;
    let relogins = 0;
    let verified = false;
    // Real time, not `clock`: the window bounds how long the caller waits.
    const started = monotonicMs();
    for (;;) {
      this.assertOpen();
      let loggingIn = false;
      try {
        let session = this.session && this.usable(this.session) ? this.session : null;
        if (!session) {
          // A new session other than the first may be with another device at this address
          // (the old one's lease was handed on): the caller may check who answers first, once
          // per call (a device that closes the connection after every answer needs another).
          const verify = !verified && this.counts.logins > 0 && options.verifySession;
          loggingIn = true;
          session = await this.freshSession(ticket);
          loggingIn = false;
          if (verify) {
            const fresh = session;
            await verify((text) => this.exchange(fresh, text));
            verified = true;
          }
        }
        const reply = await this.exchange(session, plaintext);
        if (!isSessionDead(options, reply)) return reply;
        // The device answered inside the payload that our session is gone (SMART 9999 etc.).
        relogins = this.retrySession('the device reported the session dead', relogins, started);
      } catch (error) {
        if (error instanceof SessionRejected) {
          relogins = this.retrySession(error.detail, relogins, started);
          continue;
        }
        if (
          error instanceof ConnectionResetError &&
          reconnects < RETRY_BUDGET.reconnects &&
          !this.closed &&
          this.inWindow(started)
        ) {
          // The device merely closed the connection; some close after every reply.
          reconnects += 1;
          if (!this.sessionSurvivesReset) this.session = null;
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

  /** Whether a call that started at `started` may still retry (RETRY_BUDGET.windowSteps). */
  private inWindow(started: number): boolean {
    return monotonicMs() - started < this.timeoutMs * RETRY_BUDGET.windowSteps;
  }

  /** Drops the session for a fresh login; the relogins used so far, or SessionExpiredError. */
  private retrySession(detail: string, relogins: number, started: number): number {
    this.session = null;
    // Another app taking the session again and again: log in again only at the pacer's pace.
    this.pacer.lost(this.clock());
    const wait = this.pacer.waitMs(this.clock());
    if (wait > 0) throw new SessionContestedError(this.address, wait);
    if (relogins >= RETRY_BUDGET.relogins || !this.inWindow(started)) {
      throw new SessionExpiredError(
        this.address,
        relogins > 0 ? `${detail} right after a fresh login` : detail,
      );
    }
    return relogins + 1;
  }

  private async freshSession(ticket: number): Promise<S> {
    this.session = null;
    this.loginFailure.check(ticket);
    // Another app keeps taking the session: wait our turn instead of fighting for it.
    const wait = this.pacer.waitMs(this.clock());
    if (wait > 0) throw new SessionContestedError(this.address, wait);
    const { session, info } = await this.login();
    this.assertOpen();
    this.loginFailure.clear();
    this.pacer.loggedIn(this.clock());
    this.counts.logins += 1;
    this.login_ = info;
    this.session = session;
    return session;
  }
}

function isSessionDead(options: SendOptions, reply: string): boolean {
  if (!options.sessionDead) return false;
  try {
    return options.sessionDead(reply) === true;
  } catch {
    // A faulty predicate must not turn a good reply into a failure.
    return false;
  }
}

/** Last line of defence: whatever escaped the specific mappings still reaches users as a LampError. */
export function toLampError(error: unknown, address: string): LampError {
  if (error instanceof LampError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new MalformedResponseError(address, `unexpected failure: ${detail}`);
}
