/**
 * TpapTransport against the emulated TPAP device over HTTP on 127.0.0.1: the recorded exchange
 * of the primary vector reproduced on the wire by both sides, every suite the device may choose,
 * wrong passwords, impostor devices, stale sessions and the sequence rule.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { after, describe, it } from 'node:test';
import { TpapServer, type TpapServerOptions } from '../../src/emulator/wire/tpap-server';
import { LampError } from '../../src/transport/errors';
import { deriveScalars, encodePoint } from '../../src/transport/tpap/spake2plus';
import { SUITES, type Suite } from '../../src/transport/tpap/suites';
import { TpapTransport, type TpapTransportOptions } from '../../src/transport/tpap/tpap-transport';
import vectors from './fixtures/tpap-vectors.json';
import { HOST, PASS, USER } from './helpers';

const MAC = '5C-E9-31-12-34-56';
const codeOf = (e: unknown) => (e instanceof LampError ? e.code : undefined);
const echo = (plaintext: string) => `{"error_code":0,"result":${plaintext}}`;
const REQUEST = '{"method":"get_device_info"}';

const servers: TpapServer[] = [];
const transports: TpapTransport[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
});

async function device(options: Partial<TpapServerOptions> = {}): Promise<TpapServer> {
  const server = new TpapServer({
    mac: MAC,
    credentials: { mode: 'account', username: USER, password: PASS },
    handler: echo,
    ...options,
  });
  await server.start();
  servers.push(server);
  return server;
}

function client(server: TpapServer, options: Partial<TpapTransportOptions> = {}): TpapTransport {
  const transport = new TpapTransport({
    host: HOST,
    port: server.port,
    username: USER,
    password: PASS,
    timeoutMs: 2000,
    ...options,
  });
  transports.push(transport);
  return transport;
}

describe('TPAP on the wire: the recorded exchange of the primary vector', () => {
  it('client and emulator reproduce every body of the exchange byte for byte', async () => {
    const h = vectors.handshakes[0];
    assert.ok(h);
    const i = h.inputs;
    const seen: { path: string; request: Buffer; response: Buffer }[] = [];
    const server = await device({
      credentials: { mode: 'account', username: i.username, password: i.password },
      handler: () => i.response_plaintext,
      entropy: {
        salt: Buffer.from(i.dev_salt_hex, 'hex'),
        devRandom: () => Buffer.from(i.dev_random_hex, 'hex'),
        scalar: () => BigInt(`0x${i.y_hex}`),
        sessionId: () => i.session_id,
        startSeq: () => i.start_seq,
      },
      record: (entry) => seen.push(entry),
    });
    const transport = client(server, {
      username: i.username,
      password: i.password,
      entropy: {
        userRandom: () => Buffer.from(i.user_random_hex, 'hex'),
        scalar: () => BigInt(`0x${i.x_hex}`),
      },
    });
    assert.equal(await transport.send(i.request_plaintext), i.response_plaintext);
    assert.equal(seen.length, h.http_exchange.length);
    h.http_exchange.forEach((expected, n) => {
      const actual = seen[n];
      assert.ok(actual);
      assert.equal(actual.path, expected.path);
      if ('request_hex' in expected) {
        assert.equal(actual.request.toString('hex'), expected.request_hex);
        assert.equal(actual.response.toString('hex'), expected.response_hex);
      } else {
        // JSON field order and whitespace do not matter to devices; every value does.
        assert.deepEqual(JSON.parse(actual.request.toString()), expected.request);
        assert.deepEqual(JSON.parse(actual.response.toString()), {
          ...expected.response,
          // The emulator announces the port it really listens on.
          ...(n === 0
            ? {
                result: {
                  ...expected.response.result,
                  tpap: { ...expected.response.result?.tpap, port: server.port },
                },
              }
            : {}),
        });
      }
    });
    assert.equal(transport.lastLogin?.variant, 'TPAP, AES-128-CCM');
  });
});

describe('TPAP transport against the emulated device', () => {
  for (const [suite, cipher, variant] of [
    [1, 'aes_128_ccm', 'TPAP, AES-128-CCM'],
    [2, 'aes_256_ccm', 'TPAP suite 2 (P-256), AES-256-CCM'],
    [3, 'aes_128_ccm', 'TPAP suite 3 (P-384), AES-128-CCM'],
    [4, 'chacha20_poly1305', 'TPAP suite 4 (P-384), ChaCha20-Poly1305'],
    [5, 'chacha20_poly1305', 'TPAP suite 5 (P-521), ChaCha20-Poly1305'],
    [8, 'chacha20_poly1305', 'TPAP suite 8 (P-256), ChaCha20-Poly1305'],
    [9, 'aes_128_ccm', 'TPAP suite 9 (P-256), AES-128-CCM'],
  ] as const) {
    it(`suite ${suite} with ${cipher}: logs in and exchanges requests`, async () => {
      const server = await device({ suite, cipher });
      // P-521 arithmetic in pure JavaScript is slow on a loaded machine; this is not a timing test.
      const transport = client(server, { timeoutMs: 15_000 });
      for (let n = 0; n < 3; n++) assert.equal(await transport.send(REQUEST), echo(REQUEST));
      assert.equal(transport.lastLogin?.variant, variant);
      assert.equal(transport.lastLogin?.credential, 'account');
      assert.equal(server.counters.handshakes, 1);
    });
  }

  it('an unbound device (pake 0) is reached with its MAC-derived passcode, no account', async () => {
    const server = await device({ credentials: { mode: 'blank' } });
    const transport = client(server, { username: '', password: '' });
    assert.equal(await transport.send(REQUEST), echo(REQUEST));
    assert.equal(transport.lastLogin?.credential, 'blank');
  });

  it('requests use start_seq, then +1 each, and a replayed seq is refused by the device', async () => {
    const server = await device({ entropy: { startSeq: () => 0x7b000000 } });
    const transport = client(server);
    await transport.send(REQUEST);
    assert.equal(server.lastSeq, 0x7b000000, 'a seq starting with "{" is still a sealed frame');
    await transport.send(REQUEST);
    assert.equal(server.lastSeq, 0x7b000001);
  });

  it('a session is renewed before its seq would wrap around 2^32', async () => {
    const server = await device({ entropy: { startSeq: () => 0xffffffff - 0x10000 } });
    const transport = client(server);
    await transport.send(REQUEST);
    assert.equal(server.lastSeq, 0xffffffff - 0x10000);
    await transport.send(REQUEST);
    assert.equal(transport.stats.logins, 2, 'the next seq is past the limit: a new session');
  });

  it('a wrong password is AUTH_FAILED at pake_share, and no request reaches the device', async () => {
    const server = await device();
    const transport = client(server, { password: 'not the password' });
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'AUTH_FAILED');
    assert.equal(server.counters.shares, 1);
    assert.equal(server.counters.requests, 0);
  });

  it('any error code at pake_share is AUTH_FAILED, with the code in the message', async () => {
    const server = await device();
    server.faults.shareErrorCode = -100000;
    await assert.rejects(
      client(server).send(REQUEST),
      (e) => codeOf(e) === 'AUTH_FAILED' && /-100000/.test((e as Error).message),
    );
  });

  it('a device that cannot prove it knows the verifier is refused (INTEGRITY), nothing sent', async () => {
    const server = await device();
    server.faults.forgeConfirmation = true;
    await assert.rejects(
      client(server).send(REQUEST),
      (e) => codeOf(e) === 'INTEGRITY' && /prove/.test((e as Error).message),
    );
    assert.equal(server.counters.requests, 0);
  });

  it('a stale session answered in plain JSON costs one new login inside the same call', async () => {
    const server = await device();
    const transport = client(server);
    await transport.send(REQUEST);
    server.faults.expireSessions = 1;
    assert.equal(await transport.send(REQUEST), echo(REQUEST));
    assert.equal(transport.stats.logins, 2);
  });

  it('a stale session answered with HTTP 403 also costs one new login', async () => {
    const server = await device();
    const transport = client(server);
    await transport.send(REQUEST);
    server.faults.staleStatus = 403;
    server.forgetSessions();
    assert.equal(await transport.send(REQUEST), echo(REQUEST));
    assert.equal(transport.stats.logins, 2);
  });

  it('a session still refused after the fresh logins of the retry budget is SESSION_EXPIRED, not a loop', async () => {
    const server = await device();
    const transport = client(server);
    await transport.send(REQUEST);
    // One refusal more than the budget's two fresh logins can absorb.
    server.faults.expireSessions = 3;
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'SESSION_EXPIRED');
    assert.equal(transport.stats.logins, 3);
  });

  it('a session lifetime the device announces is honoured (renewed before it runs out)', async () => {
    let now = 0;
    const server = await device({ sessionTimeoutSeconds: 3600 });
    const transport = client(server, { clock: () => now });
    await transport.send(REQUEST);
    now = 1_000 * 1_000; // 1000 s: still within the first half
    await transport.send(REQUEST);
    assert.equal(transport.stats.logins, 1);
    now = 2_500 * 1_000; // past 3600 - min(1200, 1800) = 2400 s
    await transport.send(REQUEST);
    assert.equal(transport.stats.logins, 2);
  });

  it('the device choosing a suite we do not implement is HANDSHAKE_FAILED', async () => {
    // A stand-in device: register answers suite 7, which has no curve.
    const fake = await jsonDevice((body) => {
      const sub = body.params.sub_method;
      if (sub === 'discover') return discoverReply(0);
      return {
        error_code: 0,
        result: {
          dev_random: 'AAAA',
          dev_salt: 'AAAA',
          dev_share: 'AAAA',
          cipher_suites: 7,
          iterations: 3000,
          encryption: 'aes_128_ccm',
        },
      };
    });
    await assert.rejects(
      new TpapTransport({ host: HOST, port: fake, timeoutMs: 2000 }).send(REQUEST),
      (e) => codeOf(e) === 'HANDSHAKE_FAILED' && /suite 7/.test((e as Error).message),
    );
  });
});

describe('TPAP discover: devices that are not port-80 TPAP', () => {
  it('HTTPS (tls 1 or 2) variants are UNSUPPORTED_PROTOCOL with what to do', async () => {
    const port = await jsonDevice(() => discoverReply(2));
    await assert.rejects(
      new TpapTransport({ host: HOST, port, timeoutMs: 2000 }).send(REQUEST),
      (e) =>
        codeOf(e) === 'UNSUPPORTED_PROTOCOL' &&
        /HTTPS/.test((e as Error).message) &&
        /Third-Party Compatibility/.test((e as Error).message),
    );
  });

  it('tpap_preferred false without a tpap object: WRONG_PROTOCOL naming KLAP', async () => {
    const port = await jsonDevice(() => ({
      error_code: 0,
      result: { sub_method: 'discover', tpap_preferred: false },
    }));
    await assert.rejects(
      new TpapTransport({ host: HOST, port, timeoutMs: 2000 }).send(REQUEST),
      (e) => codeOf(e) === 'WRONG_PROTOCOL' && /KLAP/.test((e as Error).message),
    );
  });

  it('no discover at all (404, an error code, not JSON): WRONG_PROTOCOL', async () => {
    for (const reply of [404, { error_code: -1002 }, 'not json']) {
      const port = await jsonDevice(() => reply);
      await assert.rejects(
        new TpapTransport({ host: HOST, port, timeoutMs: 2000 }).send(REQUEST),
        (e) => codeOf(e) === 'WRONG_PROTOCOL' && /does not speak TPAP/.test((e as Error).message),
      );
    }
  });

  it('malformed register and share replies are MALFORMED, never a crash', async () => {
    for (const broken of ['register', 'share'] as const) {
      const real = await device();
      const port = await jsonDevice(async (body, raw) => {
        const answer = await forward(real.port, raw);
        if (body.params.sub_method === 'pake_register' && broken === 'register') {
          delete (answer.result as Record<string, unknown>).dev_salt;
        }
        if (body.params.sub_method === 'pake_share' && broken === 'share') {
          (answer.result as Record<string, unknown>).start_seq = 'soon';
        }
        return answer;
      });
      await assert.rejects(
        new TpapTransport({
          host: HOST,
          port,
          username: USER,
          password: PASS,
          timeoutMs: 2000,
        }).send(REQUEST),
        (e) => codeOf(e) === 'MALFORMED',
      );
    }
  });
});

describe('TPAP login and request failures, each with its code', () => {
  /** What the proxy does to one answer of the real device. */
  type Mutation = (step: string, answer: Record<string, unknown>) => Answer;
  const result = (answer: Record<string, unknown>) => answer.result as Record<string, unknown>;

  const cases: [string, Mutation, string][] = [
    [
      'discover answered HTTP 500',
      (step, a) => (step === 'discover' ? 500 : a),
      'HANDSHAKE_FAILED',
    ],
    [
      'pake_register answered HTTP 500',
      (step, a) => (step === 'pake_register' ? 500 : a),
      'HANDSHAKE_FAILED',
    ],
    [
      'pake_register answered text',
      (step, a) => (step === 'pake_register' ? 'oops' : a),
      'MALFORMED',
    ],
    [
      'pake_register refused the account (-1501)',
      (step, a) => (step === 'pake_register' ? { error_code: -1501 } : a),
      'AUTH_FAILED',
    ],
    [
      'pake_register failed otherwise (-40000)',
      (step, a) => (step === 'pake_register' ? { error_code: -40000 } : a),
      'HANDSHAKE_FAILED',
    ],
    [
      'an unknown session cipher',
      (step, a) => {
        if (step === 'pake_register') result(a).encryption = 'rot13';
        return a;
      },
      'HANDSHAKE_FAILED',
    ],
    [
      'absurd iteration counts',
      (step, a) => {
        if (step === 'pake_register') result(a).iterations = 5_000_000;
        return a;
      },
      'HANDSHAKE_FAILED',
    ],
    [
      'a device share off the curve',
      (step, a) => {
        if (step === 'pake_register') result(a).dev_share = Buffer.alloc(65, 4).toString('base64');
        return a;
      },
      'MALFORMED',
    ],
    [
      'a device share that cancels w0·N',
      (step, a) => {
        if (step !== 'pake_register') return a;
        const r = result(a);
        const suite = SUITES.get(1) as Suite;
        const credential = createHash('sha1').update(PASS).digest('hex');
        const salt = Buffer.from(r.dev_salt as string, 'base64');
        const { w0 } = deriveScalars(suite, credential, salt, r.iterations as number);
        r.dev_share = encodePoint(suite.N.multiply(w0)).toString('base64');
        return a;
      },
      'HANDSHAKE_FAILED',
    ],
    ['a /ds reply with HTTP 500', (step, a) => (step === 'ds' ? 500 : a), 'MALFORMED'],
  ];
  for (const [name, mutate, code] of cases) {
    it(`${name}: ${code}`, async () => {
      const real = await device();
      const port = await proxy(real.port, mutate);
      const transport = new TpapTransport({
        host: HOST,
        port,
        username: USER,
        password: PASS,
        timeoutMs: 2000,
      });
      transports.push(transport);
      await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === code);
    });
  }

  it('a /ds reply that fails its tag is MALFORMED; the next call logs in again', async () => {
    const real = await device();
    let corrupt = true;
    const port = await proxy(real.port, (step, a) => {
      if (step !== 'ds' || !corrupt) return a;
      corrupt = false;
      const sealed = Buffer.from(a.hex as string, 'hex');
      sealed[sealed.length - 1] = (sealed[sealed.length - 1] as number) ^ 1;
      return { hex: sealed.toString('hex') };
    });
    const transport = new TpapTransport({
      host: HOST,
      port,
      username: USER,
      password: PASS,
      timeoutMs: 2000,
    });
    transports.push(transport);
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'MALFORMED');
    assert.equal(await transport.send(REQUEST), echo(REQUEST));
    assert.equal(transport.stats.logins, 2);
  });

  it('a device offering attestation (dac) gets a 32-byte dac_nonce in pake_share', async () => {
    const seen: Buffer[] = [];
    const server = await device({
      dac: true,
      record: (e) => {
        if (e.path === '/') seen.push(e.request);
      },
    });
    await client(server).send(REQUEST);
    const share = seen
      .map((b) => JSON.parse(b.toString()))
      .find((j) => j.params?.sub_method === 'pake_share');
    assert.equal(Buffer.from(share.params.dac_nonce, 'base64').length, 32);
  });
});

// ---- stand-in devices ------------------------------------------------------------------------

function discoverReply(tls: number): Record<string, unknown> {
  return {
    error_code: 0,
    result: {
      sub_method: 'discover',
      mac: MAC,
      tpap: { tls, dac: 1, noc: 1, pake: [2], port: tls ? 4433 : 80 },
      tpap_preferred: true,
    },
  };
}

type Answer = Record<string, unknown> | number | string;

const fakes: http.Server[] = [];
after(() => Promise.all(fakes.map((f) => new Promise((r) => f.close(r)))));

/** A device answering POST / with whatever `answer` says (a number is a bare HTTP status). */
async function jsonDevice(
  answer: (body: { params: { sub_method: string } }, raw: Buffer) => Answer | Promise<Answer>,
): Promise<number> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const reply = await answer(JSON.parse(raw.toString()), raw);
      if (typeof reply === 'number') {
        res.writeHead(reply).end();
        return;
      }
      res.end(typeof reply === 'string' ? reply : JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  fakes.push(server);
  return (server.address() as { port: number }).port;
}

/**
 * A device in front of a real emulated one: every call is passed on, and `mutate` sees each
 * answer first (login calls by sub_method as JSON, /ds replies as `{ hex }` under 'ds').
 */
async function proxy(
  port: number,
  mutate: (step: string, answer: Record<string, unknown>) => Answer,
): Promise<number> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const upstream = await passOn(port, req.url ?? '/', raw);
      let answer: Answer;
      if (req.url === '/') {
        const step = String(JSON.parse(raw.toString()).params?.sub_method);
        answer = mutate(step, JSON.parse(upstream.toString()));
      } else {
        answer = mutate('ds', { hex: upstream.toString('hex') });
        if (typeof answer === 'object') {
          res.end(Buffer.from(answer.hex as string, 'hex'));
          return;
        }
      }
      if (typeof answer === 'number') res.writeHead(answer).end();
      else res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  fakes.push(server);
  return (server.address() as { port: number }).port;
}

function passOn(port: number, path: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path, method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Passes one login call on to a real emulated device, returning its JSON answer. */
function forward(port: number, body: Buffer): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path: '/', method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject);
    req.end(body);
  });
}
