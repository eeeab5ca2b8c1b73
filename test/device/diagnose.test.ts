/**
 * diagnose(): each cause a user meets, produced by the emulator on 127.0.0.1, comes out as a
 * definite diagnosis with the next step.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { compareOwner, diagnose } from '../../src/device/diagnose';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';

const ACCOUNT = 'alice@example.com';
const PASS = 'Correct-Horse-1';
const started: EmulatedDevice[] = [];
after(() => Promise.all(started.map((d) => d.close())));

async function emulate(options: Partial<EmulatorOptions> = {}): Promise<EmulatedDevice> {
  const device = await startEmulator({
    model: 'L530',
    username: ACCOUNT,
    password: PASS,
    discoveryPort: 0,
    ...options,
  });
  started.push(device);
  return device;
}

const at = (d: EmulatedDevice) => ({
  host: '127.0.0.1',
  port: d.port,
  discoveryPort: d.discoveryPort,
  timeoutMs: 1000,
});

describe('diagnose', () => {
  it('success: model, firmware, protocol and variant, credentials matched, timings', async () => {
    const d = await emulate();
    const report = await diagnose({ ...at(d), username: ACCOUNT, password: PASS });
    assert.equal(report.ok, true);
    if (!report.ok) return;
    assert.deepEqual(
      [report.model, report.protocol, report.variant, report.credentials],
      ['L530', 'KLAP', 'KLAP 2 (SHA)', 'account'],
    );
    assert.equal(typeof report.firmware, 'string');
    assert.ok(report.roundTripMs >= 0 && report.loginMs >= 0);
    assert.match(report.sentence, /L530 .* answered over KLAP 2 \(SHA\) with account credentials/);
  });

  it('wrong password for the right account: the owner matches, so it is the password', async () => {
    const d = await emulate();
    const report = await diagnose({ ...at(d), username: ACCOUNT, password: 'wrong' });
    assert.equal(report.ok, false);
    if (report.ok) return;
    assert.deepEqual(
      [report.code, report.owner, report.hostAnswered],
      ['AUTH_FAILED', 'match', true],
    );
    assert.match(report.sentence, /password is wrong/);
    assert.ok(!JSON.stringify(report).includes('wrong"') && !JSON.stringify(report).includes(PASS));
  });

  it('an e-mail typed with capitals: says which letters to lower-case', async () => {
    const d = await emulate();
    const report = await diagnose({ ...at(d), username: 'Alice@Example.com', password: PASS });
    assert.equal(report.ok, false);
    if (report.ok) return;
    assert.equal(report.owner, 'lowercase');
    assert.match(report.sentence, /alice@example\.com/);
    assert.match(report.sentence, /\(A, E\)/);
  });

  it('a device bound to another account says so', async () => {
    const d = await emulate({ username: 'bob@example.com' });
    const report = await diagnose({ ...at(d), username: ACCOUNT, password: PASS });
    assert.equal(report.ok, false);
    if (report.ok) return;
    assert.deepEqual([report.code, report.owner], ['AUTH_FAILED', 'other']);
    assert.match(report.sentence, /different TP-Link account/);
  });

  it('Third-Party Compatibility off, and a protocol that is not the one configured', async () => {
    const off = await emulate();
    off.klap.faults.handshake1Status = 403;
    const refused = await diagnose({ ...at(off), username: ACCOUNT, password: PASS });
    assert.equal(refused.ok ? 'ok' : refused.code, 'THIRD_PARTY_DISABLED');
    assert.match(refused.ok ? '' : refused.sentence, /Third-Party Compatibility/);

    const klap = await emulate();
    const wrong = await diagnose({
      ...at(klap),
      protocol: 'aes',
      username: ACCOUNT,
      password: PASS,
    });
    assert.equal(wrong.ok ? 'ok' : wrong.code, 'WRONG_PROTOCOL');
    assert.match(wrong.ok ? '' : wrong.sentence, /"klap" or "auto"/);
  });

  it('a closed port is an answer from the host; a hung device is silence', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closed = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const refused = await diagnose({
      host: '127.0.0.1',
      port: closed,
      discoveryPort: null,
      timeoutMs: 500,
    });
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.deepEqual([refused.code, refused.hostAnswered], ['UNREACHABLE', true]);
      assert.match(refused.sentence, new RegExp(`nothing listens on port ${closed}`));
    }
    const hung = await emulate();
    hung.klap.faults.hang = true;
    const silent = await diagnose({
      ...at(hung),
      timeoutMs: 300,
      username: ACCOUNT,
      password: PASS,
    });
    assert.equal(silent.ok, false);
    if (!silent.ok) assert.deepEqual([silent.code, silent.hostAnswered], ['TIMEOUT', false]);
  });

  it('sslaes (the H200 protocol): found by auto, variant, certificate fingerprint', async () => {
    const d = await emulate({ protocol: 'sslaes' });
    const report = await diagnose({ ...at(d), username: ACCOUNT, password: PASS });
    assert.equal(report.ok, true);
    if (!report.ok) return;
    assert.equal(report.protocol, 'SSLAES');
    assert.equal(report.variant, 'SSLAES, SHA-256, user "admin"');
    assert.equal(report.certificateFingerprint, d.sslaes.certificateFingerprint);
    assert.ok(report.sentence.endsWith(`certificate SHA-256 ${d.sslaes.certificateFingerprint}.`));
  });

  it('sslaes: a wrong password is the password; a locked hub says for how long', async () => {
    const d = await emulate({ protocol: 'sslaes' });
    const wrong = await diagnose({ ...at(d), username: ACCOUNT, password: 'wrong' });
    assert.equal(wrong.ok, false);
    if (wrong.ok) return;
    assert.deepEqual([wrong.code, wrong.owner], ['AUTH_FAILED', 'match']);
    assert.equal(d.sslaes.counters.logins, 0, 'never reached handshake 2');
    d.sslaes.lockOut(1200);
    const locked = await diagnose({ ...at(d), username: ACCOUNT, password: PASS });
    assert.equal(locked.ok, false);
    if (locked.ok) return;
    assert.equal(locked.code, 'DEVICE_ERROR');
    assert.match(locked.sentence, /locked its login .* unlocks in 1(200|199) seconds/);
  });

  it('compareOwner: exact, lower-case only, other, or unknown', () => {
    const hash = createHash('md5').update(ACCOUNT).digest('hex');
    assert.equal(compareOwner('x', ''), 'unknown');
    assert.equal(compareOwner(undefined, hash), 'unknown');
    assert.equal(compareOwner(ACCOUNT, hash.toUpperCase()), 'match');
    assert.equal(compareOwner('ALICE@example.com', hash), 'lowercase');
    assert.equal(compareOwner('bob@example.com', hash), 'other');
  });
});
