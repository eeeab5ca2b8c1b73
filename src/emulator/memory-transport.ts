/**
 * A Transport that hands plaintext straight to an emulated device's handler, with no KLAP and no
 * network: for unit tests of the device layer and of the nodes. It honours `sessionDead` the way
 * KlapTransport does (one retry), and counts what was sent so tests can prove nothing was.
 */
import { ClosedError } from '../transport/errors';
import type { Encryption, SendOptions, Transport } from '../transport/types';

export class MemoryTransport implements Transport {
  /** No wire, so no encryption (a test may stand in for one protocol by naming it). */
  readonly encryption: Encryption | undefined = undefined;
  /** Every plaintext request sent, in order (retries included). */
  readonly sent: string[] = [];
  /** Logins the transport would have made (the first send, and each sessionDead retry). */
  handshakes = 0;
  private loggedIn = false;
  private closed = false;

  constructor(private readonly handler: (plaintext: string) => string | Promise<string>) {}

  /** Parsed requests, for assertions. */
  get requests(): unknown[] {
    return this.sent.map((s) => JSON.parse(s));
  }

  async send(plaintext: string, options: SendOptions = {}): Promise<string> {
    if (this.closed) throw new ClosedError('memory');
    if (!this.loggedIn) {
      this.handshakes++;
      this.loggedIn = true;
    }
    this.sent.push(plaintext);
    const reply = await this.handler(plaintext);
    if (!options.sessionDead?.(reply)) return reply;
    this.handshakes++;
    this.sent.push(plaintext);
    return this.handler(plaintext);
  }

  /** The next send counts as a fresh login. */
  reset(): void {
    this.loggedIn = false;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
