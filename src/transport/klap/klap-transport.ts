/**
 * KlapTransport: one device, one KLAP session, one request at a time.
 *
 * The transport hides sessions from its callers: it logs in when needed (first use, session
 * lifetime nearly over, seq range used up), renews once transparently when the device says the
 * session is gone, and turns every failure into a LampError whose message tells the user what
 * to do. Requests to one device are serialised (see queue.ts), handshakes included.
 */

import { randomBytes } from 'node:crypto';
import {
  type CredentialCandidate,
  type CredentialKind,
  credentialCandidates,
} from '../credentials';
import { DISCOVERY_PORT, wakeUp } from '../discovery';
import {
  AuthenticationError,
  HandshakeError,
  IntegrityError,
  LampError,
  MalformedResponseError,
  NotKlapError,
  ThirdPartyCompatibilityError,
} from '../errors';
import { type HttpReply, parseSetCookie } from '../http';
import { HttpConnection } from '../http-connection';
import { monotonicMs, renewDelayMs, SessionRejected, SessionTransport } from '../session-transport';
import type { LoginInfo } from '../types';
import { CipherError, KlapCipher } from './cipher';
import { type AuthKind, handshake2Payload, matchServerHash, type SeedFormula } from './hashes';

export interface KlapTransportOptions {
  host: string;
  /** Default 80. */
  port?: number;
  /** TP-Link / Tapo account e-mail, exactly as in the app (case-sensitive). */
  username?: string;
  password?: string;
  /** Per network step (each handshake leg, each request). Default 5000 ms. */
  timeoutMs?: number;
  /** Monotonic milliseconds; injectable so tests can age a session without waiting. */
  clock?: () => number;
  /**
   * UDP port of the device's discovery service, for the wake-up probe: when handshake1 is refused
   * (ECONNREFUSED) the transport sends one discovery probe there, waits `wakeUpDelayMs` and
   * retries once, because some plugs (P110 fw 1.4.6) keep port 80 closed until they see one
   * (docs/protocols/klap.md §8 #5). Once per outage: after a failed wake-up, refused logins fail at once until
   * the device has answered over HTTP again. Default 20002; null turns the wake-up off.
   */
  discoveryPort?: number | null;
  /** Wait between the wake-up probe and the retry. Default 1500 ms. */
  wakeUpDelayMs?: number;
  /**
   * Tests only: supplies handshake1's 16-byte local seed, so a test can reproduce a session with a
   * known initial seq (e.g. right below 2^31-1). Leave unset: the default is the CSPRNG.
   */
  localSeed?: () => Buffer;
}

/** How the last successful login matched; safe to show (no secrets). */
export interface KlapLoginInfo extends LoginInfo {
  readonly credential: CredentialKind;
  readonly authKind: AuthKind;
  readonly formula: SeedFormula;
}

interface Session {
  sessionId: string;
  cipher: KlapCipher;
  /** Monotonic ms after which the session is renewed before use. */
  renewAt: number;
}

export const DEFAULT_WAKE_UP_DELAY_MS = 1500;
/**
 * During a long outage the wake-up is repeated at most this often: a lazy plug that comes back
 * while we are not probing would otherwise stay closed for 8–9 minutes (docs/protocols/klap.md §8 #5).
 */
export const WAKE_UP_REPEAT_MS = 60_000;
const HANDSHAKE1_REPLY_BYTES = 48;
const BINARY_HEADERS = { 'Content-Type': 'application/octet-stream' };

export class KlapTransport extends SessionTransport<Session, KlapLoginInfo> {
  readonly encryption = 'KLAP';
  /** Where the wake-up probe goes; null when the wake-up is off. */
  readonly discoveryPort: number | null;
  readonly wakeUpDelayMs: number;

  private readonly username: string | undefined;
  private readonly password: string | undefined;
  private readonly localSeedSource: () => Buffer;
  private readonly connection = new HttpConnection(this.host, this.port, this.address);
  private wakeUpCount = 0;
  /**
   * When a wake-up last failed to help (clock ms), or null. Until the device answers over HTTP
   * again, refused logins fail at once, with a new wake-up at most every WAKE_UP_REPEAT_MS.
   */
  private failedWakeUpAt: number | null = null;

  constructor(options: KlapTransportOptions) {
    super({ ...options, port: options.port ?? 80 });
    const discoveryPort =
      options.discoveryPort === undefined ? DISCOVERY_PORT : options.discoveryPort;
    this.discoveryPort =
      discoveryPort !== null &&
      Number.isInteger(discoveryPort) &&
      discoveryPort >= 1 &&
      discoveryPort <= 65535
        ? discoveryPort
        : options.discoveryPort === null
          ? null
          : DISCOVERY_PORT;
    const delay = options.wakeUpDelayMs ?? DEFAULT_WAKE_UP_DELAY_MS;
    this.wakeUpDelayMs =
      Number.isFinite(delay) && delay >= 0 ? Math.min(delay, 60_000) : DEFAULT_WAKE_UP_DELAY_MS;
    this.username = options.username;
    this.password = options.password;
    this.localSeedSource = options.localSeed ?? (() => randomBytes(16));
  }

  /** Wake-up probes sent so far (after refused connections). */
  get wakeUps(): number {
    return this.wakeUpCount;
  }

  protected override usable(session: Session): boolean {
    return !session.cipher.exhausted && super.usable(session);
  }

  protected release(): void {
    this.connection.close();
  }

  private post(path: string, body: Buffer, step: string, sessionId?: string): Promise<HttpReply> {
    return this.connection.post({
      path,
      body,
      headers: BINARY_HEADERS,
      timeoutMs: this.timeoutMs,
      step,
      sessionId,
    });
  }

  // ---- login ---------------------------------------------------------------------------------

  protected async login(): Promise<{ session: Session; info: KlapLoginInfo }> {
    const localSeed = this.localSeedSource();
    const first = await this.handshake1(localSeed);
    if (first.status === 403) throw new ThirdPartyCompatibilityError(this.address);
    if (first.status === 404) throw new NotKlapError(this.address);
    // TPAP firmware may answer the KLAP handshake in JSON: error 1003 = "not for you".
    if (first.status === 200 && isJsonError(first.body, 1003)) {
      throw new ThirdPartyCompatibilityError(this.address, 'error 1003');
    }
    if (first.status !== 200) {
      throw new HandshakeError(this.address, `handshake1 answered HTTP ${first.status}`);
    }
    if (first.body.length !== HANDSHAKE1_REPLY_BYTES) {
      throw new MalformedResponseError(
        this.address,
        `handshake1 reply of ${first.body.length} bytes instead of ${HANDSHAKE1_REPLY_BYTES}`,
      );
    }
    const cookie = parseSetCookie(first.headers['set-cookie']);
    if (!cookie) {
      throw new MalformedResponseError(this.address, 'handshake1 without a usable TP_SESSIONID');
    }
    const remoteSeed = first.body.subarray(0, 16);
    const serverHash = first.body.subarray(16);

    // Rebuilt on every login: devices switch between account and default credentials.
    const candidates: CredentialCandidate[] = credentialCandidates(this.username, this.password);
    const match = matchServerHash(localSeed, remoteSeed, serverHash, candidates);
    if (!match) throw new AuthenticationError(this.address);

    const proof = handshake2Payload(match.formula, localSeed, remoteSeed, match.authHash);
    const second = await this.post('/app/handshake2', proof, 'handshake2', cookie.sessionId);
    if (second.status !== 200) {
      throw new HandshakeError(this.address, `handshake2 answered HTTP ${second.status}`);
    }

    const variant = `KLAP ${match.formula === 'v2' ? 2 : 1} (${match.authKind === 'sha' ? 'SHA' : 'MD5'})`;
    return {
      session: {
        sessionId: cookie.sessionId,
        cipher: new KlapCipher(localSeed, remoteSeed, match.authHash),
        renewAt: this.clock() + renewDelayMs(cookie.timeoutSeconds),
      },
      info: {
        credential: match.credential,
        authKind: match.authKind,
        formula: match.formula,
        variant,
      },
    };
  }

  /** handshake1, with one wake-up probe and retry when the port is closed (see discoveryPort). */
  private async handshake1(localSeed: Buffer): Promise<HttpReply> {
    let reply: HttpReply;
    try {
      reply = await this.post('/app/handshake1', localSeed, 'handshake1');
    } catch (error) {
      const port = this.discoveryPort;
      if (port === null || !this.wakeUpAllowed() || !isRefused(error)) throw error;
      this.failedWakeUpAt = this.clock();
      this.wakeUpCount += 1;
      const started = monotonicMs();
      const outcome = await wakeUp(this.host, port, {
        waitMs: this.wakeUpDelayMs,
        signal: this.abort.signal,
      });
      // Nothing listens for the probe: nothing will open the port either, so retry at once.
      if (outcome === 'answered' || outcome === 'silent') {
        await this.pause(this.wakeUpDelayMs - (monotonicMs() - started));
      }
      this.assertOpen();
      reply = await this.post('/app/handshake1', localSeed, 'handshake1');
    }
    this.failedWakeUpAt = null; // the device answered: a later outage deserves a wake-up again
    return reply;
  }

  private wakeUpAllowed(): boolean {
    return this.failedWakeUpAt === null || this.clock() - this.failedWakeUpAt >= WAKE_UP_REPEAT_MS;
  }

  // ---- one encrypted request ----------------------------------------------------------------

  protected async exchange(session: Session, plaintext: string): Promise<string> {
    const seq = session.cipher.nextSeq();
    if (seq === null) {
      // usable() renews exhausted sessions, so this only guards against misuse.
      throw new SessionRejected('the session used up its sequence numbers');
    }
    const body = session.cipher.encrypt(plaintext, seq);
    const reply = await this.post(
      `/app/request?seq=${seq}`,
      body,
      'the request',
      session.sessionId,
    );
    if (reply.status === 401 || reply.status === 403) {
      throw new SessionRejected(`the device refused the session (HTTP ${reply.status})`);
    }
    if (reply.status !== 200) {
      throw new MalformedResponseError(this.address, `HTTP ${reply.status} to a request`);
    }
    let opened: Buffer;
    try {
      opened = session.cipher.decrypt(seq, reply.body);
    } catch (error) {
      if (error instanceof CipherError && error.reason === 'signature') {
        throw new IntegrityError(this.address);
      }
      const detail = error instanceof Error ? error.message : 'undecryptable reply';
      throw new MalformedResponseError(this.address, detail);
    }
    this.countRequest();
    return opened.toString('utf8');
  }
}

/** Whether a handshake reply is the JSON `{"error_code": code}` instead of seeds. */
function isJsonError(body: Buffer, code: number): boolean {
  if (body[0] !== 0x7b) return false;
  try {
    return (JSON.parse(body.toString('utf8')) as { error_code?: unknown }).error_code === code;
  } catch {
    return false;
  }
}

/** A connection the device's host actively refused: its port is closed, not the host gone. */
function isRefused(error: unknown): boolean {
  const cause = error instanceof LampError ? (error.cause as { code?: unknown } | undefined) : null;
  return cause?.code === 'ECONNREFUSED';
}
