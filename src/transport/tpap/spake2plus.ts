/**
 * SPAKE2+ as TPAP runs it (docs/protocols/tpap.md §5–§6): password to scalars, both shares,
 * the transcript, the key schedule and the confirmation MACs. The prover side is what our
 * client runs; the verifier side is what the emulator runs, from the same code, so the two
 * cannot drift apart. All points are handled as noble-curves points and written uncompressed.
 */
import {
  createHash,
  createHmac,
  hkdfSync,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { aesCmac } from './cmac';
import type { Point, Suite } from './suites';

/** PBKDF2 output length: two 40-byte halves whatever the curve (the reference's fixed choice). */
const PBKDF2_BYTES = 80;

export interface Scalars {
  w0: bigint;
  w1: bigint;
}

export class SpakeError extends Error {}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

/** Both scalars from the credential string, the device's salt and its iteration count. */
export function deriveScalars(
  suite: Suite,
  credential: string,
  salt: Buffer,
  iterations: number,
): Scalars & { stretched: Buffer } {
  const stretched = pbkdf2Sync(
    Buffer.from(credential, 'utf8'),
    salt,
    iterations,
    PBKDF2_BYTES,
    'sha256',
  );
  const n = order(suite);
  return {
    w0: toBigInt(stretched.subarray(0, 40)) % n,
    w1: toBigInt(stretched.subarray(40)) % n,
    stretched,
  };
}

export function order(suite: Suite): bigint {
  return suite.curve.Point.Fn.ORDER;
}

/** A uniformly distributed scalar in [1, n−1]: 64 spare bits make the modulo bias negligible. */
export function randomScalar(suite: Suite): bigint {
  const n = order(suite);
  const bytes = Math.ceil(n.toString(16).length / 2) + 8;
  return (BigInt(`0x${randomBytes(bytes).toString('hex')}`) % (n - 1n)) + 1n;
}

/** k·P, refusing the scalars noble refuses (0, ≥ n) with our own error. */
function times(point: Point, k: bigint, suite: Suite): Point {
  if (k <= 0n || k >= order(suite)) throw new SpakeError('scalar out of range');
  return point.multiply(k);
}

export function encodePoint(point: Point): Buffer {
  return Buffer.from(point.toBytes(false));
}

/** Decodes a SEC1 point (compressed or not) and checks it lies on the curve. */
export function decodePoint(suite: Suite, bytes: Buffer): Point {
  try {
    const point = suite.curve.Point.fromHex(bytes.toString('hex'));
    point.assertValidity();
    if (point.is0()) throw new SpakeError('identity point');
    return point;
  } catch (error) {
    if (error instanceof SpakeError) throw error;
    throw new SpakeError('not a point on the curve');
  }
}

/** The prover's share X = x·G + w0·M. */
export function proverShare(suite: Suite, w0: bigint, x: bigint): Point {
  return times(suite.curve.Point.BASE, x, suite).add(times(suite.M, w0, suite));
}

/** The verifier's share Y = y·G + w0·N. */
export function verifierShare(suite: Suite, w0: bigint, y: bigint): Point {
  return times(suite.curve.Point.BASE, y, suite).add(times(suite.N, w0, suite));
}

/** The verifier's record of the password: L = w1·G. */
export function verifierRecord(suite: Suite, w1: bigint): Point {
  return times(suite.curve.Point.BASE, w1, suite);
}

/** Prover: Z = x·(Y − w0·N), V = w1·(Y − w0·N). */
export function proverSecrets(
  suite: Suite,
  scalars: Scalars,
  x: bigint,
  Y: Point,
): { Z: Point; V: Point } {
  const r = Y.subtract(times(suite.N, scalars.w0, suite));
  // A share that cancels w0·N would make Z and V known to anyone: refuse it (RFC 9383).
  if (r.is0()) throw new SpakeError('the device share cancels out');
  return { Z: times(r, x, suite), V: times(r, scalars.w1, suite) };
}

/** Verifier: Z = y·(X − w0·M), V = y·L. */
export function verifierSecrets(
  suite: Suite,
  w0: bigint,
  L: Point,
  y: bigint,
  X: Point,
): { Z: Point; V: Point } {
  const r = X.subtract(times(suite.M, w0, suite));
  if (r.is0()) throw new SpakeError('the client share cancels out');
  return { Z: times(r, y, suite), V: times(L, y, suite) };
}

/**
 * w0 as the transcript carries it: big-endian in the fewest bytes, with a 00 in front only when
 * the length is odd and the top bit is set (the reference's rule, not a fixed width).
 */
export function encodeW(w: bigint): Buffer {
  let hex = w.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length % 2 === 1 && (bytes[0] as number) & 0x80) {
    return Buffer.concat([Buffer.alloc(1), bytes]);
  }
  return bytes;
}

function hash(suite: Suite, ...parts: Buffer[]): Buffer {
  const h = createHash(suite.hash);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** The context: HASH("PAKE V1" ‖ user_random ‖ dev_random). */
export function contextHash(suite: Suite, userRandom: Buffer, devRandom: Buffer): Buffer {
  return hash(suite, Buffer.from('PAKE V1'), userRandom, devRandom);
}

export interface TranscriptInput {
  userRandom: Buffer;
  devRandom: Buffer;
  X: Point;
  Y: Point;
  Z: Point;
  V: Point;
  w0: bigint;
}

/** Each field preceded by its length as 8 little-endian bytes. */
function lengthPrefixed(field: Buffer): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(field.length));
  return Buffer.concat([length, field]);
}

/** TT: context, two empty identities, M, N, X, Y, Z, V (uncompressed) and w0. */
export function transcript(suite: Suite, input: TranscriptInput): Buffer {
  const fields = [
    contextHash(suite, input.userRandom, input.devRandom),
    Buffer.alloc(0),
    Buffer.alloc(0),
    ...[suite.M, suite.N, input.X, input.Y, input.Z, input.V].map(encodePoint),
    encodeW(input.w0),
  ];
  return Buffer.concat(fields.map(lengthPrefixed));
}

export interface KeySchedule {
  kMain: Buffer;
  /** Confirmation key of the prover (MACs the verifier's share). */
  kcA: Buffer;
  /** Confirmation key of the verifier (MACs the prover's share). */
  kcB: Buffer;
  sharedKey: Buffer;
}

function hkdf(suite: Suite, ikm: Buffer, salt: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync(suite.hash, ikm, salt, Buffer.from(info), length));
}

/** K_main = HASH(TT), then HKDF (empty salt) for the confirmation keys and the shared key. */
export function keySchedule(suite: Suite, tt: Buffer): KeySchedule {
  const kMain = hash(suite, tt);
  const none = Buffer.alloc(0);
  const confirmation = hkdf(suite, kMain, none, 'ConfirmationKeys', 2 * suite.macKeyBytes);
  return {
    kMain,
    kcA: confirmation.subarray(0, suite.macKeyBytes),
    kcB: confirmation.subarray(suite.macKeyBytes),
    sharedKey: hkdf(suite, kMain, none, 'SharedKey', suite.sharedKeyBytes),
  };
}

/** A confirmation: MAC of the other side's share (uncompressed) under one's own key. */
export function confirmation(suite: Suite, key: Buffer, share: Point): Buffer {
  const message = encodePoint(share);
  if (suite.mac === 'cmac') return aesCmac(key, message);
  return createHmac(suite.hash, key).update(message).digest();
}

/** Constant-time comparison of a received confirmation with the expected one. */
export function confirmationMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}
