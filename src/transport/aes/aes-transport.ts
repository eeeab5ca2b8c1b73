/**
 * AesTransport: Tapo firmware from before KLAP (securePassthrough over JSON on POST /app).
 *
 * Login is three steps: an RSA handshake that hands us the session's AES key and IV, then
 * `login_device` inside securePassthrough, which returns a token; every later request goes to
 * /app?token=… sealed the same way. The key pair is made once per transport and reused, as real
 * clients do: RSA key generation is the slowest part of a login. Protocol details and error
 * codes: docs/protocols/aes.md (§6).
 */
import { type CredentialKind, TAPO_DEFAULT } from '../credentials';
import {
  AuthenticationError,
  HandshakeError,
  MalformedResponseError,
  WrongProtocolError,
} from '../errors';
import { type HttpReply, parseSetCookie } from '../http';
import { HttpConnection } from '../http-connection';
import {
  renewDelayMs,
  SessionRejected,
  SessionTransport,
  type SessionTransportOptions,
} from '../session-transport';
import type { LoginInfo } from '../types';
import { AesCipherError, AesSessionCipher } from './cipher';
import { handshakeRequest, loginParams, loginRequest, passthroughRequest } from './login';
import { createRsaKeyPairAsync, decryptHandshakeKey, type RsaKeyPair } from './rsa';

export interface AesTransportOptions extends Omit<SessionTransportOptions, 'port'> {
  /** Default 80. */
  port?: number;
  username?: string;
  password?: string;
  /**
   * The login form the device expects (discovery's `lv`): 1 sends `password`, 2 `password2`.
   * Unknown (undefined): v2 is tried first, then v1, and the one that works is kept.
   */
  loginVersion?: 1 | 2;
}

export interface AesLoginInfo extends LoginInfo {
  readonly credential: CredentialKind;
  readonly loginVersion: 1 | 2;
}

interface Session {
  sessionId: string;
  token: string;
  cipher: AesSessionCipher;
  renewAt: number;
}

/** What a handshake leaves us with before login. */
interface Handshake {
  sessionId: string;
  cipher: AesSessionCipher;
  timeoutSeconds: number;
}

/** The JSON headers real clients send; the device ignores Content-Type on replies. */
const JSON_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json',
  requestByApp: 'true',
};

/** Outer codes meaning "this session is gone": log in again and retry (within the budget). */
const SESSION_GONE = new Set([9999, -40401, -1005]);
/** Inner code of login_device for wrong credentials. */
const LOGIN_REFUSED = -1501;
/** Outer code a KLAP-only device answers to the AES handshake. */
const SPEAKS_KLAP = 1003;
const KEY_REFUSED = -1010;

export class AesTransport extends SessionTransport<Session, AesLoginInfo> {
  readonly encryption = 'AES';
  private readonly username: string;
  private readonly password: string;
  private readonly connection = new HttpConnection(this.host, this.port, this.address);
  private loginVersion: 1 | 2 | undefined;
  private keys: RsaKeyPair | undefined;

  constructor(options: AesTransportOptions) {
    super({ ...options, port: options.port ?? 80 });
    this.username = options.username ?? '';
    this.password = options.password ?? '';
    this.loginVersion = options.loginVersion;
  }

  protected release(): void {
    this.connection.close();
  }

  // ---- login ---------------------------------------------------------------------------------

  /**
   * Tries the account, then Tapo's default login (devices reset to factory state accept it),
   * each in the known login form or in both; every attempt starts with a fresh handshake
   * because a device answers 9999 to a second login in a session whose first login failed.
   */
  protected async login(): Promise<{ session: Session; info: AesLoginInfo }> {
    const candidates: { kind: CredentialKind; username: string; password: string }[] = [
      { kind: 'account', username: this.username, password: this.password },
    ];
    if (this.username !== TAPO_DEFAULT.username || this.password !== TAPO_DEFAULT.password) {
      candidates.push({ kind: 'tapo-default', ...TAPO_DEFAULT });
    }
    const versions: (1 | 2)[] = this.loginVersion ? [this.loginVersion] : [2, 1];
    for (const candidate of candidates) {
      for (const version of versions) {
        const handshake = await this.handshake();
        const token = await this.loginDevice(handshake, candidate, version);
        if (token === null) continue;
        this.loginVersion = version;
        return {
          session: {
            sessionId: handshake.sessionId,
            token,
            cipher: handshake.cipher,
            renewAt: this.clock() + renewDelayMs(handshake.timeoutSeconds),
          },
          info: {
            credential: candidate.kind,
            loginVersion: version,
            variant: `AES, login v${version}`,
          },
        };
      }
    }
    throw new AuthenticationError(this.address);
  }

  private async handshake(): Promise<Handshake> {
    this.keys ??= await createRsaKeyPairAsync();
    const reply = await this.post(
      '/app',
      handshakeRequest(this.keys.publicKeyPem),
      'the AES handshake',
    );
    if (reply.status === 404) {
      // No /app at all: newer firmware that speaks only TPAP.
      throw new WrongProtocolError(this.address, 'aes', 'tpap');
    }
    if (reply.status !== 200) {
      throw new HandshakeError(this.address, `the AES handshake answered HTTP ${reply.status}`);
    }
    const outer = this.parseOuter(reply, 'the AES handshake');
    if (outer.code === SPEAKS_KLAP) throw new WrongProtocolError(this.address, 'aes', 'klap');
    if (outer.code === KEY_REFUSED) {
      throw new HandshakeError(this.address, 'the device did not accept our RSA key (-1010)');
    }
    if (outer.code !== 0) {
      throw new HandshakeError(this.address, `the AES handshake answered error ${outer.code}`);
    }
    const encryptedKey = outer.result?.key;
    if (typeof encryptedKey !== 'string') {
      throw new MalformedResponseError(this.address, 'AES handshake reply without a key');
    }
    const cookie = parseSetCookie(reply.headers['set-cookie']);
    if (!cookie) {
      throw new MalformedResponseError(
        this.address,
        'AES handshake without a usable session cookie',
      );
    }
    let cipher: AesSessionCipher;
    try {
      const { key, iv } = decryptHandshakeKey(this.keys.privateKey, encryptedKey);
      cipher = new AesSessionCipher(key, iv);
    } catch (error) {
      throw new MalformedResponseError(
        this.address,
        `AES handshake key unreadable (${error instanceof Error ? error.message : 'bad key'})`,
      );
    }
    return { sessionId: cookie.sessionId, cipher, timeoutSeconds: cookie.timeoutSeconds };
  }

  /** login_device; the token, or null when the device refused these credentials (-1501). */
  private async loginDevice(
    handshake: Handshake,
    candidate: { username: string; password: string },
    version: 1 | 2,
  ): Promise<string | null> {
    const params = loginParams(candidate.username, candidate.password, version);
    const request = loginRequest(params, Date.now());
    const text = await this.passthrough(
      '/app',
      handshake.sessionId,
      handshake.cipher,
      request,
      'login',
    );
    const inner = parseJson(text);
    const code = inner?.error_code;
    if (code === LOGIN_REFUSED) return null;
    if (code !== 0) {
      throw new HandshakeError(this.address, `login_device answered error ${String(code)}`);
    }
    const token = (inner?.result as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      throw new MalformedResponseError(this.address, 'login_device reply without a token');
    }
    return token;
  }

  // ---- one sealed request --------------------------------------------------------------------

  protected async exchange(session: Session, plaintext: string): Promise<string> {
    const path = `/app?token=${encodeURIComponent(session.token)}`;
    const reply = await this.passthrough(
      path,
      session.sessionId,
      session.cipher,
      plaintext,
      'the request',
    );
    this.countRequest();
    return reply;
  }

  /** Seals `plaintext` into securePassthrough, posts it, opens the reply. */
  private async passthrough(
    path: string,
    sessionId: string,
    cipher: AesSessionCipher,
    plaintext: string,
    step: string,
  ): Promise<string> {
    const body = passthroughRequest(cipher.encrypt(plaintext));
    const reply = await this.post(path, body, step, sessionId);
    if (reply.status === 401 || reply.status === 403) {
      throw new SessionRejected(`the device refused the session (HTTP ${reply.status})`);
    }
    if (reply.status !== 200) {
      throw new MalformedResponseError(this.address, `HTTP ${reply.status} to ${step}`);
    }
    const outer = this.parseOuter(reply, step);
    if (SESSION_GONE.has(outer.code)) {
      throw new SessionRejected(`the device ended the session (error ${outer.code})`);
    }
    if (outer.code !== 0) {
      throw new MalformedResponseError(
        this.address,
        `securePassthrough answered error ${outer.code}`,
      );
    }
    const sealed = outer.result?.response;
    if (typeof sealed !== 'string') {
      throw new MalformedResponseError(this.address, 'securePassthrough reply without a response');
    }
    try {
      return cipher.decrypt(sealed);
    } catch (error: unknown) {
      // Some firmware answers in clear inside the envelope; accept it only if it is JSON.
      if (parseJson(sealed) !== undefined) return sealed;
      const detail = error instanceof AesCipherError ? error.message : 'undecryptable reply';
      throw new MalformedResponseError(this.address, detail);
    }
  }

  private parseOuter(
    reply: HttpReply,
    step: string,
  ): { code: number; result: Record<string, unknown> | undefined } {
    const outer = parseJson(reply.body.toString('utf8'));
    const code = outer?.error_code;
    if (typeof code !== 'number') {
      throw new MalformedResponseError(this.address, `${step} reply is not the expected JSON`);
    }
    const result = outer?.result;
    return {
      code,
      result:
        result && typeof result === 'object' ? (result as Record<string, unknown>) : undefined,
    };
  }

  private post(path: string, body: string, step: string, sessionId?: string): Promise<HttpReply> {
    return this.connection.post({
      path,
      body: Buffer.from(body, 'utf8'),
      headers: JSON_HEADERS,
      timeoutMs: this.timeoutMs,
      step,
      ...(sessionId ? { sessionId } : {}),
    });
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
