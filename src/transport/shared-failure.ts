import type { LampError } from './errors';

/**
 * Lets work that was already waiting in a queue when the device failed share that failure
 * instead of each trying again: 30 queued messages to a lamp that is unplugged, or that refuses
 * the login, cost one timeout or one login attempt, not 30 in a row (docs/protocols/klap.md §8 #1: do not hammer
 * a device that refuses logins). Work queued after the failure tries afresh.
 *
 * Each queued item takes a ticket when it is queued; a failure covers every ticket issued
 * before it was recorded.
 */
export class SharedFailure {
  private issued = 0;
  private standing: { error: LampError; horizon: number } | undefined;

  /** Called when work is queued. */
  ticket(): number {
    this.issued += 1;
    return this.issued;
  }

  /** Throws the standing failure if `ticket` was already waiting when it happened. */
  check(ticket: number): void {
    if (this.standing && ticket <= this.standing.horizon) throw this.standing.error;
  }

  /** Makes `error` the answer for everything queued so far. */
  record(error: LampError): void {
    this.standing = { error, horizon: this.issued };
  }

  /** The device answered: nothing is standing any more. */
  clear(): void {
    this.standing = undefined;
  }
}
