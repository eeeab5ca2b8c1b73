/**
 * The contract between the device layer and every transport: send one plaintext JSON request,
 * get the decrypted plaintext reply. Transports own sessions, connections and encryption, so
 * the layers above never see a handshake, a cookie or a socket.
 */
import type { CredentialKind } from './credentials';

/** What a transport puts on the wire; shown by Test connection and in messages. */
export type Encryption = 'KLAP' | 'AES' | 'TPAP' | 'SSLAES' | 'XOR';

/** The protocols a user can choose (the klap-device `protocol` property, minus `auto`). */
export type Protocol = 'klap' | 'aes' | 'tpap' | 'sslaes' | 'legacy';

/**
 * What UDP discovery said about a device, for `protocol: auto` to start from the right
 * protocol (`DiscoveredDevice.hint`). Every field is optional: absent means "not announced".
 */
export interface DiscoveryHint {
  /**
   * mgt_encrypt_schm.encrypt_type ("KLAP", "AES", "TPAP", ...); "HTTPS" for a device that
   * announced is_support_https alone: it speaks `sslaes` (the H200 hub).
   */
  encryptType?: string;
  /** A `tpap` object with a `pake` list was announced. */
  tpapPake?: boolean;
  /** tpap_preferred (prefer_tpap) as announced; false: the device wants KLAP. */
  tpapPreferred?: boolean;
}

export interface SendOptions {
  /**
   * Called with the decrypted reply. Returning true means the device said "your session is
   * dead" inside the payload (SMART error 9999 / -40401): the transport then logs in again and
   * retries (within its retry budget), inside its per-device queue, before anyone else's request
   * runs.
   */
  sessionDead?: (replyText: string) => boolean;
  /**
   * Called when the transport had to log in (or connect) again before it could send this
   * request, with a way to exchange plaintext on the new session: the caller may ask who
   * answers before the request goes out, and throw to stop it (a different device took the
   * address: DEVICE_MISMATCH). Not called at the first login of a transport.
   */
  verifySession?: (exchange: (plaintext: string) => Promise<string>) => Promise<void>;
}

/** How the last login matched; safe to show (never a secret). */
export interface LoginInfo {
  /** Which credential candidate the device accepted; absent for protocols without a login. */
  readonly credential?: CredentialKind;
  /** The protocol variant, e.g. "KLAP v2 (SHA-256)" or "AES, login v2", for people. */
  readonly variant: string;
}

export interface Transport {
  /** What this transport speaks. `auto` reports the protocol it found once it found one. */
  readonly encryption: Encryption | undefined;
  send(plaintext: string, options?: SendOptions): Promise<string>;
  /**
   * Logs in (or connects) without sending a request, so the caller learns early which protocol
   * answered and whether the login works. Transports without a login may leave it out.
   */
  open?(): Promise<void>;
  /** Forget the session (the next send logs in again), e.g. after the device rebooted. */
  reset(): void;
  /** Drop sockets, reject queued work with ClosedError. Idempotent. */
  close(): Promise<void>;
  /** How the last login matched; null before the first one. */
  readonly lastLogin?: LoginInfo | null;
  /**
   * HTTPS transports: the SHA-256 fingerprint ("AB:CD:…") of the certificate the device
   * presented (not verified: devices use self-signed ones), for people to compare; null before
   * the first connection. Absent on plain-HTTP and TCP transports.
   */
  readonly certificateFingerprint?: string | null;
}
