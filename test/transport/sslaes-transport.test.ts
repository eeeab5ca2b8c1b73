/**
 * sslaes against the emulated hub over real TLS on 127.0.0.1: the secure login and its user-name
 * fallback, the hub's strictness (tag, sequence, one session per address, lock-out), and how
 * the transport meets each (a replaced session costs one re-login, a wrong password never
 * reaches the hub's counter, a lock-out is reported with its seconds and not retried).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { DeviceLockedError, LampError } from '../../src/transport/errors';
import { createTransport, transportFor } from '../../src/transport/factory';
import { SslAesTransport } from '../../src/transport/sslaes/sslaes-transport';
import type { Transport } from '../../src/transport/types';
import { answered, hubStarter, REQUEST, rawLogin } from '../emulator/sslaes-raw';
import { HOST, PASS, USER } from './helpers';

const transports: { close(): Promise<void> }[] = [];
after(() => Promise.all(transports.map((t) => t.close())));
const hub = hubStarter(USER, PASS);
const codeOf = (e: unknown) => (e instanceof LampError ? e.code : undefined);

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

/** createTransport as auto: our account, no discovery, `options` on top; closed after the tests. */
function auto(options: Partial<Parameters<typeof createTransport>[0]>): Transport {
  const transport = createTransport({
    host: HOST,
    username: USER,
    password: PASS,
    discoveryPort: null,
    ...options,
  });
  transports.push(transport);
  return transport;
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
      // A digest with its first hex digit changed (to another digit: "0" may already be there).
      const wrong = (d: string) => `${d[0] === '0' ? '1' : '0'}${d.slice(1)}`;
      const { reply } = await rawLogin(device.port, PASS, wrong);
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
    const transport = auto({
      port: device.port,
      hint: { encryptType: 'HTTPS' },
    });
    await transport.open?.();
    assert.equal(transport.encryption, 'SSLAES');
    assert.equal(device.sslaes.counters.connections, 1, 'only the sslaes login connected');
    assert.equal(transport.certificateFingerprint, device.sslaes.certificateFingerprint);
  });

  it('auto on a port given: not HTTP but TLS means sslaes', async () => {
    const device = await hub();
    const transport = auto({
      port: device.port,
      timeoutMs: 2000,
    });
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.encryption, 'SSLAES');
  });

  /** Auto without a port, the default ports moved to test ports: `http` given, 443 the hub's. */
  async function autoWithoutPort(http: number | null): Promise<Transport> {
    const device = await hub();
    const closed = await startEmulator({ model: 'L530', protocol: 'klap' });
    const nothing = closed.port;
    await closed.close();
    return auto({
      defaultPorts: { http: http ?? nothing, https: device.port, legacy: nothing },
    });
  }

  it('auto without a port: 80 closed, 443 speaks TLS: sslaes on 443 (test ports here)', async () => {
    const transport = await autoWithoutPort(null);
    assert.ok(answered(await transport.send(REQUEST)));
    assert.equal(transport.encryption, 'SSLAES');
  });

  it('auto without a port: 80 answers HTTP but no protocol we know, 443 is the hub', async () => {
    const odd = await startEmulator({ model: 'P110', protocol: 'klap' });
    odd.klap.faults.handshake1Status = 404; // no KLAP, no TPAP, no AES there
    try {
      const transport = await autoWithoutPort(odd.port);
      assert.ok(answered(await transport.send(REQUEST)));
      assert.equal(transport.encryption, 'SSLAES');
    } finally {
      await odd.close();
    }
  });

  it('a wrong password under auto is AUTH_FAILED from sslaes (the search ends there)', async () => {
    const device = await hub();
    const transport = auto({
      port: device.port,
      password: 'wrong',
      hint: { encryptType: 'HTTPS' },
    });
    await assert.rejects(transport.send(REQUEST), (e) => codeOf(e) === 'AUTH_FAILED');
    assert.equal(device.sslaes.counters.logins, 0);
  });
});
