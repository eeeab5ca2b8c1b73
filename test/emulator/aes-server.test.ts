/** The AES securePassthrough device side, spoken to byte by byte with Node's http and our codecs. */

import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { AesServer, type AesServerOptions } from '../../src/emulator/wire/aes-server';
import { AesSessionCipher } from '../../src/transport/aes/cipher';
import {
  type AesLoginVersion,
  handshakeRequest,
  loginParams,
  loginRequest,
  passthroughRequest,
} from '../../src/transport/aes/login';
import {
  createRsaKeyPair,
  decryptHandshakeKey,
  type RsaKeyPair,
} from '../../src/transport/aes/rsa';

const HOST = '127.0.0.1';
const USER = 'Someone.Home@Example.com';
const PASS = 'Sup3r secret!';
const echo = (plaintext: string) => `{"echo":${plaintext}}`;

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function post(port: number, path: string, body: string, cookie?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
    };
    if (cookie !== undefined) headers.Cookie = cookie;
    const req = http.request(
      { host: HOST, port, method: 'POST', path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      })
      .on('error', reject);
  });
}

const keys: RsaKeyPair = createRsaKeyPair();

interface Outer {
  error_code: number;
  result?: { response?: unknown };
}

interface Exchange {
  outer: Outer;
  inner: string | null;
}

/** A minimal client: one handshake, then login and commands on that session. */
class Session {
  cookie = '';
  cipher: AesSessionCipher | null = null;
  token: string | null = null;

  constructor(readonly port: number) {}

  async handshake(pem = keys.publicKeyPem): Promise<Raw> {
    const reply = await post(this.port, '/app', handshakeRequest(pem));
    const json = JSON.parse(reply.body);
    if (json.error_code === 0) {
      const { key, iv } = decryptHandshakeKey(keys.privateKey, json.result.key);
      this.cipher = new AesSessionCipher(key, iv);
      this.cookie = String(reply.headers['set-cookie']).split(';')[0] as string;
    }
    return reply;
  }

  /** Sends one plaintext through securePassthrough; returns the outer JSON and the inner text. */
  async send(plaintext: string, path = this.path): Promise<Exchange> {
    const cipher = this.cipher as AesSessionCipher;
    const reply = await post(
      this.port,
      path,
      passthroughRequest(cipher.encrypt(plaintext)),
      this.cookie,
    );
    assert.equal(reply.status, 200);
    const outer = JSON.parse(reply.body) as Outer;
    const response = outer.result?.response;
    return { outer, inner: typeof response === 'string' ? cipher.decrypt(response) : null };
  }

  get path(): string {
    return this.token === null ? '/app' : `/app?token=${this.token}`;
  }

  async login(
    user = USER,
    pass = PASS,
    version: AesLoginVersion = 2,
  ): Promise<Record<string, unknown>> {
    const { inner } = await this.send(loginRequest(loginParams(user, pass, version), Date.now()));
    const json = JSON.parse(inner as string);
    if (json.error_code === 0) this.token = json.result.token;
    return json;
  }

  async command(plaintext: string): Promise<Exchange> {
    return this.send(plaintext);
  }
}

async function startServer(overrides: Partial<AesServerOptions> = {}): Promise<AesServer> {
  const server = new AesServer({
    credentials: { mode: 'account', username: USER, password: PASS },
    handler: echo,
    ...overrides,
  });
  await server.start();
  return server;
}

async function loggedIn(server: AesServer): Promise<Session> {
  const session = new Session(server.port);
  await session.handshake();
  assert.equal((await session.login()).error_code, 0);
  return session;
}

describe('AesServer: the three-step flow', () => {
  let server: AesServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('handshake: 200, key for our RSA key, TP_SESSIONID cookie with TIMEOUT, SHIP 2.0, text/html', async () => {
    const session = new Session(server.port);
    const reply = await session.handshake();
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.server, 'SHIP 2.0');
    assert.equal(reply.headers['content-type'], 'text/html');
    assert.match(String(reply.headers['set-cookie']), /^TP_SESSIONID=[0-9A-F]{32};TIMEOUT=86400$/);
    const json = JSON.parse(reply.body);
    assert.deepEqual(Object.keys(json), ['error_code', 'result']);
    assert.equal(Buffer.from(json.result.key, 'base64').length, 128);
  });

  it('login v2 gives a token; commands with token and cookie reach the device model', async () => {
    const before = { ...server.counters };
    const session = new Session(server.port);
    await session.handshake();
    const login = await session.login();
    assert.equal(login.error_code, 0);
    assert.match(session.token as string, /^[A-Z0-9]{32}$/);
    const { outer, inner } = await session.command('{"method":"get_device_info"}');
    assert.equal(outer.error_code, 0);
    assert.equal(inner, echo('{"method":"get_device_info"}'));
    assert.deepEqual(
      [
        server.counters.handshakes - before.handshakes,
        server.counters.logins - before.logins,
        server.counters.requests - before.requests,
      ],
      [1, 1, 1],
    );
  });

  it('a chunked handshake (no Content-Length) gets HTTP 500, as on real firmware', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: HOST, port: server.port, method: 'POST', path: '/app', agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(handshakeRequest(keys.publicKeyPem));
      req.end();
    });
    assert.equal(status, 500);
  });

  it('a 64-column PEM works as well as the one-line form', async () => {
    const pem = createPublicKey(keys.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    assert.ok(pem.split('\n')[1]?.length === 64);
    const session = new Session(server.port);
    assert.equal(JSON.parse((await session.handshake(pem)).body).error_code, 0);
    assert.equal((await session.login()).error_code, 0);
  });

  it('-1010 for keys it cannot use: 2048 bits, not a key, missing', async () => {
    const big = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    for (const body of [
      handshakeRequest(big),
      handshakeRequest('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n'),
      '{"method":"handshake","params":{}}',
    ]) {
      const reply = await post(server.port, '/app', body);
      assert.deepEqual(JSON.parse(reply.body), { error_code: -1010 });
      assert.equal(reply.headers['set-cookie'], undefined);
    }
  });

  it('-1501 for wrong credentials, then 9999 until a new handshake; case matters', async () => {
    const session = new Session(server.port);
    await session.handshake();
    assert.deepEqual(await session.login(USER.toLowerCase(), PASS), { error_code: -1501 });
    assert.deepEqual(await session.login(), { error_code: 9999 });
    await session.handshake();
    assert.equal((await session.login()).error_code, 0);
  });

  it('a v2 device refuses the v1 password field', async () => {
    const session = new Session(server.port);
    await session.handshake();
    assert.deepEqual(await session.login(USER, PASS, 1), { error_code: -1501 });
  });

  it('outer 9999 for a wrong token, an unknown or missing cookie, or a command without a token', async () => {
    const session = await loggedIn(server);
    const token = session.token as string;
    const command = '{"method":"get_device_info"}';
    assert.deepEqual((await session.send(command, `/app?token=${token.slice(1)}X`)).outer, {
      error_code: 9999,
    });
    const sealed = passthroughRequest((session.cipher as AesSessionCipher).encrypt(command));
    const unknown = await post(
      server.port,
      `/app?token=${token}`,
      sealed,
      `TP_SESSIONID=${'0'.repeat(32)}`,
    );
    assert.deepEqual(JSON.parse(unknown.body), { error_code: 9999 });
    const none = await post(server.port, `/app?token=${token}`, sealed);
    assert.deepEqual(JSON.parse(none.body), { error_code: 9999 });
    assert.deepEqual((await session.send(command, '/app')).outer, { error_code: 9999 });
    // A handshaken but not logged-in session has no token to match.
    const fresh = new Session(server.port);
    await fresh.handshake();
    assert.deepEqual((await fresh.send(command, `/app?token=${token}`)).outer, {
      error_code: 9999,
    });
    // The logged-in session still works.
    assert.equal((await session.command(command)).inner, echo(command));
  });

  it('protocol errors: KLAP paths 404, root page, bad JSON -1003, unknown method -1002, bad ciphertext -1005', async () => {
    assert.equal((await post(server.port, '/app/handshake1', 'x'.repeat(16))).status, 404);
    const root = await get(server.port, '/');
    assert.deepEqual(
      [root.status, root.body],
      [200, '<html><body><center>200 OK</center></body></html>'],
    );
    assert.equal((await get(server.port, '/app')).status, 404);
    assert.deepEqual(JSON.parse((await post(server.port, '/app', 'not json')).body), {
      error_code: -1003,
    });
    assert.deepEqual(
      JSON.parse((await post(server.port, '/app', '{"method":"component_nego"}')).body),
      { error_code: -1002 },
    );
    const session = new Session(server.port);
    await session.handshake();
    for (const body of [passthroughRequest('bm90IGNpcGhlcg=='), '{"method":"securePassthrough"}']) {
      const reply = await post(server.port, '/app', body, session.cookie);
      assert.deepEqual(JSON.parse(reply.body), { error_code: -1005 });
    }
  });
});

describe('AesServer options', () => {
  it('loginVersion 1 expects `password` and refuses `password2`', async () => {
    const server = await startServer({ loginVersion: 1 });
    try {
      assert.equal(server.expectedLoginVersion, 1);
      const session = new Session(server.port);
      await session.handshake();
      assert.deepEqual(await session.login(USER, PASS, 2), { error_code: -1501 });
      await session.handshake();
      assert.equal((await session.login(USER, PASS, 1)).error_code, 0);
    } finally {
      await server.close();
    }
  });

  it('credential modes: tapo-default, blank, kasa-default, alternating (account, then Tapo default)', async () => {
    const cases: [AesServerOptions['credentials'], [string, string][]][] = [
      [{ mode: 'tapo-default' }, [['test@tp-link.net', 'test']]],
      [{ mode: 'blank' }, [['', '']]],
      [{ mode: 'kasa-default' }, [['kasa@tp-link.net', 'kasaSetup']]],
      [
        { mode: 'alternating', username: USER, password: PASS },
        [
          [USER, PASS],
          ['test@tp-link.net', 'test'],
          [USER, PASS],
        ],
      ],
    ];
    for (const [credentials, logins] of cases) {
      const server = await startServer({ credentials });
      try {
        for (const [user, pass] of logins) {
          const session = new Session(server.port);
          await session.handshake();
          assert.equal(
            (await session.login(user, pass)).error_code,
            0,
            `${credentials.mode} ${user}`,
          );
        }
        const wrong = new Session(server.port);
        await wrong.handshake();
        assert.equal((await wrong.login('nobody@example.com', 'x')).error_code, -1501);
      } finally {
        await server.close();
      }
    }
  });

  it('sessions expire after sessionTimeoutSeconds (cookie TIMEOUT says so)', async () => {
    const server = await startServer({ sessionTimeoutSeconds: 0.05 });
    try {
      const session = new Session(server.port);
      const reply = await session.handshake();
      assert.match(String(reply.headers['set-cookie']), /TIMEOUT=0\.05$/);
      assert.equal((await session.login()).error_code, 0);
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.deepEqual((await session.command('{}')).outer, { error_code: 9999 });
    } finally {
      await server.close();
    }
  });

  it('maxSessions evicts the least recently used session', async () => {
    const server = await startServer({ maxSessions: 1 });
    try {
      const first = await loggedIn(server);
      await loggedIn(server);
      assert.deepEqual((await first.command('{}')).outer, { error_code: 9999 });
    } finally {
      await server.close();
    }
  });
});

describe('AesServer faults', () => {
  let server: AesServer;
  let session: Session;
  before(async () => {
    server = await startServer();
    session = await loggedIn(server);
  });
  after(() => server.close());

  it('latencyMs delays answers', async () => {
    server.faults.latencyMs = 60;
    const started = performance.now();
    await session.command('{}');
    server.faults.latencyMs = 0;
    assert.ok(performance.now() - started >= 55);
  });

  it('httpStatus forces a status with an empty body', async () => {
    server.faults.httpStatus = 500;
    const reply = await post(server.port, '/app', handshakeRequest(keys.publicKeyPem));
    server.faults.httpStatus = null;
    assert.deepEqual([reply.status, reply.body], [500, '']);
  });

  it('dropConnections destroys the next command request, not handshakes or logins', async () => {
    server.faults.dropConnections = 1;
    const other = await loggedIn(server);
    assert.equal(server.faults.dropConnections, 1);
    await assert.rejects(other.command('{}'), { code: 'ECONNRESET' });
    assert.equal(server.faults.dropConnections, 0);
    assert.equal((await other.command('{"x":1}')).inner, echo('{"x":1}'));
  });

  it('hang: accepted, never answered', async () => {
    server.faults.hang = true;
    const pending = session.command('{}');
    const outcome = await Promise.race([
      pending.then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((resolve) => setTimeout(() => resolve('hanging'), 150)),
    ]);
    server.faults.hang = false;
    assert.equal(outcome, 'hanging');
    // Unplugging ends the hung request.
    await server.stop();
    await assert.rejects(pending);
    await server.start();
    session = await loggedIn(server);
  });

  it('expireSessions answers outer 9999 and forgets the session; a new login works', async () => {
    server.faults.expireSessions = 1;
    assert.deepEqual((await session.command('{}')).outer, { error_code: 9999 });
    assert.deepEqual((await session.command('{}')).outer, { error_code: 9999 }, 'session gone');
    session = await loggedIn(server);
    assert.equal((await session.command('{"y":2}')).inner, echo('{"y":2}'));
  });

  it('forgetSessions (a reboot) invalidates every token', async () => {
    server.forgetSessions();
    assert.deepEqual((await session.command('{}')).outer, { error_code: 9999 });
    session = await loggedIn(server);
  });

  it('malformedReplies: the next N answers are not JSON', async () => {
    server.faults.malformedReplies = 1;
    const cipher = session.cipher as AesSessionCipher;
    const reply = await post(
      server.port,
      session.path,
      passthroughRequest(cipher.encrypt('{}')),
      session.cookie,
    );
    assert.equal(reply.status, 200);
    assert.throws(() => JSON.parse(reply.body));
    assert.equal((await session.command('{"z":3}')).inner, echo('{"z":3}'));
  });

  it('plaintextReplies: the inner reply travels unencrypted inside securePassthrough', async () => {
    server.faults.plaintextReplies = true;
    const cipher = session.cipher as AesSessionCipher;
    const reply = await post(
      server.port,
      session.path,
      passthroughRequest(cipher.encrypt('{"p":1}')),
      session.cookie,
    );
    server.faults.plaintextReplies = false;
    assert.deepEqual(JSON.parse(reply.body), {
      error_code: 0,
      result: { response: echo('{"p":1}') },
    });
  });

  it('rejectPublicKey answers every handshake -1010', async () => {
    server.faults.rejectPublicKey = true;
    const reply = await new Session(server.port).handshake();
    server.faults.rejectPublicKey = false;
    assert.deepEqual(JSON.parse(reply.body), { error_code: -1010 });
  });

  it('closeConnections adds Connection: close', async () => {
    server.faults.closeConnections = true;
    const reply = await post(server.port, '/app', handshakeRequest(keys.publicKeyPem));
    server.faults.closeConnections = false;
    assert.equal(reply.headers.connection, 'close');
  });

  it('a throwing device model is answered 500', async () => {
    const broken = await startServer({
      handler: () => {
        throw new Error('model bug');
      },
    });
    try {
      const s = await loggedIn(broken);
      const reply = await post(
        broken.port,
        s.path,
        passthroughRequest((s.cipher as AesSessionCipher).encrypt('{}')),
        s.cookie,
      );
      assert.equal(reply.status, 500);
    } finally {
      await broken.close();
    }
  });
});

/** mgt_encrypt_schm of an emulated device's 20002 discovery reply. */
function schemeOf(device: EmulatedDevice): Record<string, unknown> {
  assert.ok(device.discovery, 'discovery is on');
  const result = device.discovery.replyJson().result as Record<string, unknown>;
  return result.mgt_encrypt_schm as Record<string, unknown>;
}

describe('startEmulator with protocol aes', () => {
  it('a Tapo model over AES: device JSON through securePassthrough, reboot forgets sessions', async () => {
    const device = await startEmulator({
      model: 'P100',
      protocol: 'aes',
      username: USER,
      password: PASS,
      discoveryPort: 0,
    });
    try {
      assert.equal(device.protocol, 'aes');
      assert.equal(device.loginVersion, 2);
      assert.equal(device.server, device.aes);
      assert.throws(() => device.klap, /speaks aes, not KLAP; use device.server/);
      assert.throws(() => device.legacy, /speaks aes, not legacy XOR/);
      assert.equal(device.url, `http://127.0.0.1:${device.port}`);
      const session = await loggedIn(device.aes);
      const { inner } = await session.command('{"method":"get_device_info"}');
      const info = JSON.parse(inner as string);
      assert.equal(info.error_code, 0);
      assert.equal(info.result.model, 'P100');
      assert.equal(device.aes.counters.requests, 1);
      const scheme = schemeOf(device);
      assert.deepEqual([scheme.encrypt_type, scheme.lv, scheme.http_port], ['AES', 2, device.port]);
      assert.equal(device.xorDiscovery, null);
      // A reboot requested through the device ends every session.
      await session.command('{"method":"device_reboot"}');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual((await session.command('{}')).outer, { error_code: 9999 });
      // Unplugged: connection refused; plugged in: same port, new sessions work.
      const port = device.port;
      await device.unplug();
      await assert.rejects(new Session(port).handshake(), { code: 'ECONNREFUSED' });
      await device.plugIn();
      assert.equal(device.port, port);
      await loggedIn(device.aes);
    } finally {
      await device.close();
    }
  });

  it('loginVersion 1 is announced without lv; the older encryption spelling still works', async () => {
    const v1 = await startEmulator({
      model: 'L530',
      protocol: 'aes',
      loginVersion: 1,
      discoveryPort: 0,
    });
    const spelled = await startEmulator({ model: 'L510', encryption: 'AES', discoveryPort: 0 });
    try {
      const scheme = schemeOf;
      assert.equal(scheme(v1).encrypt_type, 'AES');
      assert.equal('lv' in scheme(v1), false);
      assert.equal(v1.aes.expectedLoginVersion, 1);
      const session = new Session(v1.port);
      await session.handshake();
      assert.equal((await session.login('', '', 1)).error_code, 0, 'blank credentials by default');
      assert.equal(spelled.protocol, 'aes');
      assert.equal(scheme(spelled).lv, 2);
    } finally {
      await Promise.all([v1.close(), spelled.close()]);
    }
  });

  it('KLAP devices answer the AES handshake with 1003; refused combinations say why', async () => {
    const klap = await startEmulator({ model: 'L530' });
    try {
      assert.equal(klap.protocol, 'klap');
      assert.equal(klap.server, klap.klap);
      assert.equal(klap.loginVersion, null);
      assert.throws(() => klap.aes, /speaks klap, not AES/);
      const reply = await post(klap.port, '/app', handshakeRequest(keys.publicKeyPem));
      assert.deepEqual(JSON.parse(reply.body), { error_code: 1003 });
    } finally {
      await klap.close();
    }
    const refused: [Parameters<typeof startEmulator>[0], RegExp][] = [
      [{ model: 'HS100', protocol: 'aes' }, /HS100 is a Kasa \(IOT\) model; AES .* only Tapo/],
      [{ model: 'L530', protocol: 'legacy' }, /L530 is a Tapo \(SMART\) model; the legacy XOR/],
      [
        { model: 'HS100', protocol: 'tpap' },
        /HS100 is a Kasa \(IOT\) model; TPAP carries only Tapo/,
      ],
      [
        { model: 'L530', protocol: 'tpap', tpapPreferred: false },
        /tpapPreferred: false describes a KLAP/,
      ],
      [{ model: 'L530', protocol: 'aes', encryption: 'KLAP' }, /disagree; give only protocol/],
      [{ model: 'L530', protocol: 'aes', klap: 2 }, /klap option applies to KLAP devices/],
      [{ model: 'L530', loginVersion: 1 }, /loginVersion applies to AES devices/],
      [{ model: 'L530', protocol: 'aes', lazyHttp: true }, /lazyHttp needs a discoveryPort/],
    ];
    for (const [options, message] of refused) {
      await assert.rejects(startEmulator(options), message, JSON.stringify(options));
    }
  });
});
