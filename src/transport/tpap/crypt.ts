/**
 * The two Unix password hashes a TPAP device may ask the credential to be shadowed with
 * (docs/protocols/tpap.md §3): md5-crypt (`$1$`) and sha256-crypt (`$5$`). node:crypto has
 * neither; both are written here from their published descriptions (Kamp's md5-crypt, Drepper's
 * "Unix crypt using SHA-256 and SHA-512"). No lamp or plug has been seen asking for them, so they
 * only have to be right, not fast.
 */
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `count` characters of the crypt alphabet from the low bits of `value` upwards. */
function to64(value: number, count: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < count; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

function digest(algorithm: 'md5' | 'sha256', ...parts: Buffer[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `source` repeated (and cut) to exactly `length` bytes. */
function stretch(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += source.length)
    source.copy(out, i, 0, Math.min(source.length, length - i));
  return out;
}

/** md5-crypt of `password` with `salt` (at most 8 characters are used): "$1$salt$hash". */
export function md5Crypt(password: string, salt: string): string {
  const pw = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const alternate = digest('md5', pw, s, pw);
  const parts: Buffer[] = [pw, magic, s, stretch(alternate, pw.length)];
  for (let i = pw.length; i > 0; i >>>= 1) {
    parts.push(i & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  }
  let result = digest('md5', ...parts);
  for (let i = 0; i < 1000; i++) {
    const round: Buffer[] = [i & 1 ? pw : result];
    if (i % 3) round.push(s);
    if (i % 7) round.push(pw);
    round.push(i & 1 ? result : pw);
    result = digest('md5', ...round);
  }
  const r = (i: number) => result[i] as number;
  const encoded =
    to64((r(0) << 16) | (r(6) << 8) | r(12), 4) +
    to64((r(1) << 16) | (r(7) << 8) | r(13), 4) +
    to64((r(2) << 16) | (r(8) << 8) | r(14), 4) +
    to64((r(3) << 16) | (r(9) << 8) | r(15), 4) +
    to64((r(4) << 16) | (r(10) << 8) | r(5), 4) +
    to64(r(11), 2);
  return `$1$${s.toString('utf8')}$${encoded}`;
}

/** The byte order in which sha256-crypt packs its final digest, three bytes at a time. */
const SHA256_ORDER: readonly [number, number, number][] = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
];

/**
 * sha256-crypt of `password`: "$5$salt$hash", or "$5$rounds=N$salt$hash" for any count but
 * 5000 — the formatting of Python's passlib, which is what the device side compares against.
 */
export function sha256Crypt(password: string, salt: string, rounds: number): string {
  const pw = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, 16), 'utf8');
  const b = digest('sha256', pw, s, pw);
  const aParts: Buffer[] = [pw, s, stretch(b, pw.length)];
  for (let i = pw.length; i > 0; i >>>= 1) aParts.push(i & 1 ? b : pw);
  const a = digest('sha256', ...aParts);
  const p = stretch(digest('sha256', ...Array<Buffer>(pw.length).fill(pw)), pw.length);
  const ds = digest('sha256', ...Array<Buffer>(16 + (a[0] as number)).fill(s));
  const sBytes = stretch(ds, s.length);
  let c = a;
  for (let i = 0; i < rounds; i++) {
    const round: Buffer[] = [i & 1 ? p : c];
    if (i % 3) round.push(sBytes);
    if (i % 7) round.push(p);
    round.push(i & 1 ? c : p);
    c = digest('sha256', ...round);
  }
  const r = (i: number) => c[i] as number;
  let encoded = '';
  for (const [x, y, z] of SHA256_ORDER) encoded += to64((r(x) << 16) | (r(y) << 8) | r(z), 4);
  encoded += to64((r(31) << 8) | r(30), 3);
  const roundsPart = rounds === 5000 ? '' : `rounds=${rounds}$`;
  return `$5$${roundsPart}${s.toString('utf8')}$${encoded}`;
}
