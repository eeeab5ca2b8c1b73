/**
 * The KLAP handshake hashes (docs/protocols/klap.md §3).
 *
 * Two independent choices make up a "variant": how the credentials are folded into an auth hash
 * (`md5` for Kasa IOT KLAP v1, `sha` for Tapo / new-KLAP devices) and how the seeds are mixed
 * into the handshake hashes (`v1` or `v2` formula). Real devices pair md5+v1 and sha+v2, but a
 * device advertising neither reliably exists (new IOT firmware, md5+v2 seen in the project's seed
 * document), so the client matches every pairing against the device's challenge instead of
 * guessing from the device family.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { CredentialCandidate, CredentialKind } from '../credentials';

export type AuthKind = 'md5' | 'sha';
export type SeedFormula = 'v1' | 'v2';

function digest(algorithm: 'md5' | 'sha1' | 'sha256', ...parts: Buffer[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** md5: md5(md5(u) ‖ md5(p)), 16 bytes. sha: sha256(sha1(u) ‖ sha1(p)), 32 bytes. UTF-8, as typed. */
export function authHash(kind: AuthKind, username: string, password: string): Buffer {
  const user = Buffer.from(username, 'utf8');
  const pass = Buffer.from(password, 'utf8');
  if (kind === 'md5') return digest('md5', digest('md5', user), digest('md5', pass));
  return digest('sha256', digest('sha1', user), digest('sha1', pass));
}

/** What the device returns after its remote seed in handshake1, proving it knows the auth hash. */
export function serverHash(
  formula: SeedFormula,
  localSeed: Buffer,
  remoteSeed: Buffer,
  auth: Buffer,
): Buffer {
  return formula === 'v1'
    ? digest('sha256', localSeed, auth)
    : digest('sha256', localSeed, remoteSeed, auth);
}

/** What the client sends in handshake2, proving in turn that it knows the auth hash. */
export function handshake2Payload(
  formula: SeedFormula,
  localSeed: Buffer,
  remoteSeed: Buffer,
  auth: Buffer,
): Buffer {
  return formula === 'v1'
    ? digest('sha256', remoteSeed, auth)
    : digest('sha256', remoteSeed, localSeed, auth);
}

export interface HandshakeMatch {
  readonly credential: CredentialKind;
  readonly authKind: AuthKind;
  readonly formula: SeedFormula;
  /** The auth hash that matched: handshake2 and the session keys are derived from it. */
  readonly authHash: Buffer;
}

/**
 * Pairings in the order they are tried: the two combinations real devices use first, then the
 * mixed ones. The order only matters for speed; distinct pairings cannot collide in practice.
 */
const PAIRINGS: ReadonlyArray<readonly [AuthKind, SeedFormula]> = [
  ['sha', 'v2'],
  ['md5', 'v1'],
  ['md5', 'v2'],
  ['sha', 'v1'],
];

/**
 * Finds which credential candidate, auth kind and seed formula produce the device's server hash.
 * Candidates are tried in the order given (account first); null when none matches.
 */
export function matchServerHash(
  localSeed: Buffer,
  remoteSeed: Buffer,
  received: Buffer,
  candidates: readonly CredentialCandidate[],
): HandshakeMatch | null {
  if (received.length !== 32) return null;
  for (const candidate of candidates) {
    for (const [authKind, formula] of PAIRINGS) {
      const auth = authHash(authKind, candidate.username, candidate.password);
      const expected = serverHash(formula, localSeed, remoteSeed, auth);
      if (timingSafeEqual(expected, received)) {
        return { credential: candidate.kind, authKind, formula, authHash: auth };
      }
    }
  }
  return null;
}
