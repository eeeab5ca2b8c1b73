/**
 * What travels in the AES flow besides ciphertext: the handshake body, the securePassthrough
 * envelope and the login_device request with its two credential encodings.
 */

import { createHash } from 'node:crypto';

/** 1: `password` is base64(password); 2 (`lv: 2` in discovery): `password2` = base64(sha1-hex). */
export type AesLoginVersion = 1 | 2;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');

/**
 * login_device params. The username is base64 of the lowercase *hex text* of SHA-1(e-mail), not
 * of the raw digest. Nothing is trimmed or lower-cased: credentials are case-sensitive. Key order
 * (password field first) matches what devices receive from the common clients.
 */
export function loginParams(
  username: string,
  password: string,
  version: AesLoginVersion,
): Record<string, string> {
  const user = b64(sha1Hex(username));
  return version === 1
    ? { password: b64(password), username: user }
    : { password2: b64(sha1Hex(password)), username: user };
}

/** The login_device plaintext (to be encrypted into securePassthrough). */
export function loginRequest(params: Record<string, string>, timeMs: number): string {
  return JSON.stringify({ method: 'login_device', params, request_time_milis: timeMs });
}

/** The (unencrypted) handshake body carrying the client's public key. */
export function handshakeRequest(publicKeyPem: string): string {
  return JSON.stringify({ method: 'handshake', params: { key: publicKeyPem } });
}

/** The securePassthrough envelope around one base64 ciphertext. */
export function passthroughRequest(ciphertext: string): string {
  return JSON.stringify({ method: 'securePassthrough', params: { request: ciphertext } });
}
