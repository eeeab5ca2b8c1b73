/**
 * Device identity below the nodes: MAC notations, the search by MAC over discovery (SMART and
 * legacy), LampClient refusing a different device after its identification (DEVICE_MISMATCH),
 * and the login pacing of the session base under a rival that keeps taking the session.
 * Loopback only (127.0.0.2 and 127.0.0.3 are loopback addresses too).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, LampClient } from '../../src/device/client';
import { startEmulator } from '../../src/emulator';
import { DeviceMismatchError, LampError, SessionContestedError } from '../../src/transport/errors';
import { findByMac } from '../../src/transport/find-by-mac';
import { KlapTransport } from '../../src/transport/klap/klap-transport';
import { LOGIN_PACING, LoginPacer } from '../../src/transport/login-pacer';
import { isMac, macOfInfo, normaliseMac, sameMac } from '../../src/transport/mac';

const USER = 'user@example.com';
const PASS = 'Secret-Passw0rd';

describe('MAC notations', () => {
  it('reads every common notation into one form', () => {
    for (const text of [
      '5C-E9-31-AA-BB-0C',
      '5c:e9:31:aa:bb:0c',
      '5CE931AABB0C',
      '5ce9.31aa.bb0c',
      ' 5C:E9:31:AA:BB:0C ',
    ]) {
      assert.equal(normaliseMac(text), '5C:E9:31:AA:BB:0C', text);
    }
    assert.ok(sameMac('5C-E9-31-AA-BB-0C', '5ce931aabb0c'));
    assert.ok(!sameMac('5C-E9-31-AA-BB-0C', '5C-E9-31-AA-BB-0D'));
  });

  it('refuses what is not a MAC (mixed separators, addresses, zero and broadcast)', () => {
    for (const text of [
      '5C-E9:31-AA-BB-0C',
      '127.0.0.20',
      'lamp.local',
      '5CE931AABB',
      '00:00:00:00:00:00',
      'ff-ff-ff-ff-ff-ff',
      '',
      42,
      undefined,
    ]) {
      assert.equal(normaliseMac(text), null, String(text));
      assert.equal(isMac(text), false);
    }
  });

  it("takes the MAC from get_device_info and from sysinfo (mac or a bulb's mic_mac)", () => {
    assert.equal(macOfInfo({ mac: '5C-E9-31-AA-BB-0C' }), '5C:E9:31:AA:BB:0C');
    assert.equal(macOfInfo({ mic_mac: '1C3BF35A6C01' }), '1C:3B:F3:5A:6C:01');
    assert.equal(macOfInfo({}), null);
  });
});

describe('findByMac', () => {
  it('finds a SMART device and a legacy one by MAC among others, and nothing for an unknown MAC', async () => {
    const lamp = await startEmulator({ model: 'L530', host: '127.0.0.2', discoveryPort: 0 });
    const twin = await startEmulator({
      model: 'L530',
      host: '127.0.0.3',
      discoveryPort: lamp.discoveryPort as number,
      mac: '02:00:00:00:00:07',
    });
    const bulb = await startEmulator({ model: 'KL130', host: '127.0.0.3', discoveryPort: 0 });
    try {
      const targets = ['127.0.0.2', '127.0.0.3'];
      const found = await findByMac('02-00-00-00-00-07', {
        targets,
        port: lamp.discoveryPort as number,
        legacyPort: null,
      });
      assert.equal(found?.host, '127.0.0.3');
      assert.equal(found?.port, twin.port);
      const legacy = await findByMac(String(bulb.info.mic_mac), {
        targets,
        port: bulb.discoveryPort as number,
        legacyPort: bulb.discoveryPort as number,
      });
      assert.equal(legacy?.host, '127.0.0.3');
      assert.equal(legacy?.protocol, 'legacy');
      // The search ends with the device's answer: one query round, not three over 3 s, although
      // a silent target (127.0.0.4) would keep a plain discover() waiting.
      const probes = lamp.discovery?.counters.probes ?? 0;
      const first = await findByMac(String(lamp.info.mac), {
        targets: ['127.0.0.2', '127.0.0.4'],
        port: lamp.discoveryPort as number,
        legacyPort: null,
      });
      assert.equal(first?.host, '127.0.0.2');
      assert.equal((lamp.discovery?.counters.probes ?? 0) - probes, 1);
      const none = await findByMac('02:00:00:00:00:42', {
        targets,
        port: lamp.discoveryPort as number,
        legacyPort: null,
        timeoutMs: 300,
      });
      assert.equal(none, null);
    } finally {
      await Promise.all([lamp.close(), twin.close(), bulb.close()]);
    }
  });
});

describe('LampClient with a mac', () => {
  it('works with the right device and learns who it is', async () => {
    const lamp = await startEmulator({ model: 'L530', username: USER, password: PASS });
    try {
      const mac = normaliseMac(lamp.info.mac) as string;
      const client = await connect({
        host: lamp.host,
        port: lamp.port,
        username: USER,
        password: PASS,
        mac: mac.toLowerCase(),
      });
      assert.equal((await client.setState({ on: true })).on, true);
      assert.deepEqual(client.identity, { mac, deviceId: lamp.info.device_id });
      await client.close();
    } finally {
      await lamp.close();
    }
  });

  for (const model of ['L530', 'KL130'] as const) {
    it(`${model}: refuses another device after its identification, sending it nothing else`, async () => {
      const other = await startEmulator({ model, username: USER, password: PASS });
      const client = new LampClient({
        host: other.host,
        port: other.port,
        username: USER,
        password: PASS,
        mac: '02:00:00:00:00:01',
      });
      try {
        for (const attempt of [client.setState({ on: true }), client.getState()]) {
          const error = await attempt.then(
            () => assert.fail('a different device was driven'),
            (e: unknown) => e,
          );
          assert.ok(error instanceof DeviceMismatchError);
          assert.equal(error.code, 'DEVICE_MISMATCH');
          assert.match(error.message, /different device answers at .*expected 02:00:00:00:00:01/);
        }
        const methods = Object.keys(other.device.counters.methods);
        assert.deepEqual(
          methods.filter((m) => !/(^|\.)(get_sysinfo|get_device_info|component_nego)$/.test(m)),
          [],
          methods.join(', '),
        );
      } finally {
        await client.close();
        await other.close();
      }
    });
  }

  it('refuses a mac that is not one before anything is sent', () => {
    assert.throws(
      () => new LampClient({ host: '127.0.0.1', mac: 'lamp' }),
      (e: unknown) =>
        e instanceof LampError && e.code === 'INVALID_COMMAND' && /mac must be/.test(e.message),
    );
  });
});

describe('login pacing', () => {
  it('one lost session: a login at once; a streak: 5 at once, then 20 s, 40 s, 60 s; a quiet session ends it', () => {
    const pacer = new LoginPacer();
    let now = 0;
    pacer.loggedIn(now);
    now += 2000;
    pacer.lost(now);
    assert.equal(pacer.waitMs(now), 0, 'a single takeover: log in again at once');
    const logins = [0];
    // A rival logging in every 2 s for 2 minutes; we log in as soon as we may.
    for (let t = 2000; t <= 120_000; t += 2000) {
      now = t;
      if (pacer.waitMs(now) === 0) {
        pacer.loggedIn(now);
        logins.push(now);
        now += 1; // the rival's next login ends this session
        pacer.lost(now + 1999);
      }
    }
    assert.ok(logins.length <= 12, `${logins.length} logins`);
    for (const start of logins) {
      const inMinute = logins.filter((at) => at >= start && at < start + 60_000).length;
      assert.ok(inMinute <= 6, `${inMinute} logins in the minute from ${start}`);
    }
    assert.ok(pacer.contested);
    assert.ok(pacer.waitMs(now) <= LOGIN_PACING.maxDelayMs);
    // A session that lives through the quiet period ends the streak.
    now += 200_000;
    pacer.loggedIn(now);
    now += LOGIN_PACING.quietMs;
    pacer.lost(now);
    assert.equal(pacer.waitMs(now), 0);
    assert.ok(!pacer.contested);
  });

  it('KLAP on single-session firmware: a rival every 2 s (injected clock) costs at most 12 logins in 2 minutes', async () => {
    const lamp = await startEmulator({
      model: 'L530',
      username: USER,
      password: PASS,
      singleSession: true,
    });
    let now = 0;
    const ours = new KlapTransport({
      host: lamp.host,
      port: lamp.port,
      username: USER,
      password: PASS,
      clock: () => now,
    });
    const rival = new KlapTransport({
      host: lamp.host,
      port: lamp.port,
      username: USER,
      password: PASS,
    });
    let contested = 0;
    try {
      await ours.send('{"method":"get_device_info"}');
      for (let t = 2000; t <= 120_000; t += 1000) {
        now = t;
        if (t % 2000 === 0) {
          rival.reset();
          await rival.open();
        }
        try {
          await ours.send('{"method":"get_device_info"}');
        } catch (error) {
          assert.ok(error instanceof SessionContestedError, String(error));
          assert.match(error.message, /another app keeps taking this device's session/);
          contested += 1;
        }
      }
      assert.ok(ours.stats.logins <= 12, `${ours.stats.logins} logins`);
      assert.ok(contested > 0);
    } finally {
      await Promise.all([ours.close(), rival.close(), lamp.close()]);
    }
  });
});
