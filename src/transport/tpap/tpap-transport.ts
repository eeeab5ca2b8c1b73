/**
 * TpapTransport: TPAP, the SPAKE2+ login of 2025–26 Tapo and Kasa firmware, on the port-80
 * plain-HTTP variant lamps and plugs use (docs/protocols/tpap.md).
 *
 * Login is three JSON calls to `/`: `discover` (the device's TPAP parameters), `pake_register`
 * (its salt, iteration count and SPAKE2+ share) and `pake_share` (our share and confirmation,
 * its confirmation and the session id). We check the device's confirmation before sending it
 * anything: a device that cannot produce it does not know the password's verifier. Requests
 * then go to `/stok=<id>/ds`, sealed with the agreed cipher under a strictly increasing seq.
 * A device that has dropped the session answers there in plain JSON; that is recognised before
 * any decryption and costs one new login (SessionRejected).
 */
import { randomBytes } from 'node:crypto';
import type { CredentialKind } from '../credentials';
import {
  AuthenticationError,
  DeviceProofError,
  HandshakeError,
  MalformedResponseError,
  NotTpapError,
  UnsupportedProtocolError,
  WrongProtocolError,
} from '../errors';
import type { HttpReply } from '../http';
import { HttpConnection } from '../http-connection';
import {
  renewDelayMs,
  SessionRejected,
  SessionTransport,
  type SessionTransportOptions,
} from '../session-transport';
import type { LoginInfo } from '../types';
import { ChannelError, deriveChannelKeys, TpapChannel } from './channel';
import { credentialFor, passcodeTypeFor, registerUsername } from './credentials';
import {
  DISCOVER_REQUEST,
  readDiscover,
  readEnvelope,
  readRegister,
  readShare,
  registerRequest,
  shareRequest,
  type TpapParameters,
} from './messages';
import {
  confirmation,
  confirmationMatches,
  decodePoint,
  deriveScalars,
  encodePoint,
  keySchedule,
  proverSecrets,
  proverShare,
  randomScalar,
  SpakeError,
  transcript,
} from './spake2plus';
import { cipherByName, OFFERED_CIPHERS, OFFERED_SUITES, SUITES, type Suite } from './suites';

export interface TpapTransportOptions extends Omit<SessionTransportOptions, 'port'> {
  /** Default 80. */
  port?: number;
  /** TP-Link / Tapo account e-mail, exactly as in the app. */
  username?: string;
  password?: string;
  /**
   * Tests only: fixed randomness (user_random, the scalar x), to replay recorded handshakes.
   * Leave unset: the default is the CSPRNG.
   */
  entropy?: { userRandom?: () => Buffer; scalar?: (suite: Suite) => bigint };
}

export interface TpapLoginInfo extends LoginInfo {
  readonly credential: CredentialKind;
  readonly suite: number;
  readonly cipher: string;
}

interface Session {
  sessionId: string;
  channel: TpapChannel;
  /** The seq the next request uses. */
  seq: number;
  renewAt: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const BINARY_HEADERS = { 'Content-Type': 'application/octet-stream' };
/** Codes that mean the account secret was refused at pake_register. */
const AUTH_CODES = new Set([-1501, 1003, 1100, 1111, -1005, -40412]);
/** Renew well before the 32-bit seq wraps: devices' behaviour there is unknown. */
const SEQ_LIMIT = 0xffffffff - 0x10000;
/** A device asking for more PBKDF2 work than this is not a lamp (it would stall the login). */
const MAX_ITERATIONS = 1_000_000;

export class TpapTransport extends SessionTransport<Session, TpapLoginInfo> {
  readonly encryption = 'TPAP';
  private readonly username: string;
  private readonly password: string;
  private readonly entropy: NonNullable<TpapTransportOptions['entropy']>;
  // One socket: register and share must reach the device back to back (docs/protocols/tpap.md §2).
  private readonly connection = new HttpConnection(this.host, this.port, this.address);

  constructor(options: TpapTransportOptions) {
    super({ ...options, port: options.port ?? 80 });
    this.username = options.username ?? '';
    this.password = options.password ?? '';
    this.entropy = options.entropy ?? {};
  }

  protected override usable(session: Session): boolean {
    return session.seq <= SEQ_LIMIT && super.usable(session);
  }

  protected release(): void {
    this.connection.close();
  }

  // ---- login ---------------------------------------------------------------------------------

  protected async login(): Promise<{ session: Session; info: TpapLoginInfo }> {
    const parameters = await this.discover();
    const passcodeType = passcodeTypeFor(parameters.pake);
    const userRandom = this.entropy.userRandom?.() ?? randomBytes(32);

    const registered = await this.call(
      registerRequest({
        username: registerUsername(parameters.userHashType),
        userRandom,
        passcodeType,
        suites: OFFERED_SUITES,
        ciphers: OFFERED_CIPHERS,
      }),
      'pake_register',
    );
    if (registered.code !== 0) {
      if (AUTH_CODES.has(registered.code)) {
        throw new AuthenticationError(this.address, `pake_register answered ${registered.code}`);
      }
      throw new HandshakeError(this.address, `pake_register answered error ${registered.code}`);
    }
    const offer = readRegister(registered.result);
    if (typeof offer === 'string') {
      throw new MalformedResponseError(
        this.address,
        `pake_register reply without a usable ${offer}`,
      );
    }
    const suite = SUITES.get(offer.suite);
    const cipher = cipherByName(offer.encryption);
    if (!suite || !cipher) {
      throw new HandshakeError(
        this.address,
        `the device chose cipher suite ${offer.suite} with ${offer.encryption}, which this ` +
          'package does not implement',
      );
    }
    if (offer.iterations > MAX_ITERATIONS) {
      throw new HandshakeError(this.address, `the device asked for ${offer.iterations} iterations`);
    }

    let Y: ReturnType<typeof decodePoint>;
    try {
      Y = decodePoint(suite, offer.devShare);
    } catch {
      throw new MalformedResponseError(this.address, 'pake_register share is not a curve point');
    }
    const credential = credentialFor(passcodeType, offer.extraCrypt, {
      username: this.username,
      password: this.password,
      mac: parameters.mac,
    });
    const scalars = deriveScalars(suite, credential, offer.devSalt, offer.iterations);
    const x = this.entropy.scalar?.(suite) ?? randomScalar(suite);
    let keys: ReturnType<typeof keySchedule>;
    let X: ReturnType<typeof proverShare>;
    try {
      X = proverShare(suite, scalars.w0, x);
      const { Z, V } = proverSecrets(suite, scalars, x, Y);
      keys = keySchedule(
        suite,
        transcript(suite, { userRandom, devRandom: offer.devRandom, X, Y, Z, V, w0: scalars.w0 }),
      );
    } catch (error) {
      if (!(error instanceof SpakeError)) throw error;
      throw new HandshakeError(this.address, `the device's share is unusable (${error.message})`);
    }

    const dacNonce = parameters.dac && parameters.tls === 0 ? randomBytes(32) : undefined;
    const shared = await this.call(
      shareRequest(encodePoint(X), confirmation(suite, keys.kcA, Y), dacNonce),
      'pake_share',
    );
    // The device checks our confirmation first, so any refusal here is the password's.
    if (shared.code !== 0) {
      throw new AuthenticationError(this.address, `pake_share answered ${shared.code}`);
    }
    const answer = readShare(shared.result);
    if (typeof answer === 'string') {
      throw new MalformedResponseError(this.address, `pake_share reply without a usable ${answer}`);
    }
    if (!confirmationMatches(confirmation(suite, keys.kcB, X), answer.devConfirm)) {
      throw new DeviceProofError(this.address);
    }

    const channel = new TpapChannel(cipher, deriveChannelKeys(suite, cipher, keys.sharedKey));
    const suiteLabel = suite.id === 1 ? '' : ` suite ${suite.id} (${suite.curveName})`;
    return {
      session: {
        sessionId: answer.sessionId,
        channel,
        seq: answer.startSeq,
        // Without a lifetime the session is kept until the device drops it.
        renewAt:
          answer.expiresIn === undefined
            ? Number.POSITIVE_INFINITY
            : this.clock() + renewDelayMs(answer.expiresIn),
      },
      info: {
        credential: passcodeType === 'default_userpw' ? 'blank' : 'account',
        suite: suite.id,
        cipher: cipher.name,
        variant: `TPAP${suiteLabel}, ${cipher.title}`,
      },
    };
  }

  private async discover(): Promise<TpapParameters> {
    const reply = await this.post(
      '/',
      Buffer.from(JSON.stringify(DISCOVER_REQUEST)),
      'discover',
      JSON_HEADERS,
    );
    if (reply.status === 404) throw new NotTpapError(this.address, 'no TPAP discover, HTTP 404');
    if (reply.status !== 200) {
      throw new HandshakeError(this.address, `the TPAP discover answered HTTP ${reply.status}`);
    }
    const envelope = readEnvelope(reply.body.toString('utf8'));
    if (!envelope)
      throw new NotTpapError(this.address, 'discover answered something other than JSON');
    if (envelope.code !== 0) {
      throw new NotTpapError(this.address, `discover answered error ${envelope.code}`);
    }
    const answer = readDiscover(envelope.result);
    if (answer.kind === 'prefers-klap') throw new WrongProtocolError(this.address, 'tpap', 'klap');
    if (answer.kind === 'none')
      throw new NotTpapError(this.address, 'discover without TPAP parameters');
    if (answer.parameters.tls !== 0) {
      throw new UnsupportedProtocolError(
        this.address,
        'tpap-https',
        'Lamps and plugs speak TPAP over plain HTTP on port 80; this device wants certificates ' +
          'from TP-Link\'s cloud. Enable "Third-Party Compatibility" in the Tapo app so it also ' +
          'speaks KLAP, and set Protocol to "auto".',
      );
    }
    return answer.parameters;
  }

  /** One login call: JSON in, `{code, result}` out. */
  private async call(
    body: Record<string, unknown>,
    step: string,
  ): Promise<{ code: number; result: Record<string, unknown> }> {
    const reply = await this.post('/', Buffer.from(JSON.stringify(body)), step, JSON_HEADERS);
    if (reply.status !== 200) {
      throw new HandshakeError(this.address, `${step} answered HTTP ${reply.status}`);
    }
    const envelope = readEnvelope(reply.body.toString('utf8'));
    if (!envelope) throw new MalformedResponseError(this.address, `${step} reply is not JSON`);
    return envelope;
  }

  // ---- one sealed request --------------------------------------------------------------------

  protected async exchange(session: Session, plaintext: string): Promise<string> {
    // The seq advances even when the request is lost: the device may have seen it.
    const seq = session.seq;
    session.seq += 1;
    const body = session.channel.seal(seq, Buffer.from(plaintext, 'utf8'));
    const reply = await this.post(
      `/stok=${session.sessionId}/ds`,
      body,
      'the request',
      BINARY_HEADERS,
    );
    if (reply.status === 401 || reply.status === 403 || reply.status === 404) {
      throw new SessionRejected(`the device refused the session (HTTP ${reply.status})`);
    }
    if (reply.status !== 200) {
      throw new MalformedResponseError(this.address, `HTTP ${reply.status} to a request`);
    }
    const plain = plainJsonCode(reply);
    if (plain !== undefined) {
      // Not sealed at all: the device no longer knows this session (docs/protocols/tpap.md §7).
      throw new SessionRejected(`the device answered in plain JSON (error ${plain})`);
    }
    let opened: Buffer;
    try {
      // The reply carries its own seq; it normally echoes ours.
      opened = session.channel.open(reply.body).plaintext;
    } catch (error) {
      const detail = error instanceof ChannelError ? error.message : 'undecryptable reply';
      throw new MalformedResponseError(this.address, detail);
    }
    this.countRequest();
    return opened.toString('utf8');
  }

  private post(
    path: string,
    body: Buffer,
    step: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<HttpReply> {
    return this.connection.post({
      path,
      body,
      headers,
      timeoutMs: this.timeoutMs,
      step,
    });
  }
}

/**
 * The error code of a /ds reply that is plain JSON rather than a sealed frame, else undefined.
 * A frame starts with its 4-byte seq, which can begin with "{" too, so the whole body must parse.
 */
function plainJsonCode(reply: HttpReply): number | undefined {
  if (reply.body[0] !== 0x7b && !String(reply.headers['content-type']).includes('json')) {
    return undefined;
  }
  return readEnvelope(reply.body.toString('utf8'))?.code;
}
