/**
 * Every failure the library reports is a LampError with a stable `code`, so callers (and the
 * Node-RED nodes) can branch on the kind of problem and show a message that says what to do.
 * Messages never contain credentials.
 */

export type LampErrorCode =
  | 'AUTH_FAILED'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'THIRD_PARTY_DISABLED'
  | 'NOT_KLAP'
  | 'WRONG_PROTOCOL'
  | 'UNSUPPORTED_PROTOCOL'
  | 'HANDSHAKE_FAILED'
  | 'SESSION_EXPIRED'
  | 'INTEGRITY'
  | 'MALFORMED'
  | 'DEVICE_ERROR'
  | 'INVALID_COMMAND'
  | 'UNSUPPORTED'
  | 'CLOSED';

export class LampError extends Error {
  readonly code: LampErrorCode;

  constructor(code: LampErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Longest piece of user input a message quotes; longer input is cut and ends in "…". */
export const MAX_QUOTED_CHARS = 40;

/**
 * A short, cut quote of user input for messages: a string as JSON ("abc"), at most
 * MAX_QUOTED_CHARS of it, then "…". Messages name the problem; they never echo a whole input,
 * which may be megabytes long (and then fills the log) or carry something private.
 */
export function quoteInput(value: unknown, max = MAX_QUOTED_CHARS): string {
  if (typeof value === 'string') {
    if (value.length <= max) return JSON.stringify(value);
    let cut = value.slice(0, max);
    // Never end in half a surrogate pair.
    const last = cut.charCodeAt(cut.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
    return `${JSON.stringify(cut)}…`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    const text = String(value);
    return text.length <= max ? text : `${text.slice(0, max)}…`;
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Describes where a device lives, for messages; never includes credentials. */
export function describeAddress(host: string, port: number): string {
  return port === 80 ? host : `${host}:${port}`;
}

/** No credential candidate (account, TP-Link defaults, blank) matched the device's challenge. */
export class AuthenticationError extends LampError {
  /** @param detail what the device answered, when that helps (never a secret) */
  constructor(address: string, detail?: string) {
    super(
      'AUTH_FAILED',
      `${address} rejected the credentials${detail ? ` (${detail})` : ''}. Use the TP-Link/Tapo ` +
        'account e-mail and password exactly as in the app (both are case-sensitive); the ' +
        'device may also be bound to a different account.',
    );
  }
}

export class UnreachableError extends LampError {
  constructor(address: string, reason: string, options?: { cause?: unknown }) {
    super(
      'UNREACHABLE',
      `Cannot reach ${address} (${reason}). Check that the device is powered and on the network, ` +
        'and that host and port are right.',
      options,
    );
  }
}

export class TimeoutError extends LampError {
  constructor(address: string, step: string, ms: number) {
    super(
      'TIMEOUT',
      `${address} did not answer ${step} within ${ms} ms. The device may be offline, busy or on ` +
        'a slow network; check it is reachable or raise the timeout.',
    );
  }
}

/** handshake1 answered 403: newer firmware refuses local clients until the user opts in. */
export class ThirdPartyCompatibilityError extends LampError {
  /** @param how how the refusal came: "HTTP 403" or a JSON error code */
  constructor(address: string, how = 'HTTP 403') {
    super(
      'THIRD_PARTY_DISABLED',
      `${address} refused the login (${how}). In the Tapo app open Me › Third-Party Services ` +
        'and enable "Third-Party Compatibility" (toggle it off and on if it already is), then ' +
        'wait a minute and retry. Firmware that speaks TPAP needs no such switch: set Protocol ' +
        'to "auto" or "tpap".',
    );
  }
}

/** handshake1 answered 404: the device speaks an older (AES) or newer (TPAP) protocol. */
export class NotKlapError extends LampError {
  constructor(address: string) {
    super(
      'NOT_KLAP',
      `${address} does not speak KLAP (HTTP 404 at handshake). Its firmware uses the older AES ` +
        'protocol or the newer TPAP protocol: set the device\'s Protocol to "auto" so the ' +
        'package finds the one it speaks.',
    );
  }
}

/** The protocol names users see, for messages. */
const PROTOCOL_LABEL: Record<string, string> = {
  klap: 'KLAP',
  aes: 'AES (securePassthrough)',
  tpap: 'TPAP',
  'tpap-https': 'TPAP over HTTPS (port 4433, TP-Link certificates)',
  sslaes: 'HTTPS with the secure login (sslaes, the H200 hub)',
  legacy: 'the Kasa legacy protocol (port 9999)',
};

/** The device answered, in a protocol other than the one configured. */
export class WrongProtocolError extends LampError {
  readonly speaks: string;

  constructor(address: string, tried: string, speaks: string) {
    super(
      'WRONG_PROTOCOL',
      `${address} does not speak ${PROTOCOL_LABEL[tried] ?? tried}; it answered as a device ` +
        `that speaks ${PROTOCOL_LABEL[speaks] ?? speaks}. Set the device's Protocol to ` +
        `"${speaks}" or "auto".`,
    );
    this.speaks = speaks;
  }
}

/**
 * TPAP's discover is not there (explicit protocol tpap): the firmware speaks KLAP or AES.
 * Same code as WrongProtocolError: the device answered, just not as a TPAP device.
 */
export class NotTpapError extends LampError {
  readonly speaks = 'klap-or-aes';

  constructor(address: string, detail: string) {
    super(
      'WRONG_PROTOCOL',
      `${address} does not speak TPAP (${detail}); its firmware uses KLAP or the older AES ` +
        'protocol. Set the device\'s Protocol to "auto".',
    );
  }
}

/**
 * The device could not prove it knows the password (its TPAP key confirmation did not match):
 * whatever answers there is not the device the credentials belong to, so nothing is sent to it.
 */
export class DeviceProofError extends LampError {
  constructor(address: string) {
    super(
      'INTEGRITY',
      `${address} could not prove that it knows your password (TPAP key confirmation ` +
        'mismatch), so nothing was sent to it. Another device may answer at this address, or ' +
        'something between Node-RED and the device interferes; check the address.',
    );
  }
}

/** The device speaks a protocol (or variant) this package cannot use. */
export class UnsupportedProtocolError extends LampError {
  readonly speaks: string;

  constructor(address: string, speaks: string, advice: string) {
    super(
      'UNSUPPORTED_PROTOCOL',
      `${address} speaks ${PROTOCOL_LABEL[speaks] ?? speaks}, which this version of ` +
        `lamp-control cannot speak. ${advice}`,
    );
    this.speaks = speaks;
  }
}

export class HandshakeError extends LampError {
  constructor(address: string, detail: string) {
    super(
      'HANDSHAKE_FAILED',
      `Login to ${address} failed (${detail}). Retry; if it persists, power-cycle the device.`,
    );
  }
}

/** The device no longer knows our session (expired, or replaced by another client's login). */
export class SessionExpiredError extends LampError {
  constructor(address: string, detail: string) {
    super('SESSION_EXPIRED', `${address} ended the session (${detail}).`);
  }
}

/** A response whose signature does not match: never decrypted, never trusted. */
export class IntegrityError extends LampError {
  constructor(address: string) {
    super(
      'INTEGRITY',
      `A response from ${address} failed its integrity check (bad signature) and was discarded. ` +
        'Something between Node-RED and the device altered it, or another device answers at ' +
        'this address.',
    );
  }
}

export class MalformedResponseError extends LampError {
  constructor(address: string, detail: string) {
    super('MALFORMED', `${address} sent a reply this package cannot read (${detail}).`);
  }
}

/** The device understood the request and answered with an error code. */
export class DeviceError extends LampError {
  readonly deviceCode: number;
  readonly method: string;

  constructor(address: string, method: string, deviceCode: number, meaning: string) {
    super('DEVICE_ERROR', `${address} refused ${method}: ${meaning} (error ${deviceCode}).`);
    this.deviceCode = deviceCode;
    this.method = method;
  }
}

/**
 * The device locked its login after repeated wrong passwords (H200 error -40404). Not retried:
 * every try would prolong it. `secondsLeft` is what the device said, null when it did not say.
 */
export class DeviceLockedError extends DeviceError {
  readonly secondsLeft: number | null;

  constructor(address: string, secondsLeft: number | null) {
    super(
      address,
      'the login',
      -40404,
      `it is locked after too many wrong passwords${
        secondsLeft === null ? '' : ` and unlocks in ${secondsLeft} seconds`
      }; check the password, then wait until it unlocks before trying again`,
    );
    this.secondsLeft = secondsLeft;
  }
}

/** Bad input, found before anything was sent. `property` names what was wrong. */
export class InvalidCommandError extends LampError {
  readonly property: string;

  constructor(property: string, message: string) {
    super('INVALID_COMMAND', message);
    this.property = property;
  }
}

/** A valid command for a feature this device does not have (colour on a white bulb, ...). */
export class UnsupportedFeatureError extends LampError {
  readonly property: string;

  constructor(property: string, message: string) {
    super('UNSUPPORTED', message);
    this.property = property;
  }
}

export class ClosedError extends LampError {
  constructor(address: string) {
    super('CLOSED', `The connection to ${address} was closed.`);
  }
}

/**
 * The device closed the connection in the middle of an exchange (ECONNRESET, "socket hang up").
 * Usually transient: some plugs close the TCP connection after every reply (docs/protocols/klap.md §8 #8), so the
 * transport retries on a fresh connection (within its retry budget, docs/architecture.md §5)
 * without a new login before reporting it.
 */
export class ConnectionResetError extends UnreachableError {
  readonly transient = true;

  constructor(address: string, step: string, options?: { cause?: unknown }) {
    super(address, `the device closed the connection during ${step}`, options);
  }
}
