/**
 * The secure login's arithmetic, shared by SslAesTransport and the emulated hub: password
 * hashes, the device's proof (`device_confirm`), our proof (`digest_passwd`), the session keys
 * and the per-request `Tapo_tag`. Every hash is upper-case hex and the inputs are joined as
 * text, never as raw bytes (docs/protocols/sslaes.md §3–§4).
 */
import { createHash, randomBytes } from 'node:crypto';
import { AesSessionCipher } from '../aes/cipher';

/** Which hash of the password the hub keeps: SHA-256 on newer firmware, MD5 on older. */
export type PasswordHashKind = 'sha256' | 'md5';

/** The order a client tries them in. */
const PASSWORD_HASH_KINDS: readonly PasswordHashKind[] = ['sha256', 'md5'];

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
}

/** H: the password hashed as the hub keeps it (UTF-8 in, upper-case hex out). */
export function passwordHash(kind: PasswordHashKind, password: string): string {
  return kind === 'sha256' ? sha256Hex(password) : md5Hex(password);
}

/** A nonce as both sides make them: 8 random bytes as 16 upper-case hex digits. */
export function newNonce(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** The hub's proof that it knows H: SHA256(CN + H + SN) + SN + CN. */
export function deviceConfirm(cnonce: string, nonce: string, hash: string): string {
  return sha256Hex(cnonce + hash + nonce) + nonce + cnonce;
}

/** Our proof that we know H, sent in handshake 2: SHA256(H + CN + SN) + CN + SN. */
export function digestPassword(cnonce: string, nonce: string, hash: string): string {
  return sha256Hex(hash + cnonce + nonce) + cnonce + nonce;
}

/**
 * The session's AES key (`lsk`) or IV (`ivb`): the first 16 bytes of
 * SHA256(label + CN + SN + SHA256hex(CN + H + SN)).
 */
export function sessionKey(label: 'lsk' | 'ivb', cnonce: string, nonce: string, hash: string) {
  const inner = sha256Hex(cnonce + hash + nonce);
  return createHash('sha256')
    .update(label + cnonce + nonce + inner, 'utf8')
    .digest()
    .subarray(0, 16);
}

/** The part of every tag that stays the same for a session: SHA256hex(H + CN). */
export function tagSecret(hash: string, cnonce: string): string {
  return sha256Hex(hash + cnonce);
}

/** A secure session's sealing: its AES cipher and its tag secret, the same on both sides. */
export interface Sealing {
  cipher: AesSessionCipher;
  secret: string;
}

/** The sealing both sides derive from the two nonces and the password hash. */
export function sessionSealing(cnonce: string, nonce: string, hash: string): Sealing {
  return {
    cipher: new AesSessionCipher(
      sessionKey('lsk', cnonce, nonce, hash),
      sessionKey('ivb', cnonce, nonce, hash),
    ),
    secret: tagSecret(hash, cnonce),
  };
}

/** Tapo_tag = SHA256(SHA256hex(H + CN) + body + seq): over the exact body text sent. */
export function tapoTag(secret: string, body: string, seq: number): string {
  return sha256Hex(secret + body + String(seq));
}

/**
 * Which of the password's hashes `confirm` was made with, or null when neither: then the
 * password is wrong, and the client stops before handshake 2 (which the hub would count).
 */
export function matchDeviceConfirm(
  confirm: string,
  cnonce: string,
  nonce: string,
  password: string,
): { kind: PasswordHashKind; hash: string } | null {
  for (const kind of PASSWORD_HASH_KINDS) {
    const hash = passwordHash(kind, password);
    if (deviceConfirm(cnonce, nonce, hash) === confirm) return { kind, hash };
  }
  return null;
}
