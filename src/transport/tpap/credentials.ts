/**
 * What the device asks the password to be turned into before SPAKE2+ (docs/protocols/tpap.md
 * §3): the register username, which secret a passcode type means, and the credential string
 * that `extra_crypt` describes. Lamps and plugs ask for `password_shadow` / `passwd_id` 2 (the
 * hex SHA-1 of the password); the other forms are here because a device may ask for them and a
 * wrong guess would look like a wrong password.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { record } from '../json';
import { md5Crypt, sha256Crypt } from './crypt';

export type PasscodeType = 'userpw' | 'default_userpw' | 'shared_token';

export interface AccountSecret {
  /** TP-Link account e-mail, exactly as typed. */
  username: string;
  password: string;
  /** The device MAC in any common spelling ("5C-E9-31-12-34-56", "5ce931123456" ...). */
  mac: string;
}

const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');

/**
 * The `username` of pake_register: never the e-mail, a hash of "admin" whose form discovery's
 * `user_hash_type` selects.
 */
export function registerUsername(userHashType?: number): string {
  return userHashType === 1
    ? createHash('sha256').update('admin').digest('hex').toUpperCase()
    : md5Hex('admin');
}

/** Which passcode a lamp or plug wants, from discovery's `pake` list. */
export function passcodeTypeFor(pake: readonly number[] | undefined): PasscodeType {
  const kinds = pake ?? [];
  if (kinds.includes(0)) return 'default_userpw';
  if (kinds.includes(2) || kinds.includes(5)) return 'userpw';
  if (kinds.includes(3)) return 'shared_token';
  return 'default_userpw';
}

/** The 12 hex digits of a MAC, upper case, or null when it is not a MAC. */
export function macDigits(mac: string): string | null {
  const digits = mac.replace(/[:-]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(digits) ? digits : null;
}

const DEFAULT_PASSCODE_SEED = 'GqY5o136oa4i6VprTlMW2DpVXxmfW8';

/** The passcode of a device nobody has bound to an account, derived from its MAC alone. */
export function defaultPasscode(mac: string): string {
  const digits = macDigits(mac);
  if (digits === null) throw new RangeError('the default passcode needs the device MAC');
  const bytes = Buffer.from(digits, 'hex');
  // The MAC's halves go in swapped: device half first, vendor half second.
  const ikm = Buffer.concat([
    Buffer.from(DEFAULT_PASSCODE_SEED),
    bytes.subarray(3),
    bytes.subarray(0, 3),
  ]);
  const okm = hkdfSync(
    'sha256',
    ikm,
    Buffer.from('tp-kdf-salt-default-passcode'),
    Buffer.from('tp-kdf-info-default-passcode'),
    32,
  );
  return Buffer.from(okm).toString('hex').toUpperCase();
}

/** The secret a passcode type feeds into the credential step. */
export function credentialFor(
  type: PasscodeType,
  extraCrypt: unknown,
  secret: AccountSecret,
): string {
  if (type === 'default_userpw') return defaultPasscode(secret.mac);
  return shadowCredential(extraCrypt, secret);
}

/** An integer sent as a number or a decimal string; undefined otherwise. */
function integer(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,10}$/.test(value.trim())) return Number(value);
  return undefined;
}

/** The credential string for an account passcode, as `extra_crypt` describes it. */
export function shadowCredential(extraCrypt: unknown, secret: AccountSecret): string {
  const { username: u, password: p } = secret;
  const plain = u === '' ? p : `${u}/${p}`;
  const extra = record(extraCrypt);
  const params = record(extra?.params) ?? {};
  switch (extra?.type) {
    case 'password_shadow':
      return passwordShadow(params, secret);
    case 'password_authkey':
      return authkeyMask(p, params);
    case 'password_sha_with_salt':
      return shaWithSalt(p, params);
    default:
      // Absent, {} or a type we do not know: the plain "user/password" form.
      return plain;
  }
}

function passwordShadow(params: Record<string, unknown>, secret: AccountSecret): string {
  const { username: u, password: p } = secret;
  switch (integer(params.passwd_id)) {
    case 1: {
      const salt = cryptSalt(params.passwd_prefix, '$1$');
      return salt === null ? p : md5Crypt(p, salt.slice(0, 8));
    }
    case 2:
      return sha1Hex(p);
    case 3: {
      const digits = macDigits(secret.mac);
      if (u === '' || digits === null) return p;
      const mac = digits.match(/../g)?.join(':') ?? digits;
      return sha1Hex(`${md5Hex(u)}_${mac}`);
    }
    case 5:
      return sha256Shadow(p, params);
    default:
      return p;
  }
}

/** The salt of a "$1$salt$" / "$5$salt$" prefix (text up to the next "$"), or null. */
function cryptSalt(prefix: unknown, magic: string): string | null {
  if (typeof prefix !== 'string' || !prefix.startsWith(magic)) return null;
  const salt = prefix.slice(magic.length).split('$')[0] ?? '';
  return salt === '' ? null : salt;
}

/**
 * passwd_id 5. Rounds come from "rounds=N" in the prefix, overridden by `passwd_rounds`, clamped
 * to 1000 … 999 999 999; with neither, passlib's default of 535 000 applies. Unlike the
 * reference client we stop the salt at a "$" after "rounds=N$" too (it would otherwise keep the
 * "$" and fail), see docs/protocols/tpap.md §3.
 */
function sha256Shadow(password: string, params: Record<string, unknown>): string {
  const prefix = params.passwd_prefix;
  if (typeof prefix !== 'string' || !prefix.startsWith('$5$')) return password;
  let rest = prefix.slice(3);
  let rounds: number | undefined;
  const announced = /^rounds=(\d{1,10})\$/.exec(rest);
  if (announced) {
    rounds = Number(announced[1]);
    rest = rest.slice(announced[0].length);
  }
  const salt = (rest.split('$')[0] ?? '').slice(0, 16);
  if (salt === '') return password;
  rounds = integer(params.passwd_rounds) ?? rounds ?? 535_000;
  rounds = Math.min(999_999_999, Math.max(1000, rounds));
  return sha256Crypt(password, salt, rounds);
}

/** password_authkey: each character pair XORed and looked up in the device's dictionary. */
function authkeyMask(password: string, params: Record<string, unknown>): string {
  const tmpkey = typeof params.authkey_tmpkey === 'string' ? [...params.authkey_tmpkey] : [];
  const dictionary =
    typeof params.authkey_dictionary === 'string' ? [...params.authkey_dictionary] : [];
  if (tmpkey.length === 0 || dictionary.length === 0) return password;
  const pw = [...password];
  const filler = 0xbb; // stands in for the shorter string's missing characters
  let out = '';
  for (let i = 0; i < Math.max(pw.length, tmpkey.length); i++) {
    const a = pw[i]?.codePointAt(0) ?? filler;
    const b = tmpkey[i]?.codePointAt(0) ?? filler;
    out += dictionary[(a ^ b) % dictionary.length];
  }
  return out;
}

/** password_sha_with_salt: SHA-256 of a role name, the device's salt and the password. */
function shaWithSalt(password: string, params: Record<string, unknown>): string {
  const name = integer(params.sha_name);
  const salt = params.sha_salt;
  if (name === undefined || typeof salt !== 'string' || !isBase64(salt)) return password;
  return createHash('sha256')
    .update(name === 0 ? 'admin' : 'user')
    .update(Buffer.from(salt, 'base64'))
    .update(password, 'utf8')
    .digest('hex');
}

function isBase64(text: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}
