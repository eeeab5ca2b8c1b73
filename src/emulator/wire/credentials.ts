/**
 * Which credentials an emulated device expects for the login that starts now. Shared by the
 * KLAP and AES servers, which differ only in the setup account they fall back to.
 */

import { KASA_DEFAULT, TAPO_DEFAULT } from '../../transport/credentials';

/**
 * account: the configured account. kasa-default / tapo-default: TP-Link's setup logins (a device
 * sometimes switches to them on its own). blank: never bound to an account. alternating: the
 * account and the wire's usual fallback in turn, one per login (KLAP: Kasa's, AES: Tapo's).
 */
export type CredentialMode = 'account' | 'kasa-default' | 'tapo-default' | 'blank' | 'alternating';

export const CREDENTIAL_MODES: readonly CredentialMode[] = [
  'account',
  'kasa-default',
  'blank',
  'alternating',
  'tapo-default',
];

export interface CredentialSettings {
  mode: CredentialMode;
  username?: string;
  password?: string;
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * @param login how many logins this server started before this one
 * @param fallback the setup account this wire's clients try after the user's own
 */
export function expectedCredentials(
  settings: CredentialSettings,
  login: number,
  fallback: 'kasa' | 'tapo',
): Credentials {
  const { mode, username = '', password = '' } = settings;
  const setup = fallback === 'kasa' ? KASA_DEFAULT : TAPO_DEFAULT;
  switch (mode) {
    case 'account':
      return { username, password };
    case 'kasa-default':
      return { ...KASA_DEFAULT };
    case 'tapo-default':
      return { ...TAPO_DEFAULT };
    case 'blank':
      return { username: '', password: '' };
    case 'alternating':
      return login % 2 === 0 ? { username, password } : { ...setup };
  }
}
