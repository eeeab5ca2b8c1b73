/**
 * diagnose(): log in once and say exactly what works, or exactly what does not and what to do.
 * Shared by the editor's Test connection, the `lamp-control diagnose` command and the library.
 *
 * Most support questions are one of a few causes; the evidence tells them apart: whether the
 * host answered at all (a refused connection is an answer), the protocol the device answered in,
 * and, when the login is refused, the `owner` a device announces in discovery (the MD5 of the
 * e-mail of the account it is bound to) compared with the e-mail typed.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CredentialKind } from '../transport/credentials';
import { DISCOVERY_PORT, discover } from '../transport/discovery';
import { DeviceLockedError, LampError } from '../transport/errors';
import { defaultPort } from '../transport/factory';
import { type ConnectOptions, connect } from './client';

export interface DiagnosisOk {
  ok: true;
  model: string;
  alias: string;
  firmware: string | undefined;
  /** 'KLAP', 'AES', 'SSLAES', 'XOR' … */
  protocol: string | undefined;
  /** e.g. "KLAP 2 (SHA)", "AES, login v2". */
  variant: string | undefined;
  /** Which credentials the device took; null on protocols without a login. */
  credentials: CredentialKind | null;
  /**
   * HTTPS (sslaes): the SHA-256 fingerprint of the certificate the device presented, to compare
   * with the next time (it is self-signed, so nothing else vouches for it); null otherwise.
   */
  certificateFingerprint: string | null;
  loginMs: number;
  roundTripMs: number;
  sentence: string;
}

/** How the e-mail typed compares with the account the device announces. */
export type OwnerMatch = 'match' | 'lowercase' | 'other' | 'unknown';

export interface DiagnosisFailed {
  ok: false;
  code: string;
  /** The error's own message (never contains a secret). */
  message: string;
  /** Whether anything at the host answered (false: no route, no reply at all). */
  hostAnswered: boolean;
  owner: OwnerMatch;
  sentence: string;
}

export type Diagnosis = DiagnosisOk | DiagnosisFailed;

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** How `email` relates to a device's announced owner hash ('' = not announced). */
export function compareOwner(email: string | undefined, owner: string): OwnerMatch {
  if (!owner || !email) return 'unknown';
  const announced = owner.toLowerCase();
  if (md5(email) === announced) return 'match';
  if (md5(email.toLowerCase()) === announced) return 'lowercase';
  return 'other';
}

/** The announced owner hash of the device at `host`, asked directly; '' without an answer. */
async function announcedOwner(host: string, port: number | null | undefined): Promise<string> {
  if (port === null) return '';
  try {
    const found = await discover({
      targets: [`${host}:${port ?? DISCOVERY_PORT}`],
      legacyPort: null,
      timeoutMs: 1500,
      rounds: 2,
    });
    return found[0]?.owner ?? '';
  } catch {
    return '';
  }
}

function causeCode(error: unknown): string | undefined {
  const cause = error instanceof LampError ? (error.cause as { code?: unknown } | undefined) : null;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function authSentence(match: OwnerMatch, email: string | undefined): string {
  switch (match) {
    case 'match':
      return (
        'The device is bound to the e-mail you typed, so the password is wrong (it is ' +
        'case-sensitive): type the TP-Link / Tapo account password exactly.'
      );
    case 'lowercase': {
      const capitals = [...(email ?? '')].filter((c) => c !== c.toLowerCase()).join(', ');
      return (
        `The device is bound to this e-mail written in lower case: ${email?.toLowerCase()} — ` +
        `change the capital letters (${capitals}) to lower case.`
      );
    }
    case 'other':
      return (
        'The device is bound to a different TP-Link account than the e-mail you typed: use ' +
        "that account's e-mail and password, or remove the device in the app and add it again."
      );
    default:
      return (
        'The device refused the e-mail and password: use the TP-Link / Tapo account exactly as ' +
        'in the app (both are case-sensitive); the device may also be bound to another account.'
      );
  }
}

/** Logs in with `options` and reports what happened; never throws for device problems. */
export async function diagnose(options: ConnectOptions): Promise<Diagnosis> {
  const started = performance.now();
  try {
    const lamp = await connect(options);
    try {
      const loggedIn = performance.now();
      const state = await lamp.getState();
      const roundTripMs = Number((performance.now() - loggedIn).toFixed(1));
      const credentials = lamp.login?.credential ?? null;
      const variant = lamp.login?.variant;
      const certificateFingerprint = lamp.certificateFingerprint;
      return {
        ok: true,
        model: state.model,
        alias: state.alias,
        firmware: state.firmware,
        protocol: lamp.encryption,
        variant,
        credentials,
        certificateFingerprint,
        loginMs: Math.round(loggedIn - started),
        roundTripMs,
        sentence:
          `${state.model} "${state.alias}" answered over ${variant ?? lamp.encryption}` +
          `${credentials ? ` with ${credentials} credentials` : ''}; round trip ${roundTripMs} ms` +
          `${certificateFingerprint ? `; certificate SHA-256 ${certificateFingerprint}` : ''}.`,
      };
    } finally {
      await lamp.close();
    }
  } catch (error) {
    if (!(error instanceof LampError)) throw error;
    return explainFailure(error, options);
  }
}

/** What a failed login or exchange means for the user, from the error and what else we can see. */
export async function explainFailure(
  error: LampError,
  options: Pick<ConnectOptions, 'host' | 'port' | 'username' | 'discoveryPort' | 'protocol'>,
): Promise<DiagnosisFailed> {
  const cause = causeCode(error);
  // ECONNREFUSED is the host itself saying no; timeouts and unreachable routes are silence.
  const hostAnswered =
    !['TIMEOUT', 'UNREACHABLE'].includes(error.code) ||
    cause === 'ECONNREFUSED' ||
    cause === 'ECONNRESET';
  let owner: OwnerMatch = 'unknown';
  let sentence = error.message;
  if (error instanceof DeviceLockedError) {
    sentence =
      'The device locked its login after too many wrong passwords' +
      `${error.secondsLeft === null ? '' : ` and unlocks in ${error.secondsLeft} seconds`}. ` +
      'Check the password in every app and flow that uses this device, then wait until it unlocks.';
  } else if (error.code === 'AUTH_FAILED') {
    owner = compareOwner(
      options.username,
      await announcedOwner(options.host, options.discoveryPort),
    );
    sentence = authSentence(owner, options.username);
  } else if (error.code === 'UNREACHABLE' && cause === 'ECONNREFUSED') {
    sentence =
      `${options.host} answered, but nothing listens on port ${options.port ?? portOf(options)} (a wake-up ` +
      'probe was tried for plugs that open it late). Check the port, or power-cycle the device.';
  } else if (!hostAnswered) {
    sentence =
      `Nothing answered at ${options.host}: the device is off, on another network, or the ` +
      'address is wrong (check it in your router; give the device a fixed address).';
  }
  return { ok: false, code: error.code, message: error.message, hostAnswered, owner, sentence };
}

/** The port a connection without one used: the protocol's default, 80 under `auto`. */
function portOf(options: Pick<ConnectOptions, 'protocol'>): number {
  const protocol = options.protocol ?? 'auto';
  return protocol === 'auto' ? 80 : defaultPort(protocol);
}
