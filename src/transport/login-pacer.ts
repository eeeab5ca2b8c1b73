/**
 * How often a session transport may log in again after the device ended its session.
 *
 * Firmware that keeps one third-party session per device ends ours whenever another app logs
 * in. Once, that is the Tapo app opened for a moment: one quiet re-login, at once. Again and
 * again, it is another client that re-logs in as fast as we do: both sides would fight forever
 * (a login storm that loads the device). So a lost session costs a login at once only while
 * fewer than `freeLogins` logins happened in the last `windowMs`; beyond that each further loss
 * waits longer before the next login: 20 s, 40 s, then 60 s, until a session lives through the
 * quiet period (docs/architecture.md §5). That keeps us at 6 logins a minute at most: 5 at
 * once, then one 20 s later. Firmware that ends the session after every request (an old HS110
 * quirk) is paced the same way: it cannot be told from a rival app.
 */

export interface LoginPacing {
  /** Logins within `windowMs` before a lost session has to wait for its next login. */
  freeLogins: number;
  windowMs: number;
  /** The first wait beyond the free logins; doubles with each further loss. */
  firstDelayMs: number;
  /** Longest wait between logins while the streak lasts. */
  maxDelayMs: number;
  /** A session that lived this long before it was lost ends the streak. */
  quietMs: number;
}

/**
 * The pacing every session transport uses. Mutable on purpose, like the emulator's fault
 * switches: the test suite shortens it (and puts it back) to play minutes of contention in
 * seconds; nothing else should change it.
 */
export const LOGIN_PACING: LoginPacing = {
  freeLogins: 5,
  windowMs: 60_000,
  firstDelayMs: 20_000,
  maxDelayMs: 60_000,
  quietMs: 60_000,
};

export class LoginPacer {
  /** When the recent logins happened (those within the window). */
  private logins: number[] = [];
  /** Paced waits in the current streak. */
  private waits = 0;
  private notBefore = 0;

  constructor(private readonly pacing: () => LoginPacing = () => LOGIN_PACING) {}

  /** Whether another app keeps taking the session (a lost session had to wait). */
  get contested(): boolean {
    return this.waits > 0;
  }

  /** A login happened at `now`. */
  loggedIn(now: number): void {
    const { windowMs } = this.pacing();
    this.logins = this.logins.filter((at) => now - at < windowMs);
    this.logins.push(now);
  }

  /** The device ended our session (noticed at `now`): set the next login's earliest time. */
  lost(now: number): void {
    const { freeLogins, windowMs, firstDelayMs, maxDelayMs, quietMs } = this.pacing();
    const last = this.logins.at(-1);
    if (last === undefined || now - last >= quietMs) this.waits = 0;
    this.logins = this.logins.filter((at) => now - at < windowMs);
    // Once paced, the streak stays paced until a session lives through the quiet period.
    if (this.waits === 0 && this.logins.length < freeLogins) return;
    const wait = Math.min(maxDelayMs, firstDelayMs * 2 ** this.waits);
    this.waits += 1;
    this.notBefore = Math.max(this.notBefore, now + wait);
  }

  /** Milliseconds to wait before the next login may start (0: now). */
  waitMs(now: number): number {
    return Math.max(0, this.notBefore - now);
  }
}
