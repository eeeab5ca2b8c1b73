/**
 * Which transport speaks to a device: the one the user chose, or (`auto`) the one the device
 * turns out to speak. The table below is the only place that knows every transport.
 */
import { AesTransport } from './aes/aes-transport';
import { AutoTransport } from './auto-transport';
import { InvalidCommandError, quoteInput } from './errors';
import { KlapTransport } from './klap/klap-transport';
import { SSLAES_DEFAULT_PORT, SslAesTransport } from './sslaes/sslaes-transport';
import { TpapTransport } from './tpap/tpap-transport';
import type { DiscoveryHint, Protocol, Transport } from './types';
import { LEGACY_PORT, XorTransport } from './xor/xor-transport';

export type ProtocolChoice = 'auto' | Protocol;

export const PROTOCOL_CHOICES: readonly ProtocolChoice[] = [
  'auto',
  'klap',
  'aes',
  'tpap',
  'sslaes',
  'legacy',
];

export interface TransportOptions {
  /** Default 'auto'. */
  protocol?: ProtocolChoice;
  host: string;
  /**
   * Empty: the protocol's default (80, 443 for sslaes, 9999 for legacy); `auto` then tries 80,
   * then 443, then 9999.
   */
  port?: number;
  username?: string;
  password?: string;
  timeoutMs?: number;
  /** KLAP's wake-up probe port (UDP); null turns the wake-up off. */
  discoveryPort?: number | null;
  wakeUpDelayMs?: number;
  /** AES login form, when discovery told it (`lv`). */
  aesLoginVersion?: 1 | 2;
  /** Tests only: the ports `auto` tries when no port is given. */
  defaultPorts?: { http: number; https?: number; legacy: number };
  /** What discovery said (`DiscoveredDevice.hint`): lets `auto` start with TPAP. */
  hint?: DiscoveryHint;
}

/** The default port of each protocol. */
export function defaultPort(protocol: Protocol): number {
  if (protocol === 'legacy') return LEGACY_PORT;
  return protocol === 'sslaes' ? SSLAES_DEFAULT_PORT : 80;
}

/** A transport for one protocol, on `port` (or the protocol's default). */
export function transportFor(
  protocol: Protocol,
  options: TransportOptions,
  port?: number,
): Transport {
  const common = {
    host: options.host,
    port: port ?? options.port ?? defaultPort(protocol),
    timeoutMs: options.timeoutMs,
  };
  switch (protocol) {
    case 'klap':
      return new KlapTransport({
        ...common,
        username: options.username,
        password: options.password,
        discoveryPort: options.discoveryPort,
        wakeUpDelayMs: options.wakeUpDelayMs,
      });
    case 'aes':
      return new AesTransport({
        ...common,
        username: options.username,
        password: options.password,
        loginVersion: options.aesLoginVersion,
      });
    case 'legacy':
      return new XorTransport(common);
    case 'tpap':
      return new TpapTransport({
        ...common,
        username: options.username,
        password: options.password,
      });
    case 'sslaes':
      return new SslAesTransport({
        ...common,
        username: options.username,
        password: options.password,
      });
  }
}

export function createTransport(options: TransportOptions): Transport {
  const protocol = options.protocol ?? 'auto';
  if (protocol === 'auto') {
    return new AutoTransport(options, (found, port) => transportFor(found, options, port));
  }
  if (!PROTOCOL_CHOICES.includes(protocol)) {
    throw new InvalidCommandError(
      'protocol',
      `protocol must be one of ${PROTOCOL_CHOICES.join(', ')} (got ${quoteInput(protocol)}).`,
    );
  }
  return transportFor(protocol, options);
}
