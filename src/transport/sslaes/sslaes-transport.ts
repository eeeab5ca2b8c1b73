/**
 * SslAesTransport (`sslaes`): the Tapo H200 hub's (and Tapo cameras') protocol. HTTPS to a
 * self-signed certificate, a two-step login in which the hub proves first that it knows the
 * password (so a wrong password is found before anything the hub counts), then every request
 * AES-sealed to `/stok=T/ds` with a `Seq` and a `Tapo_tag` over the exact body.
 * docs/protocols/sslaes.md.
 */
import { AesCipherError } from '../aes/cipher';
import type { CredentialKind } from '../credentials';
import {
  AuthenticationError,
  DeviceLockedError,
  HandshakeError,
  MalformedResponseError,
} from '../errors';
import type { HttpReply } from '../http';
import { HttpConnection } from '../http-connection';
import { parseRecord, record } from '../json';
import {
  SessionRejected,
  SessionTransport,
  type SessionTransportOptions,
} from '../session-transport';
import type { LoginInfo } from '../types';
import {
  digestPassword,
  matchDeviceConfirm,
  md5Hex,
  newNonce,
  type PasswordHashKind,
  type Sealing,
  sessionSealing,
  tapoTag,
} from './hashes';
import {
  DEFAULT_SSLAES_USER,
  type Handshake1Reading,
  handshake1Body,
  handshake2Body,
  hashedLoginBody,
  passthroughBody,
  readHandshake1,
  SSLAES_CODES,
  sessionPath,
} from './messages';

export const SSLAES_DEFAULT_PORT = 443;

export interface SslAesTransportOptions extends Omit<SessionTransportOptions, 'port'> {
  /** Default 443. */
  port?: number;
  username?: string;
  password?: string;
}

export interface SslAesLoginInfo extends LoginInfo {
  readonly credential: CredentialKind;
  /** Which user name the hub accepted: the account's, or the default `admin`. */
  readonly user: 'account' | 'admin';
  /** Which hash of the password the hub keeps; `md5-plain` for the "less secure" login. */
  readonly passwordHash: PasswordHashKind | 'md5-plain';
}

interface Session {
  stok: string;
  /** null: the "less secure" variant, plain JSON without a tag. */
  sealing: Sealing | null;
  /** The next request's Seq; goes up by one per request sent, answered or not. */
  seq: number;
  renewAt: number;
}

/** The headers clients that reach real H200s send; no compression (we would have to undo it). */
const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=UTF-8',
  requestByApp: 'true',
  Accept: 'application/json',
  'User-Agent': 'Tapo CameraClient Android',
};

export class SslAesTransport extends SessionTransport<Session, SslAesLoginInfo> {
  readonly encryption = 'SSLAES';
  private readonly password: string;
  private readonly accountName: string;
  /** The user name that worked last time, tried first from then on. */
  private workingName: string | null = null;
  private readonly connection: HttpConnection;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(options: SslAesTransportOptions) {
    super({ ...options, port: options.port ?? SSLAES_DEFAULT_PORT });
    this.accountName = options.username ?? '';
    this.password = options.password ?? '';
    this.connection = new HttpConnection(this.host, this.port, this.address, { tls: true });
    const origin = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.headers = { ...BASE_HEADERS, Referer: `https://${origin}:${this.port}` };
  }

  /** The SHA-256 fingerprint of the hub's certificate ("AB:CD:…"); null before connecting. */
  get certificateFingerprint(): string | null {
    return this.connection.certificateFingerprint;
  }

  protected release(): void {
    this.connection.close();
  }

  // ---- login ---------------------------------------------------------------------------------

  /** The user names to try: the one that worked before, the account's, then `admin`. */
  private userNames(): string[] {
    const names = [this.workingName, this.accountName, DEFAULT_SSLAES_USER];
    return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
  }

  protected async login(): Promise<{ session: Session; info: SslAesLoginInfo }> {
    let refusal: Handshake1Reading | null = null;
    for (const name of this.userNames()) {
      const cnonce = newNonce();
      const reading = readHandshake1(
        await this.postJson('/', handshake1Body(cnonce, name), 'handshake 1'),
      );
      if (reading.kind === 'blocked')
        throw new DeviceLockedError(this.address, reading.secondsLeft);
      if (reading.kind === 'less-secure') {
        const session = await this.lessSecureLogin(name);
        if (session) return session;
        refusal = reading;
        continue;
      }
      if (reading.kind !== 'ready') {
        refusal = reading;
        continue;
      }
      // The hub proves it knows the password before we send anything it would count.
      const match = matchDeviceConfirm(reading.confirm, cnonce, reading.nonce, this.password);
      if (!match) {
        throw new AuthenticationError(this.address, 'the hub does not know this password');
      }
      const session = await this.handshake2(name, cnonce, reading.nonce, match.hash);
      this.workingName = name;
      return {
        session,
        info: this.info(name, match.kind, `SSLAES, ${match.kind === 'sha256' ? 'SHA-256' : 'MD5'}`),
      };
    }
    throw new AuthenticationError(this.address, describeRefusal(refusal));
  }

  private async handshake2(
    name: string,
    cnonce: string,
    nonce: string,
    hash: string,
  ): Promise<Session> {
    const reply = await this.postJson(
      '/',
      handshake2Body(cnonce, digestPassword(cnonce, nonce, hash), name),
      'handshake 2',
    );
    const reading = readHandshake1(reply);
    if (reading.kind === 'blocked') throw new DeviceLockedError(this.address, reading.secondsLeft);
    // Never retried: every refused digest brings the hub's lock-out nearer.
    if (reply.error_code === SSLAES_CODES.INVALID_NONCE) {
      throw new AuthenticationError(this.address, 'the hub refused the password digest');
    }
    if (reply.error_code !== 0) {
      throw new HandshakeError(
        this.address,
        `handshake 2 answered error ${String(reply.error_code)}`,
      );
    }
    const result = record(reply.result);
    const stok = result?.stok;
    const startSeq = result?.start_seq;
    if (typeof stok !== 'string' || !/^[\w-]{1,128}$/.test(stok)) {
      throw new MalformedResponseError(this.address, 'handshake 2 reply without a usable stok');
    }
    if (typeof startSeq !== 'number' || !Number.isSafeInteger(startSeq)) {
      throw new MalformedResponseError(this.address, 'handshake 2 reply without start_seq');
    }
    return {
      stok,
      sealing: sessionSealing(cnonce, nonce, hash),
      seq: startSeq,
      renewAt: Number.POSITIVE_INFINITY,
    };
  }

  /** Older firmware (encrypt_type 1/2): the password's MD5 in one step, then plain JSON. */
  private async lessSecureLogin(
    name: string,
  ): Promise<{ session: Session; info: SslAesLoginInfo } | null> {
    const reply = await this.postJson(
      '/',
      hashedLoginBody(name, md5Hex(this.password)),
      'the hashed login',
    );
    const stok = record(reply.result)?.stok;
    if (reply.error_code !== 0 || typeof stok !== 'string' || !/^[\w-]{1,128}$/.test(stok)) {
      return null;
    }
    this.workingName = name;
    return {
      session: { stok, sealing: null, seq: 0, renewAt: Number.POSITIVE_INFINITY },
      info: this.info(name, 'md5-plain', 'SSLAES, less secure (MD5, unencrypted)'),
    };
  }

  private info(
    name: string,
    passwordHash: SslAesLoginInfo['passwordHash'],
    variant: string,
  ): SslAesLoginInfo {
    const user = name === this.accountName ? 'account' : 'admin';
    return {
      credential: 'account',
      user,
      passwordHash,
      variant: `${variant}, user ${user === 'admin' ? '"admin"' : 'of the account'}`,
    };
  }

  // ---- one request ---------------------------------------------------------------------------

  protected async exchange(session: Session, plaintext: string): Promise<string> {
    const path = sessionPath(session.stok);
    const { sealing } = session;
    let reply: HttpReply;
    if (sealing) {
      // The tag covers these exact bytes: build the body once and send that string.
      const body = passthroughBody(sealing.cipher.encrypt(plaintext));
      const seq = session.seq;
      session.seq += 1;
      reply = await this.post(path, body, 'the request', {
        Seq: String(seq),
        Tapo_tag: tapoTag(sealing.secret, body, seq),
      });
    } else {
      reply = await this.post(path, plaintext, 'the request');
    }
    if (reply.status === 500) {
      // Tag or sequence refused: another app's login replaced our session, most likely.
      throw new SessionRejected('the hub refused the session (HTTP 500)');
    }
    if (reply.status !== 200) {
      throw new MalformedResponseError(this.address, `HTTP ${reply.status} to the request`);
    }
    const text = reply.body.toString('utf8');
    const outer = parseRecord(text);
    if (!outer || typeof outer.error_code !== 'number') {
      throw new MalformedResponseError(this.address, 'the reply is not the expected JSON');
    }
    const code = outer.error_code;
    if (code === SSLAES_CODES.SESSION_EXPIRED || code === SSLAES_CODES.INVALID_NONCE) {
      throw new SessionRejected(`the hub ended the session (error ${code})`);
    }
    this.countRequest();
    const sealed = record(outer.result)?.response;
    // An error, or a reply some firmware leaves in clear: the dialect reads it as it is.
    if (!sealing || typeof sealed !== 'string') return text;
    try {
      return sealing.cipher.decrypt(sealed);
    } catch (error) {
      if (parseRecord(sealed)) return sealed;
      const detail = error instanceof AesCipherError ? error.message : 'undecryptable reply';
      throw new MalformedResponseError(this.address, detail);
    }
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  /** A login step: HTTP 200 with a JSON object, or a clear error naming the step. */
  private async postJson(path: string, body: string, step: string) {
    const reply = await this.post(path, body, step);
    if (reply.status !== 200) {
      throw new HandshakeError(this.address, `${step} answered HTTP ${reply.status}`);
    }
    const parsed = parseRecord(reply.body.toString('utf8'));
    if (!parsed) throw new MalformedResponseError(this.address, `${step} reply is not JSON`);
    return parsed;
  }

  private post(
    path: string,
    body: string,
    step: string,
    extra: Record<string, string> = {},
  ): Promise<HttpReply> {
    return this.connection.post({
      path,
      body: Buffer.from(body, 'utf8'),
      headers: { ...this.headers, ...extra },
      timeoutMs: this.timeoutMs,
      step,
    });
  }
}

/** Why no user name got a nonce, for the AUTH_FAILED message (codes only, never secrets). */
function describeRefusal(refusal: Handshake1Reading | null): string {
  if (!refusal) return 'no user name to log in with';
  switch (refusal.kind) {
    case 'bad-username':
      return `the hub knows neither the account's user name nor "${DEFAULT_SSLAES_USER}"`;
    case 'less-secure':
      return 'the hub refused the hashed login';
    case 'refused':
      return `handshake 1 answered error ${String(refusal.code)}${
        refusal.innerCode === null ? '' : ` (${refusal.innerCode})`
      }`;
    default:
      return 'handshake 1 refused';
  }
}
