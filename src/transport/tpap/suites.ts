/**
 * The cipher suites and session ciphers TPAP can agree on (docs/protocols/tpap.md §4).
 *
 * A suite fixes the curve of the SPAKE2+ exchange, the hash of the transcript and of every
 * HKDF, and the MAC of the key confirmation. The session cipher is negotiated separately
 * (`encryption`). We offer only suite 1 with AES-128-CCM, as every reported lamp and plug
 * chooses it, but run whatever the device picks from the tables below.
 */
import { p256, p384, p521 } from '@noble/curves/nist';

export type Curve = typeof p256;
export type Point = ReturnType<Curve['Point']['fromHex']>;
export type HashName = 'sha256' | 'sha512';
export type MacKind = 'hmac' | 'cmac';

export interface Suite {
  readonly id: number;
  readonly curveName: 'P-256' | 'P-384' | 'P-521';
  readonly curve: Curve;
  /** Hash of the transcript and of every HKDF in the key schedule. */
  readonly hash: HashName;
  /** Confirmation MAC: HMAC with `hash`, or AES-128-CMAC. */
  readonly mac: MacKind;
  /** Length of each confirmation key (KcA, KcB). */
  readonly macKeyBytes: number;
  /** Length of the shared key the session key and nonce are derived from. */
  readonly sharedKeyBytes: number;
  /** The SPAKE2 constants M and N (SEC1 compressed), the same ones RFC 9382 publishes. */
  readonly M: Point;
  readonly N: Point;
}

const P256_M = '02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f';
const P256_N = '03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49';
const P384_M =
  '030ff0895ae5ebf6187080a82d82b42e2765e3b2f8749c7e05eba366434b363d3dc36f15314739074d2eb8613fceec2853';
const P384_N =
  '02c72cf2e390853a1c1c4ad816a62fd15824f56078918f43f922ca21518f9c543bb252c5490214cf9aa3f0baab4b665c10';
const P521_M =
  '02003f06f38131b2ba2600791e82488e8d20ab889af753a41806c5db18d37d85608cfae06b82e4a72cd744c719193562a653ea1f119eef9356907edc9b56979962d7aa';
const P521_N =
  '0200c7924b9ec017f3094562894336a53c50167ba8c5963876880542bc669e494b2532d76c5b53dfb349fdf69154b9e0048c58a42e8ed04cef052a3bc349d95575cd25';

/**
 * Every login multiplies M and N: a small cache of their multiples (window 4, built on first
 * use for a few ms) makes that 8-18x cheaper (docs/protocols/tpap.md §10). Larger windows cost
 * more to build at a cold start than they save.
 */
function cached(point: Point): Point {
  return point.precompute(4, true);
}

function suite(id: number, curveName: Suite['curveName'], hash: HashName, mac: MacKind): Suite {
  const [curve, m, n] =
    curveName === 'P-256'
      ? [p256, P256_M, P256_N]
      : curveName === 'P-384'
        ? [p384, P384_M, P384_N]
        : [p521, P521_M, P521_N];
  return {
    id,
    curveName,
    curve,
    hash,
    mac,
    macKeyBytes: mac === 'cmac' ? 16 : 32,
    sharedKeyBytes: hash === 'sha512' ? 64 : 32,
    M: cached(curve.Point.fromHex(m)),
    N: cached(curve.Point.fromHex(n)),
  };
}

/** Every suite a device may choose; 6 and 7 have no defined curve and are refused. */
export const SUITES: ReadonlyMap<number, Suite> = new Map(
  [
    suite(1, 'P-256', 'sha256', 'hmac'),
    suite(2, 'P-256', 'sha512', 'hmac'),
    suite(3, 'P-384', 'sha256', 'hmac'),
    suite(4, 'P-384', 'sha512', 'hmac'),
    suite(5, 'P-521', 'sha512', 'hmac'),
    suite(8, 'P-256', 'sha256', 'cmac'),
    suite(9, 'P-256', 'sha512', 'cmac'),
  ].map((s) => [s.id, s]),
);

/** What we offer in pake_register: the suite and cipher every reported lamp and plug uses. */
export const OFFERED_SUITES = [1] as const;
export const OFFERED_CIPHERS = ['aes_128_ccm'] as const;

export type CipherName = 'aes_128_ccm' | 'aes_256_ccm' | 'chacha20_poly1305';

export interface SessionCipherSpec {
  readonly name: CipherName;
  /** The node:crypto algorithm. */
  readonly algorithm: 'aes-128-ccm' | 'aes-256-ccm' | 'chacha20-poly1305';
  readonly keyBytes: number;
  /** Label stem of the HKDF salts and infos ("tp-kdf-salt-<stem>-key" ...). */
  readonly label: string;
  /** For people: "AES-128-CCM". */
  readonly title: string;
}

export const CIPHERS: ReadonlyMap<CipherName, SessionCipherSpec> = new Map([
  [
    'aes_128_ccm',
    {
      name: 'aes_128_ccm',
      algorithm: 'aes-128-ccm',
      keyBytes: 16,
      label: 'aes128',
      title: 'AES-128-CCM',
    },
  ],
  [
    'aes_256_ccm',
    {
      name: 'aes_256_ccm',
      algorithm: 'aes-256-ccm',
      keyBytes: 32,
      label: 'aes256',
      title: 'AES-256-CCM',
    },
  ],
  [
    'chacha20_poly1305',
    {
      name: 'chacha20_poly1305',
      algorithm: 'chacha20-poly1305',
      keyBytes: 32,
      label: 'chacha20',
      title: 'ChaCha20-Poly1305',
    },
  ],
]);

/** The device's `encryption` answer as one of ours: case and dashes vary between firmware. */
export function cipherByName(raw: unknown): SessionCipherSpec | undefined {
  if (typeof raw !== 'string') return undefined;
  return CIPHERS.get(raw.toLowerCase().replace(/-/g, '_') as CipherName);
}
