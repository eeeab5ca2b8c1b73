/**
 * Which credentials to offer a device, in which order.
 *
 * Cloud-bound devices sometimes switch on their own to TP-Link's setup credentials, and devices
 * never bound to an account accept blank ones (docs/protocols/klap.md §2), so every handshake tries the
 * account first and then the well-known fallbacks. The order is rebuilt for every handshake on
 * purpose: a device can change which credentials it expects between two logins.
 */

/** Which candidate matched, for diagnostics; never the secret itself. */
export type CredentialKind = 'account' | 'kasa-default' | 'tapo-default' | 'blank';

export interface CredentialCandidate {
  readonly kind: CredentialKind;
  readonly username: string;
  readonly password: string;
}

/** TP-Link's published setup/default logins (python-kasa DEFAULT_CREDENTIALS, decoded). */
export const KASA_DEFAULT = Object.freeze({ username: 'kasa@tp-link.net', password: 'kasaSetup' });
export const TAPO_DEFAULT = Object.freeze({ username: 'test@tp-link.net', password: 'test' });

/**
 * The ordered candidates: account, Kasa setup, Tapo default, blank; later duplicates dropped.
 * Values are used byte-for-byte: e-mail and password are case-sensitive and never trimmed.
 */
export function credentialCandidates(username?: string, password?: string): CredentialCandidate[] {
  const ordered: CredentialCandidate[] = [];
  const user = username ?? '';
  const pass = password ?? '';
  // An empty account is the same thing as the blank candidate; label it as such.
  if (user !== '' || pass !== '') {
    ordered.push({ kind: 'account', username: user, password: pass });
  }
  ordered.push({ kind: 'kasa-default', ...KASA_DEFAULT });
  ordered.push({ kind: 'tapo-default', ...TAPO_DEFAULT });
  ordered.push({ kind: 'blank', username: '', password: '' });

  const seen = new Set<string>();
  return ordered.filter((candidate) => {
    // JSON keeps the pair unambiguous even when a username contains any separator.
    const key = JSON.stringify([candidate.username, candidate.password]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
