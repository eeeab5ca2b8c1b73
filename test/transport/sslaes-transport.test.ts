/**
 * sslaes against the emulated hub over real TLS on 127.0.0.1: the secure login and its user-name
 * fallback, the hub's strictness (tag, sequence, one session per address, lock-out), and how
 * the transport meets each (a replaced session costs one re-login, a wrong password never
 * reaches the hub's counter, a lock-out is reported with its seconds and not retried).
 */
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import { AesSessionCipher } from '../../src/transport/aes/cipher';
import { DeviceLockedError, LampError } from '../../src/transport/errors';
import { createTransport, transportFor } from '../../src/transport/factory';
import {
  digestPassword,
  newNonce,
  passwordHash,
  sessionKey,
  tagSecret,
  tapoTag,
} from '../../src/transport/sslaes/hashes';
import { SslAesTransport } from '../../src/transport/sslaes/sslaes-transport';
import { HOST, PASS, USER } from './helpers';

const started: EmulatedDevice[] = [];
const transports: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(started.map((d) => d.close()));
});

const REQUEST = JSON.stringify({ method: 'get_device_info' });
const answered = (reply: string) => JSON.parse(reply).error_code === 0;
const codeOf = (e: unknown) => (e instanceof LampError ? e.code : undefined);

async function hub(options: Partial<EmulatorOptions> = {}): Promise<EmulatedDevice> {
  const device = await startEmulator({
    model: 'L530',
    protocol: 'sslaes',
    username: USER,
    password: PASS,
    ...options,
  });
  started.push(device);
  return device;
}

function client(device: EmulatedDevice, password = PASS): SslAesTransport {
  const transport = new SslAesTransport({
    host: HOST,
    port: device.port,
    username: USER,
    password,
    timeoutMs: 2000,
  });
  transports.push(transport);
  return transport;
}

/** One raw HTTPS POST, as a client of our own making would send it. */
function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: HOST,
        port,
        path,
        method: 'POST',
        rejectUnauthorized: false,
        agent: false,
        headers: { 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A hand-made secure login (sha256 firmware, user admin); returns what a session needs. */
async function rawLogin(port: number, digestFor = (d: string) => d) {
  const cnonce = newNonce();
  const h1 = await post(
    port,
    '/',
    JSON.stringify({ method: 'login', params: { cnonce, encrypt_type: '3', username: 'admin' } }),
  );
  const data = (h1.json.result as { data: { nonce: string } }).data;
  const hash = passwordHash('sha256', PASS);
  const digest = digestFor(digestPassword(cnonce, data.nonce, hash));
  const h2 = await post(
    port,
    '/',
    JSON.stringify({
      method: 'login',
      params: { cnonce, encrypt_type: '3', digest_passwd: digest, username: 'admin' },
    }),
  );
  const result = h2.json.result as { stok: string; start_seq: number } | undefined;
  return {
    reply: h2.json,
    stok: result?.stok ?? '',
    seq: result?.start_seq ?? 0,
    cipher: new AesSessionCipher(
      sessionKey('lsk', cnonce, data.nonce, hash),
      sessionKey('ivb', cnonce, data.nonce, hash),
    ),
    secret: tagSecret(hash, cnonce),
  };
}

describe('sslaes login', () => {
  it('falls back to the user "admin" when the hub refuses the account name, and keeps it', async () => {
    const device = await hub();
    const transport = client(device);
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.lastLogin?.user, 'admin');
    assert.equal(transport.lastLogin?.passwordHash, 'sha256');
    assert.equal(device.sslaes.counters.handshakes, 2, 'account name refused, then admin');
    transport.reset();
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(device.sslaes.counters.handshakes, 3, 'the second login goes straight to admin');
    assert.equal(transport.encryption, 'SSLAES');
  });

  it('uses the account name where the hub accepts it', async () => {
    const device = await hub({ sslaes: { users: 'account-and-admin' } });
    const transport = client(device);
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.lastLogin?.user, 'account');
    assert.equal(device.sslaes.counters.handshakes, 1);
  });

  it('older firmware keeping the MD5 of the password is matched by its confirm', async () => {
    const device = await hub({ sslaes: { passwordHash: 'md5' } });
    const transport = client(device);
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.lastLogin?.passwordHash, 'md5');
    assert.match(transport.lastLogin?.variant ?? '', /MD5/);
  });

  it('the "less secure" login (encrypt_type 1/2): MD5 in one step, plain JSON after', async () => {
    const device = await hub({ sslaes: { login: 'less-secure' } });
    const transport = client(device);
    for (let i = 0; i < 3; i++) assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.lastLogin?.passwordHash, 'md5-plain');
    assert.equal(transport.stats.logins, 1);
  });

  it('a wrong password is AUTH_FAILED before handshake 2: the hub counts nothing, never locks', async () => {
    const device = await hub({ sslaes: { lockout: { attempts: 2, seconds: 600 } } });
    const transport = client(device, 'not the password');
    for (let i = 0; i < 5; i++) {
      await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'AUTH_FAILED');
    }
    assert.equal(device.sslaes.counters.logins, 0, 'no handshake 2 was ever sent');
    assert.equal(device.sslaes.lockedSeconds, 0);
    assert.equal(device.sslaes.counters.requests, 0);
  });

  it('a locked-out hub: DEVICE_ERROR saying for how many seconds, asked once, not retried', async () => {
    const device = await hub({ sslaes: { lockout: { attempts: 3, seconds: 600 } } });
    for (let i = 0; i < 3; i++) {
      const { reply } = await rawLogin(device.port, (d) => `0${d.slice(1)}`);
      assert.equal(reply.error_code, i < 2 ? -40413 : -40401);
    }
    assert.equal(device.sslaes.counters.wrongDigests, 3);
    assert.ok(device.sslaes.lockedSeconds > 590);
    const transport = client(device);
    const before = device.sslaes.counters.handshakes;
    const calls = Array.from({ length: 5 }, () => transport.send(REQUEST));
    for (const call of calls) {
      await assert.rejects(call, (e) => {
        assert.ok(e instanceof DeviceLockedError);
        assert.equal(e.code, 'DEVICE_ERROR');
        assert.ok(e.secondsLeft !== null && e.secondsLeft > 590 && e.secondsLeft <= 600);
        assert.match(e.message, /locked after too many wrong passwords and unlocks in \d+ seconds/);
        return true;
      });
    }
    assert.equal(device.sslaes.counters.handshakes - before, 1, 'one handshake for all callers');
    // Unlocked (a reboot here), the same transport logs in.
    device.server.forgetSessions();
    assert.ok(answered(await transport.send(REQUEST)));
  });

  it('the certificate fingerprint is the one the hub presents', async () => {
    const device = await hub();
    const transport = client(device);
    assert.equal(transport.certificateFingerprint, null);
    await transport.open();
    assert.match(transport.certificateFingerprint ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(transport.certificateFingerprint, device.sslaes.certificateFingerprint);
  });
});

describe('sslaes sessions', () => {
  it('another login from the same address replaces the session: one re-login, no error', async () => {
    const device = await hub();
    const a = client(device);
    const b = client(device);
    assert.ok(answered(await a.send(REQUEST)));
    assert.ok(answered(await b.send(REQUEST)));
    assert.ok(answered(await a.send(REQUEST)), 'a logs in again without a word');
    assert.equal(a.stats.logins, 2);
    assert.equal(device.sslaes.counters.refusedTags, 1, 'the hub answered 500 once');
  });

  it('the hub checks tag and sequence: 500 for a bad tag, a replayed or an older Seq', async () => {
    const device = await hub();
    const session = await rawLogin(device.port);
    assert.equal(session.reply.error_code, 0);
    const path = `/stok=${session.stok}/ds`;
    const body = JSON.stringify({
      method: 'securePassthrough',
      params: { request: session.cipher.encrypt(REQUEST) },
    });
    const send = (seq: number, tag = tapoTag(session.secret, body, seq), text = body) =>
      post(device.port, path, text, { Seq: String(seq), Tapo_tag: tag });

    const good = await send(session.seq);
    assert.equal(good.status, 200);
    const response = (good.json.result as { response: string }).response;
    assert.ok(answered(session.cipher.decrypt(response)));
    assert.equal((await send(session.seq)).status, 500, 'replayed Seq');
    assert.equal((await send(session.seq + 5, 'F'.repeat(64))).status, 500, 'forged tag');
    // The tag covers the exact bytes: the same JSON spaced differently does not pass.
    const spaced = body.replace('"params":', '"params": ');
    assert.equal((await send(session.seq + 5, undefined, spaced)).status, 500);
    assert.equal((await send(session.seq + 5)).status, 200, 'a gap in Seq is fine');
    assert.equal((await send(session.seq + 3)).status, 500, 'an older Seq is not');
    const unknown = await post(device.port, '/stok=0123/ds', body, { Seq: '1', Tapo_tag: 'x' });
    assert.deepEqual(unknown.json, { error_code: -40401 });
  });

  it('the emulated hub speaks TLS 1.2 only, with its own short list of suites', async () => {
    const device = await hub();
    const tls13 = await new Promise<boolean>((resolve) => {
      const socket = tls.connect({
        host: HOST,
        port: device.port,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      });
      socket.once('secureConnect', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    assert.equal(tls13, false);
    const version = await new Promise<string | null>((resolve) => {
      const socket = tls.connect({ host: HOST, port: device.port, rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
        socket.destroy();
      });
      socket.once('error', () => resolve(null));
    });
    assert.equal(version, 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
  });

  it('replies some firmware leave in clear inside the envelope are read as they are', async () => {
    const device = await hub();
    device.sslaes.faults.plaintextReplies = true;
    const transport = client(device);
    assert.ok(answered(await transport.send(REQUEST)));
  });

  it('a hub answering 500 to everything fails the login with HANDSHAKE_FAILED, no loop', async () => {
    const device = await hub();
    device.sslaes.faults.httpStatus = 500;
    const transport = client(device);
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'HANDSHAKE_FAILED');
    device.sslaes.faults.httpStatus = null;
    assert.ok(answered(await transport.send(REQUEST)));
  });

  it('a session ending again after every fresh login is SESSION_EXPIRED within the budget', async () => {
    const device = await hub();
    const transport = client(device);
    assert.ok(answered(await transport.send(REQUEST)));
    device.sslaes.faults.expireSessions = 10;
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'SESSION_EXPIRED');
    assert.equal(transport.stats.logins, 3, 'two fresh logins, then it stops');
    device.sslaes.faults.expireSessions = 0;
    assert.ok(answered(await transport.send(REQUEST)));
  });
});

describe('sslaes in the factory and auto', () => {
  it("protocol 'sslaes' defaults to port 443", () => {
    const transport = transportFor('sslaes', { host: HOST, username: USER, password: PASS });
    transports.push(transport);
    assert.ok(transport instanceof SslAesTransport);
    assert.equal(transport.port, 443);
  });

  it('auto starts with sslaes from a discovery hint (is_support_https), no other protocol tried', async () => {
    const device = await hub();
    const transport = createTransport({
      host: HOST,
      port: device.port,
      username: USER,
      password: PASS,
      discoveryPort: null,
      hint: { encryptType: 'HTTPS', isSupportHttps: true },
    });
    transports.push(transport);
    await transport.open?.();
    assert.equal(transport.encryption, 'SSLAES');
    assert.equal(device.sslaes.counters.connections, 1, 'only the sslaes login connected');
    assert.equal(transport.certificateFingerprint, device.sslaes.certificateFingerprint);
  });

  it('auto on a port given: not HTTP but TLS means sslaes', async () => {
    const device = await hub();
    const transport = createTransport({
      host: HOST,
      port: device.port,
      username: USER,
      password: PASS,
      discoveryPort: null,
      timeoutMs: 2000,
    });
    transports.push(transport);
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.encryption, 'SSLAES');
  });

  it('auto without a port: 80 closed, 443 speaks TLS: sslaes on 443 (test ports here)', async () => {
    const device = await hub();
    const closed = await startEmulator({ model: 'L530', protocol: 'klap' });
    const nothing = closed.port;
    await closed.close();
    const transport = createTransport({
      host: HOST,
      username: USER,
      password: PASS,
      discoveryPort: null,
      defaultPorts: { http: nothing, https: device.port, legacy: nothing },
    });
    transports.push(transport);
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.encryption, 'SSLAES');
  });

  it('a wrong password under auto is AUTH_FAILED from sslaes (the search ends there)', async () => {
    const device = await hub();
    const transport = createTransport({
      host: HOST,
      port: device.port,
      username: USER,
      password: 'wrong',
      discoveryPort: null,
      hint: { isSupportHttps: true },
    });
    transports.push(transport);
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'AUTH_FAILED');
    assert.equal(device.sslaes.counters.logins, 0);
  });
});
