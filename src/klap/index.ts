/** Layer 1: the KLAP protocol (hashes, cipher, transport). Pure TypeScript + Node built-ins. */

export { CipherError, initialSeqFor, KlapCipher, MAX_SEQ } from './cipher';
export {
  type CredentialCandidate,
  type CredentialKind,
  credentialCandidates,
  KASA_DEFAULT,
  TAPO_DEFAULT,
} from './credentials';
export * from './errors';
export {
  type AuthKind,
  authHash,
  type HandshakeMatch,
  handshake2Payload,
  matchServerHash,
  type SeedFormula,
  serverHash,
} from './hashes';
export { DEFAULT_SESSION_TIMEOUT_SECONDS, parseSetCookie, type SessionCookie } from './http';
export { SerialQueue } from './queue';
export {
  DEFAULT_TIMEOUT_MS,
  type KlapLoginInfo,
  type KlapStats,
  KlapTransport,
  type KlapTransportOptions,
  renewDelayMs,
} from './transport';
export type { SendOptions, Transport } from './transport-types';
