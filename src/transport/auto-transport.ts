/**
 * AutoTransport (`protocol: auto`): finds out what the device speaks, then gets out of the way.
 *
 * The first use logs in with each candidate protocol in turn until one answers as itself:
 * KLAP first (what current firmware speaks), AES when the KLAP handshake is not there (404),
 * and the Kasa legacy protocol when the port does not speak HTTP at all. Without a port it
 * looks at 80 and, if nothing listens there, at 9999. A failure that proves the protocol
 * (wrong credentials, Third-Party Compatibility off) ends the search: trying other protocols
 * would only hide the real problem. What it found is kept for the life of the transport.
 */
import * as net from 'node:net';
import {
  ClosedError,
  describeAddress,
  LampError,
  UnreachableError,
  UnsupportedProtocolError,
} from './errors';
import type { Encryption, LoginInfo, Protocol, SendOptions, Transport } from './types';

/** What to try after `protocol` failed with `error`; null when the search ends there. */
function nextCandidate(protocol: Protocol, error: unknown): Protocol | null {
  if (!(error instanceof LampError)) return null;
  if (protocol !== 'legacy' && noHttpAnswer(error)) return 'legacy';
  if (protocol === 'klap' && error.code === 'NOT_KLAP') return 'aes';
  return null;
}

/** The peer took the connection but did not answer HTTP: a Kasa legacy device, most likely. */
function noHttpAnswer(error: LampError): boolean {
  if ((error as { transient?: unknown }).transient === true) return true;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('HPE_');
}

/** Resolves true when something accepts a TCP connection on host:port within `ms`. */
function listens(host: string, port: number, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(open);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), ms);
    signal.addEventListener('abort', onAbort);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Makes the transport for one protocol on one port. */
export type TransportMaker = (protocol: Protocol, port: number) => Transport;

export interface AutoOptions {
  host: string;
  /** Undefined: look at the default ports. */
  port?: number;
  timeoutMs?: number;
  /** The ports looked at when no port is given; tests move them off 80 and 9999. */
  defaultPorts?: { http: number; legacy: number };
}

export class AutoTransport implements Transport {
  readonly address: string;
  private chosen: Transport | null = null;
  private probing: Promise<Transport> | null = null;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: AutoOptions,
    private readonly make: TransportMaker,
  ) {
    this.address = describeAddress(options.host, options.port ?? 80);
  }

  /** The protocol found, once found. */
  get encryption(): Encryption | undefined {
    return this.chosen?.encryption;
  }

  get lastLogin(): LoginInfo | null {
    return this.chosen?.lastLogin ?? null;
  }

  async open(): Promise<void> {
    const transport = this.chosen ?? (await this.select());
    await transport.open?.();
  }

  async send(plaintext: string, options?: SendOptions): Promise<string> {
    const transport = this.chosen ?? (await this.select());
    return transport.send(plaintext, options);
  }

  reset(): void {
    this.chosen?.reset();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    await this.chosen?.close();
  }

  /** One search at a time; everyone waiting shares its outcome. */
  private select(): Promise<Transport> {
    if (this.closed) return Promise.reject(new ClosedError(this.address));
    this.probing ??= this.search().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async search(): Promise<Transport> {
    const { port, first } = await this.plan();
    let protocol: Protocol | null = first;
    let firstError: unknown;
    while (protocol) {
      const transport: Transport = this.make(protocol, port);
      try {
        await transport.open?.();
      } catch (raw) {
        const error: unknown =
          protocol === 'aes' && firstError ? neitherKlapNorAes(raw, this.address) : raw;
        const next: Protocol | null = this.closed ? null : nextCandidate(protocol, error);
        if (next) {
          firstError ??= error;
          await transport.close();
          protocol = next;
          continue;
        }
        // A protocol that refused our login as itself is the right one: keep its transport, so
        // its own state (wake-up, shared login failure) carries on to the next attempt.
        if (!this.closed && provesProtocol(error)) this.chosen = transport;
        else await transport.close();
        throw this.closed ? new ClosedError(this.address) : error;
      }
      if (this.closed) {
        await transport.close();
        throw new ClosedError(this.address);
      }
      this.chosen = transport;
      return transport;
    }
    throw firstError ?? new UnreachableError(this.address, 'no protocol answered');
  }

  /**
   * Without a port: 80 when something listens there (or nothing listens on either port, so that
   * KLAP's wake-up probe for plugs that keep port 80 closed gets its chance), else 9999.
   */
  private async plan(): Promise<{ port: number; first: Protocol }> {
    if (this.options.port !== undefined) return { port: this.options.port, first: 'klap' };
    const ports = this.options.defaultPorts ?? { http: 80, legacy: 9999 };
    const wait = Math.min(this.options.timeoutMs ?? 5000, 2000);
    const { host } = this.options;
    const signal = this.abort.signal;
    if (await listens(host, ports.http, wait, signal)) return { port: ports.http, first: 'klap' };
    if (await listens(host, ports.legacy, wait, signal)) {
      return { port: ports.legacy, first: 'legacy' };
    }
    return { port: ports.http, first: 'klap' };
  }
}

/**
 * KLAP's handshake was not there (404) and the AES handshake was refused too: the firmware
 * speaks something newer, which today means TPAP.
 */
function neitherKlapNorAes(error: unknown, address: string): unknown {
  if (!(error instanceof LampError)) return error;
  if (error.code !== 'WRONG_PROTOCOL' && error.code !== 'UNSUPPORTED_PROTOCOL') return error;
  return new UnsupportedProtocolError(
    address,
    'tpap',
    'Its firmware answers neither KLAP nor AES logins. Enable "Third-Party Compatibility" in ' +
      'the Tapo app (toggle it off and on after a firmware update) so it also speaks KLAP.',
  );
}

/** A failure only a device speaking that protocol could have produced. */
function provesProtocol(error: unknown): boolean {
  return (
    error instanceof LampError &&
    ['AUTH_FAILED', 'THIRD_PARTY_DISABLED', 'HANDSHAKE_FAILED', 'INTEGRITY'].includes(error.code)
  );
}
