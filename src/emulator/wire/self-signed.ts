/**
 * A self-signed X.509 certificate made with node:crypto alone, for the emulated HTTPS devices.
 *
 * Node 20 can parse certificates but not build them, and the package takes no dependency for
 * this, so the few DER structures a certificate needs are written here: a v3 certificate with
 * no extensions, an RSA-2048 key, signed with SHA-256, naming no host (as the H200's own does
 * not; clients do not verify it). One key and certificate per process: RSA key generation is the
 * slowest part, and every emulated device may share them.
 */
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

/** DER tag numbers used below (ITU-T X.690). */
const TAG = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] EXPLICIT, constructed: the certificate's version field. */
  CONTEXT_0: 0xa0,
});

/** Definite-length DER: short form below 128 bytes, else 0x80|n followed by n length bytes. */
export function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** An object identifier from its dotted form ("1.2.840.113549.1.1.11"). */
export function derOid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [part & 0x7f];
    for (let value = Math.floor(part / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift(0x80 | (value & 0x7f));
    }
    bytes.push(...chunk);
  }
  return der(TAG.OID, Buffer.from(bytes));
}

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
export function derUnsigned(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = bytes.subarray(start);
  const needsZero = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return der(TAG.INTEGER, needsZero ? Buffer.from([0]) : Buffer.alloc(0), trimmed);
}

/** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 asks. */
export function derTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-07T14:23:56.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ''); // 20261207142356
  const year = date.getUTCFullYear();
  return year < 2050
    ? der(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : der(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'ascii'));
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

function name(commonName: string): Buffer {
  return der(
    TAG.SEQUENCE,
    der(
      TAG.SET,
      der(TAG.SEQUENCE, derOid(COMMON_NAME), der(TAG.UTF8_STRING, Buffer.from(commonName))),
    ),
  );
}

export interface SelfSignedCertificate {
  /** PEM, for tls.createServer's `cert`. */
  cert: string;
  /** PKCS#8 PEM, for `key`. */
  key: string;
  /** SHA-256 fingerprint as Node prints it ("AB:CD:…"). */
  fingerprint256: string;
}

export interface SelfSignedOptions {
  commonName?: string;
  /** Default: now. */
  now?: Date;
  /** Default 3650. */
  days?: number;
}

/** Builds and signs a new certificate with a new RSA-2048 key. */
export function makeSelfSignedCertificate(options: SelfSignedOptions = {}): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  const notAfter = new Date(now.getTime() + (options.days ?? 3650) * 24 * 3600 * 1000);
  const subject = name(options.commonName ?? 'lamp-control emulator');
  const algorithm = der(TAG.SEQUENCE, derOid(SHA256_WITH_RSA), der(TAG.NULL));
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive, 16 bytes long
  const tbs = der(
    TAG.SEQUENCE,
    der(TAG.CONTEXT_0, der(TAG.INTEGER, Buffer.from([2]))), // v3
    derUnsigned(serial),
    algorithm,
    subject, // issuer: self-signed
    der(TAG.SEQUENCE, derTime(notBefore), derTime(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = der(
    TAG.SEQUENCE,
    tbs,
    algorithm,
    der(TAG.BIT_STRING, Buffer.from([0]), signature),
  );
  const body = certificate.toString('base64').replace(/.{1,64}/g, '$&\n');
  const cert = `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fingerprint256: new X509Certificate(cert).fingerprint256,
  };
}

let shared: SelfSignedCertificate | null = null;

/** This process's certificate, made on first use. */
export function emulatorCertificate(): SelfSignedCertificate {
  shared ??= makeSelfSignedCertificate();
  return shared;
}
