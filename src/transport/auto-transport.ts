/**
 * AutoTransport (`protocol: auto`): finds out what the device speaks, then gets out of the way.
 *
 * The first use logs in with each candidate protocol in turn until one answers as itself:
 * KLAP first (what most firmware speaks) unless discovery said TPAP; TPAP when KLAP is refused
 * (403, error 1003) or not there (404); AES when neither KLAP nor TPAP is there; the Kasa
 * legacy protocol when the port does not speak HTTP at all, unless it speaks TLS: then `sslaes`
 * (the H200 hub's HTTPS), which is also where a discovery hint `is_support_https` starts. Without
 * a port it looks at 80, then 443 (TLS: sslaes), then 9999. A failure that proves the protocol
 * (wrong credentials)
 * ends the search: trying other protocols would only hide the real problem. What it found is
 * kept for the life of the transport. docs/architecture.md §6.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  ClosedError,
  DeviceLockedError,
  describeAddress,
  LampError,
  UnreachableError,
  UnsupportedProtocolError,
} from './errors';
import type {
  DiscoveryHint,
  Encryption,
  LoginInfo,
  Protocol,
  SendOptions,
  Transport,
} from './types';

/**
 * What to try after `protocol` failed with `error`, given what failed before (`failed`); null
 * when the search ends there.
 */
function nextCandidate(
  protocol: Protocol,
  error: unknown,
  failed: ReadonlyMap<Protocol, unknown>,
): Protocol | null {
  if (!(error instanceof LampError)) return null;
  const untried = (candidate: Protocol): Protocol | null =>
    failed.has(candidate) || candidate === protocol ? null : candidate;
  if (protocol !== 'legacy' && noHttpAnswer(error)) return untried('legacy');
  if (protocol === 'klap') {
    // KLAP refused or absent: TPAP firmware, most likely; after a 404 AES is the other option.
    if (error.code === 'THIRD_PARTY_DISABLED') return untried('tpap');
    if (error.code === 'NOT_KLAP') return untried('tpap') ?? untried('aes');
  }
  if (protocol === 'tpap' && error.code === 'WRONG_PROTOCOL') {
    // No TPAP here (or not preferred): KLAP if not tried yet; AES where KLAP was absent.
    const klap = failed.get('klap');
    if (klap === undefined) return 'klap';
    return klap instanceof LampError && klap.code === 'NOT_KLAP' ? untried('aes') : null;
  }
  return null;
}

/**
 * Where the search starts: sslaes when discovery announced HTTPS, TPAP when it announced TPAP
 * as preferred, else KLAP.
 */
function firstHttpProtocol(hint: DiscoveryHint | undefined): Protocol {
  if (hint?.encryptType === 'HTTPS') return 'sslaes';
  if (!hint || hint.tpapPreferred === false) return 'klap';
  return hint.encryptType === 'TPAP' || hint.tpapPake === true ? 'tpap' : 'klap';
}

/** The peer took the connection but did not answer HTTP: a Kasa legacy device, most likely. */
function noHttpAnswer(error: LampError): boolean {
  if ((error as { transient?: unknown }).transient === true) return true;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('HPE_');
}

/**
 * Resolves true when `socket` emits `ready` within `ms`, false on an error, a close, a timeout
 * or an abort; the socket is destroyed either way (a probe sends nothing).
 */
function probe(
  socket: net.Socket,
  ready: 'connect' | 'secureConnect',
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), ms);
    signal.addEventListener('abort', onAbort);
    socket.once(ready, () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** Resolves true when something accepts a TCP connection on host:port within `ms`. */
function listens(host: string, port: number, ms: number, signal: AbortSignal): Promise<boolean> {
  return probe(net.connect({ host, port }), 'connect', ms, signal);
}

/**
 * Resolves true when host:port completes a TLS handshake within `ms` (the certificate is not
 * looked at: devices present self-signed ones).
 */
function speaksTls(host: string, port: number, ms: number, signal: AbortSignal): Promise<boolean> {
  const socket = tls.connect({
    host,
    port,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    ...(net.isIP(host) ? {} : { servername: host }),
  });
  return probe(socket, 'secureConnect', ms, signal);
}

/** Makes the transport for one protocol on one port. */
export type TransportMaker = (protocol: Protocol, port: number) => Transport;

export interface AutoOptions {
  host: string;
  /** Undefined: look at the default ports. */
  port?: number;
  timeoutMs?: number;
  /**
   * The ports looked at when no port is given; tests move them off 80, 443 and 9999 (an absent
   * `https` skips that step).
   */
  defaultPorts?: { http: number; https?: number; legacy: number };
  /** What discovery said about the device, if anything. */
  hint?: DiscoveryHint;
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

  /** The certificate fingerprint of an HTTPS protocol once found; null otherwise. */
  get certificateFingerprint(): string | null {
    return this.chosen?.certificateFingerprint ?? null;
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
    try {
      return await this.searchOn(port, first);
    } catch (error) {
      // No port given and nothing on 80 spoke a protocol we know: an H200 may listen on 80
      // for something else and speak sslaes on 443 (docs/architecture.md §6).
      const https = this.options.port === undefined ? this.defaultPorts().https : undefined;
      if (
        https === undefined ||
        port === https ||
        this.closed ||
        this.chosen ||
        provesProtocol(error) ||
        !answered(error) ||
        !(await this.tlsAt(https))
      ) {
        throw error;
      }
      try {
        return await this.searchOn(https, 'sslaes');
      } catch (second) {
        // A TLS port that is not a hub either: the first answer says more.
        throw provesProtocol(second) ? second : error;
      }
    }
  }

  /** Tries `first`, then what each failure points to, on one port. */
  private async searchOn(port: number, first: Protocol): Promise<Transport> {
    let protocol: Protocol | null = first;
    /** Candidates that failed, in order, with their error and transport (closed at the end). */
    const failed = new Map<Protocol, unknown>();
    const leftOpen: { error: unknown; transport: Transport }[] = [];
    const closeAllBut = async (keep?: Transport) => {
      await Promise.all(
        leftOpen.filter((f) => f.transport !== keep).map((f) => f.transport.close()),
      );
    };
    while (protocol) {
      const transport: Transport = this.make(protocol, port);
      try {
        await transport.open?.();
      } catch (raw) {
        const error: unknown =
          protocol === 'aes' && failed.size > 0 ? noneAnswered(raw, this.address) : raw;
        let next: Protocol | null = this.closed ? null : nextCandidate(protocol, error, failed);
        // Not HTTP: a TLS port is the hub's HTTPS rather than the Kasa legacy protocol.
        if (next === 'legacy' && !failed.has('sslaes') && (await this.tlsAt(port))) next = 'sslaes';
        failed.set(protocol, error);
        leftOpen.push({ error, transport });
        if (next) {
          protocol = next;
          continue;
        }
        // Report the latest failure that proves its protocol (wrong password; KLAP refused
        // while TPAP was not there either) over "not this protocol"; else the last one.
        const latest = [...leftOpen].reverse();
        const found = this.closed
          ? undefined
          : (latest.find((f) => provesProtocol(f.error)) ?? latest[0]);
        // A protocol that refused our login as itself is the right one: keep its transport, so
        // its own state (wake-up, shared login failure) carries on to the next attempt.
        if (found && provesProtocol(found.error)) this.chosen = found.transport;
        await closeAllBut(this.chosen ?? undefined);
        throw this.closed || !found ? new ClosedError(this.address) : found.error;
      }
      await closeAllBut();
      if (this.closed) {
        await transport.close();
        throw new ClosedError(this.address);
      }
      this.chosen = transport;
      return transport;
    }
    throw new UnreachableError(this.address, 'no protocol answered');
  }

  /**
   * Without a port: 80 when something listens there (or nothing listens on either port, so that
   * KLAP's wake-up probe for plugs that keep port 80 closed gets its chance), else 9999.
   */
  private async plan(): Promise<{ port: number; first: Protocol }> {
    const http = firstHttpProtocol(this.options.hint);
    const given = this.options.port;
    if (given !== undefined) {
      // 443 is HTTPS by convention: a TLS handshake there means the hub's protocol.
      const https = http !== 'sslaes' && given === 443 && (await this.tlsAt(given));
      return { port: given, first: https ? 'sslaes' : http };
    }
    const ports = this.defaultPorts();
    if (http === 'sslaes' && ports.https !== undefined) return { port: ports.https, first: http };
    const wait = this.probeWait();
    const { host } = this.options;
    const signal = this.abort.signal;
    if (await listens(host, ports.http, wait, signal)) return { port: ports.http, first: http };
    if (ports.https !== undefined && (await this.tlsAt(ports.https))) {
      return { port: ports.https, first: 'sslaes' };
    }
    if (await listens(host, ports.legacy, wait, signal)) {
      return { port: ports.legacy, first: 'legacy' };
    }
    return { port: ports.http, first: http };
  }

  private defaultPorts(): { http: number; https?: number; legacy: number } {
    return this.options.defaultPorts ?? { http: 80, https: 443, legacy: 9999 };
  }

  private probeWait(): number {
    return Math.min(this.options.timeoutMs ?? 5000, 2000);
  }

  private tlsAt(port: number): Promise<boolean> {
    return speaksTls(this.options.host, port, this.probeWait(), this.abort.signal);
  }
}

/**
 * KLAP's handshake was not there (404), TPAP's discover neither, and the AES handshake was
 * refused too: whatever answers there speaks none of the protocols we know.
 */
function noneAnswered(error: unknown, address: string): unknown {
  if (!(error instanceof LampError)) return error;
  if (error.code !== 'WRONG_PROTOCOL' && error.code !== 'UNSUPPORTED_PROTOCOL') return error;
  return new UnsupportedProtocolError(
    address,
    'an unknown protocol',
    'It answers neither KLAP, TPAP nor AES logins: check that the address belongs to a Tapo ' +
      'or Kasa lamp or plug, and that its firmware is current.',
  );
}

/** Whether something at the port answered (not: refused, unreachable, silent). */
function answered(error: unknown): boolean {
  if (!(error instanceof LampError)) return false;
  if (error.code === 'TIMEOUT') return false;
  return error.code !== 'UNREACHABLE' || (error as { transient?: unknown }).transient === true;
}

/** A failure only a device speaking that protocol could have produced. */
function provesProtocol(error: unknown): boolean {
  return (
    error instanceof DeviceLockedError ||
    (error instanceof LampError &&
      ['AUTH_FAILED', 'THIRD_PARTY_DISABLED', 'HANDSHAKE_FAILED', 'INTEGRITY'].includes(error.code))
  );
}
