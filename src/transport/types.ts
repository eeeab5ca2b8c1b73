/**
 * What the device layer needs from a transport: send one plaintext JSON request, get the
 * decrypted plaintext reply. KlapTransport implements it over HTTP; tests may implement it in
 * memory. The transport owns sessions, so callers never see handshakes.
 */
export interface SendOptions {
  /**
   * Called with the decrypted reply. Returning true means the device said "your session is
   * dead" inside the payload (SMART error 9999 / -40401): the transport then handshakes again
   * and retries once, inside its per-device queue, before anyone else's request runs.
   */
  sessionDead?: (replyText: string) => boolean;
}

export interface Transport {
  send(plaintext: string, options?: SendOptions): Promise<string>;
  /** Drop sockets, reject queued work with ClosedError. Idempotent. */
  close(): Promise<void>;
}
