/**
 * The ONE poller of a device hub: a timer at the shortest interval any user asks for, stretched
 * by an exponential back-off while reads fail (a fixed, long one when the device refuses the
 * login, so an account is not locked), and a first read at deploy that no user change cancels.
 *
 * It knows nothing of states or users; the hub tells it how often to read (`interval`), what a
 * read is (`read`) and whether anyone still listens (`active`).
 */
import { errorCode } from './status-mapping';

/** The device refuses us: retrying quickly only risks a lock-out. */
const REFUSAL_CODES = new Set(['AUTH_FAILED', 'THIRD_PARTY_DISABLED', 'NOT_KLAP']);

export interface PollerOptions {
  /** The poll period in ms, or undefined when nobody polls. */
  interval(): number | undefined;
  /** One read; its failures are the hub's to record (through `failed`). */
  read(): Promise<unknown>;
  /** Whether reading still serves anyone (users registered, hub open). */
  active(): boolean;
  /** Poll delay after the device refused the login. Default 30 s. */
  authBackoffMs?: number;
  /** Upper bound of the exponential back-off. Default 30 s. */
  maxBackoffMs?: number;
}

export class Poller {
  /** Failed reads and link failures in a row: drives the back-off. */
  private failures = 0;
  private lastFailure: unknown;
  /** The connect-at-deploy read is armed; no user change may cancel it. */
  private firstReadArmed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private reading = false;
  private stopped = false;

  constructor(private readonly options: PollerOptions) {}

  /** No read running or armed. */
  get idle(): boolean {
    return !this.reading && this.timer === undefined;
  }

  get failing(): boolean {
    return this.failures > 0;
  }

  /** Delay until the next poll, with back-off while the device is failing. */
  nextDelay(): number | undefined {
    const base = this.options.interval();
    if (base === undefined) return undefined;
    if (this.failures === 0) return base;
    const ceiling = Math.max(base, this.options.maxBackoffMs ?? 30_000);
    const code = errorCode(this.lastFailure);
    if (code !== undefined && REFUSAL_CODES.has(code)) {
      return Math.max(base, this.options.authBackoffMs ?? 30_000);
    }
    const exponent = Math.min(Math.max(this.failures - 1, 0), 16);
    return Math.min(base * 2 ** exponent, ceiling);
  }

  /** Arms the read at deploy: shows the device's state at once, whether or not anyone polls. */
  readNow(): void {
    this.firstReadArmed = true;
    this.schedule(0);
  }

  /** Re-evaluates the timer after the users (and so the interval) changed. */
  reschedule(): void {
    const delay = this.nextDelay();
    if (delay === undefined) {
      if (!this.firstReadArmed) this.clearTimer();
      return;
    }
    this.schedule(delay);
  }

  /** A read or command reached the device: end the back-off at once. */
  succeeded(): void {
    const backedOff = this.failures > 0;
    this.failures = 0;
    this.lastFailure = undefined;
    if (backedOff) this.reschedule();
  }

  failed(err: unknown): void {
    this.failures++;
    this.lastFailure = err;
  }

  /** Nobody uses the device any more: no timer, and the next user starts with a fresh read. */
  pause(): void {
    this.clearTimer();
    this.firstReadArmed = false;
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** Arms the poll timer for `delayMs` unless a poll is due sooner or running. */
  private schedule(delayMs: number): void {
    if (this.stopped || this.reading) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(this.fire, delayMs);
  }

  /** The timer's callback, made once rather than per poll. */
  private readonly fire = (): void => {
    this.timer = undefined;
    void this.poll();
  };

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    this.firstReadArmed = false;
    if (this.stopped || this.reading || !this.options.active()) return;
    this.reading = true;
    try {
      await this.options.read();
    } catch {
      // recorded by the hub: status fanned out, outage logged once
    } finally {
      this.reading = false;
    }
    if (this.stopped || !this.options.active()) return;
    // A node that registered while this poll ran (its own first read could not be armed then),
    // e.g. after a redeploy replaced every node of the device mid-read, is owed a read now.
    const delay = this.firstReadArmed ? 0 : this.nextDelay();
    if (delay !== undefined) this.schedule(delay);
  }
}
