/** Layer 1: transports (KLAP, AES, TPAP, sslaes, legacy XOR), discovery, and the pieces every transport shares. Node built-ins only. */

export {
  type CredentialCandidate,
  type CredentialKind,
  credentialCandidates,
  KASA_DEFAULT,
  TAPO_DEFAULT,
} from './credentials';
export {
  buildDiscoveryQuery,
  crc32,
  DISCOVERY_PORT,
  type DiscoveredDevice,
  type DiscoverOptions,
  type DiscoveryVerdict,
  discover,
  encodeDiscoveryPacket,
  parseDiscoveryReply,
  type WakeUpOutcome,
  wakeUp,
} from './discovery';
export * from './errors';
export { DEFAULT_SESSION_TIMEOUT_SECONDS, parseSetCookie, type SessionCookie } from './http';
export { CipherError, initialSeqFor, KlapCipher, MAX_SEQ } from './klap/cipher';
export {
  type AuthKind,
  authHash,
  type HandshakeMatch,
  handshake2Payload,
  matchServerHash,
  type SeedFormula,
  serverHash,
} from './klap/hashes';
export {
  DEFAULT_WAKE_UP_DELAY_MS,
  type KlapLoginInfo,
  KlapTransport,
  type KlapTransportOptions,
  WAKE_UP_REPEAT_MS,
} from './klap/klap-transport';
export { SerialQueue } from './queue';
export {
  type BaseSession,
  DEFAULT_TIMEOUT_MS,
  renewDelayMs,
  SessionRejected,
  SessionTransport,
  type SessionTransportOptions,
  type TransportStats,
} from './session-transport';
export {
  SSLAES_DEFAULT_PORT,
  type SslAesLoginInfo,
  SslAesTransport,
  type SslAesTransportOptions,
} from './sslaes/sslaes-transport';
export {
  type TpapLoginInfo,
  TpapTransport,
  type TpapTransportOptions,
} from './tpap/tpap-transport';
export type {
  DiscoveryHint,
  Encryption,
  LoginInfo,
  Protocol,
  SendOptions,
  Transport,
} from './types';
