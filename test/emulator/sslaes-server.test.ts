/**
 * The emulated H200 (sslaes) seen from the wire, without our transport: what it answers to each
 * login step, how strictly it checks tags and sequence numbers, its TLS, its lock-out and its
 * discovery announcement (docs/protocols/sslaes.md §5–§6).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tls from 'node:tls';
import { tapoTag } from '../../src/transport/sslaes/hashes';
import { answered, HOST, hubStarter, post, REQUEST, rawLogin } from './sslaes-raw';

const USER = 'someone@example.com';
const PASS = 'Hub password 1';
const hub = hubStarter(USER, PASS);

const login = (params: Record<string, unknown>) => JSON.stringify({ method: 'login', params });

describe('SslAesServer (the emulated H200)', () => {
  it('handshake 1: -40502 for an unknown user name, -40413 with nonce and confirm for admin', async () => {
    const device = await hub();
    const refused = await post(
      device.port,
      '/',
      login({ cnonce: '0123456789ABCDEF', encrypt_type: '3', username: USER }),
    );
    assert.deepEqual(refused.json, { error_code: -40401, result: { data: { code: -40502 } } });
    const ready = await post(
      device.port,
      '/',
      login({ cnonce: '0123456789ABCDEF', encrypt_type: '3', username: 'admin' }),
    );
    const data = (ready.json.result as { data: Record<string, unknown> }).data;
    assert.equal(ready.json.error_code, -40413);
    assert.match(String(data.nonce), /^[0-9A-F]{16}$/);
    assert.match(String(data.device_confirm), /^[0-9A-F]{64}[0-9A-F]{16}0123456789ABCDEF$/);
    assert.deepEqual([data.max_time, data.time], [10, 10]);
    // Handshake 2 for a cnonce the hub never gave a nonce for: no session, nothing counted.
    const stray = await post(
      device.port,
      '/',
      login({
        cnonce: 'FFFFFFFFFFFFFFFF',
        encrypt_type: '3',
        digest_passwd: 'x',
        username: 'admin',
      }),
    );
    assert.deepEqual(stray.json, { error_code: -40401 });
    assert.equal(device.sslaes.counters.wrongDigests, 0);
  });

  it('wrong digests count down to the lock-out; then every login gets -40404 with sec_left', async () => {
    const device = await hub({ sslaes: { lockout: { attempts: 2, seconds: 120 } } });
    const first = await rawLogin(device.port, PASS, (d) => d.toLowerCase());
    assert.equal(first.reply.error_code, -40413);
    const data = (first.reply.result as { data: Record<string, unknown> }).data;
    assert.deepEqual([data.device_confirm, data.time], ['', 1]);
    const second = await rawLogin(device.port, PASS, (d) => d.toLowerCase());
    assert.deepEqual(second.reply, { error_code: -40401, data: { code: -40404, sec_left: 120 } });
    // Locked: even the right password is refused, at handshake 1 already.
    const locked = await post(
      device.port,
      '/',
      login({ cnonce: '0123456789ABCDEF', encrypt_type: '3', username: 'admin' }),
    );
    assert.equal((locked.json.data as { code: number }).code, -40404);
    assert.ok(device.sslaes.lockedSeconds > 0);
    device.server.forgetSessions();
    assert.equal((await rawLogin(device.port, PASS)).reply.error_code, 0, 'a reboot unlocks it');
  });

  it('a right digest resets the count of wrong ones', async () => {
    const device = await hub({ sslaes: { lockout: { attempts: 2, seconds: 120 } } });
    await rawLogin(device.port, PASS, (d) => d.toLowerCase());
    assert.equal((await rawLogin(device.port, PASS)).reply.error_code, 0);
    const again = await rawLogin(device.port, PASS, (d) => d.toLowerCase());
    assert.equal(again.reply.error_code, -40413, 'one wrong digest after a good login: no lock');
  });

  it('the "less secure" firmware points handshake 1 at the hashed login and takes plain JSON', async () => {
    const device = await hub({ sslaes: { login: 'less-secure' } });
    const first = await post(
      device.port,
      '/',
      login({ cnonce: '0123456789ABCDEF', encrypt_type: '3', username: 'admin' }),
    );
    assert.deepEqual(first.json, {
      error_code: -40401,
      result: { data: { code: -40401, encrypt_type: ['1', '2'] } },
    });
  });

  it('the hub checks tag and sequence: 500 for a bad tag, a replayed or an older Seq', async () => {
    const device = await hub();
    const session = await rawLogin(device.port, PASS);
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

  it('announces the H200 shape in discovery: HTTPS, the secure login, its port', async () => {
    const device = await hub({ discoveryPort: 0 });
    const reply = device.discovery?.replyJson() as { result: Record<string, unknown> };
    assert.deepEqual(reply.result.mgt_encrypt_schm, {
      is_support_https: true,
      http_port: device.port,
    });
    assert.deepEqual(reply.result.encrypt_type, ['3']);
  });
});
