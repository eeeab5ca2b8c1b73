import { record } from '../json';
/**
 * The JSON of TPAP's three login calls (docs/protocols/tpap.md §2): what the client sends and
 * how each reply is read, tolerant of the spellings firmware uses. Shared by the transport and
 * the emulator, so both sides agree on every field name.
 */

export const DISCOVER_REQUEST = { method: 'login', params: { sub_method: 'discover' } } as const;

/** What discover tells us about the device's TPAP. */
export interface TpapParameters {
  mac: string;
  /** 0 plain HTTP; 1 and 2 HTTPS (not spoken by this package). */
  tls: number;
  /** The passcode kinds the device accepts. */
  pake: number[];
  /** 1: the register username is SHA-256 instead of MD5. */
  userHashType: number | undefined;
  /** Device attestation offered (we send a nonce; see the doc). */
  dac: boolean;
  port: number | undefined;
}

/** The discover answer: TPAP parameters, or the device's word that it prefers KLAP. */
export type DiscoverAnswer =
  | { kind: 'tpap'; parameters: TpapParameters }
  | { kind: 'prefers-klap' }
  | { kind: 'none' };

/** A number, or a numeric string; undefined for anything else (counts as absent). */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Flags come as 0/1 or false/true. */
function flag(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0);
}

export function readDiscover(result: Record<string, unknown>): DiscoverAnswer {
  const tpap = record(result.tpap);
  if (!tpap) {
    // Both names of the preference flag are reported.
    const preferred = result.tpap_preferred ?? result.prefer_tpap;
    return preferred === false ? { kind: 'prefers-klap' } : { kind: 'none' };
  }
  const pake = Array.isArray(tpap.pake)
    ? tpap.pake.filter((k): k is number => typeof k === 'number')
    : [];
  return {
    kind: 'tpap',
    parameters: {
      mac: typeof result.mac === 'string' ? result.mac : '',
      tls: numeric(tpap.tls) ?? 0,
      pake,
      userHashType: numeric(tpap.user_hash_type),
      dac: flag(tpap.dac),
      port: numeric(tpap.port),
    },
  };
}

export interface RegisterRequest {
  username: string;
  userRandom: Buffer;
  passcodeType: string;
  suites: readonly number[];
  ciphers: readonly string[];
}

export function registerRequest(r: RegisterRequest): Record<string, unknown> {
  return {
    method: 'login',
    params: {
      sub_method: 'pake_register',
      username: r.username,
      user_random: r.userRandom.toString('base64'),
      cipher_suites: [...r.suites],
      encryption: [...r.ciphers],
      passcode_type: r.passcodeType,
      stok: null,
    },
  };
}

export interface RegisterAnswer {
  devRandom: Buffer;
  devSalt: Buffer;
  devShare: Buffer;
  suite: number;
  iterations: number;
  encryption: string;
  extraCrypt: unknown;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decoded base64, or undefined when the field is missing, empty or not base64. */
export function base64Field(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !BASE64.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64');
  return decoded.length > 0 ? decoded : undefined;
}

/** The register answer, or the name of the first field that is missing or unusable. */
export function readRegister(result: Record<string, unknown>): RegisterAnswer | string {
  const devRandom = base64Field(result.dev_random);
  if (!devRandom) return 'dev_random';
  const devSalt = base64Field(result.dev_salt);
  if (!devSalt) return 'dev_salt';
  const devShare = base64Field(result.dev_share);
  if (!devShare) return 'dev_share';
  // A single integer; a one-element list is accepted as well.
  const rawSuite = Array.isArray(result.cipher_suites)
    ? result.cipher_suites[0]
    : result.cipher_suites;
  const suite = numeric(rawSuite);
  if (suite === undefined) return 'cipher_suites';
  const iterations = numeric(result.iterations);
  if (iterations === undefined || !Number.isInteger(iterations) || iterations <= 0)
    return 'iterations';
  if (typeof result.encryption !== 'string') return 'encryption';
  return {
    devRandom,
    devSalt,
    devShare,
    suite,
    iterations,
    encryption: result.encryption,
    extraCrypt: result.extra_crypt,
  };
}

export function shareRequest(
  userShare: Buffer,
  userConfirm: Buffer,
  dacNonce?: Buffer,
): Record<string, unknown> {
  const params: Record<string, unknown> = {
    sub_method: 'pake_share',
    user_share: userShare.toString('base64'),
    user_confirm: userConfirm.toString('base64'),
  };
  if (dacNonce) params.dac_nonce = dacNonce.toString('base64');
  return { method: 'login', params };
}

export interface ShareAnswer {
  devConfirm: Buffer;
  sessionId: string;
  startSeq: number;
  /** Session lifetime in seconds, when the device says. */
  expiresIn: number | undefined;
}

/** Session ids go into the URL path: keep to characters that need no escaping. */
const SESSION_ID = /^[A-Za-z0-9._~-]{1,128}$/;

export function readShare(result: Record<string, unknown>): ShareAnswer | string {
  const devConfirm = base64Field(result.dev_confirm);
  if (!devConfirm) return 'dev_confirm';
  const sessionId = result.sessionId ?? result.stok;
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) return 'sessionId';
  const startSeq = numeric(result.start_seq);
  if (
    startSeq === undefined ||
    !Number.isInteger(startSeq) ||
    startSeq < 0 ||
    startSeq > 0xffffffff
  ) {
    return 'start_seq';
  }
  const expired = numeric(result.expired);
  return {
    devConfirm,
    sessionId,
    startSeq,
    expiresIn: expired !== undefined && expired > 0 ? expired : undefined,
  };
}

/** Reads `{error_code, result}`; undefined when the text is not that shape. */
export function readEnvelope(
  text: string,
): { code: number; result: Record<string, unknown> } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const outer = record(value);
  const code = numeric(outer?.error_code);
  if (!outer || code === undefined) return undefined;
  return { code, result: record(outer.result) ?? {} };
}
