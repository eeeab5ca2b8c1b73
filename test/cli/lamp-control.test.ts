/**
 * The `lamp-control` CLI run as a process against emulated devices on 127.0.0.1: discover,
 * state, set and diagnose on every protocol, JSON output, exit codes, one-line errors, and
 * passwords taken only from the environment.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseArgs, payloadOf, UsageError } from '../../src/cli/lamp-control';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';

const CLI = path.join(__dirname, '../../src/cli/lamp-control.ts');
const USER = 'cli@example.com';
const PASS = 'Cli-Secret-9';

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMP_USERNAME: '', LAMP_PASSWORD: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('lamp-control CLI', () => {
  let klap: EmulatedDevice;
  let legacy: EmulatedDevice;
  before(async () => {
    klap = await startEmulator({
      model: 'L530',
      username: USER,
      password: PASS,
      alias: 'Desk',
      discoveryPort: 0,
    });
    legacy = await startEmulator({ model: 'KL110', alias: 'Porch', discoveryPort: 0 });
  });
  after(async () => {
    await klap.close();
    await legacy.close();
  });

  it('parses arguments and refuses what it cannot use, saying why', () => {
    assert.equal(parseArgs(['state', '--host', 'h', '--port', '8080']).options.port, 8080);
    assert.equal(parseArgs([]).help, true);
    assert.equal(payloadOf('{"on":true}') instanceof Object, true);
    assert.equal(payloadOf('toggle'), 'toggle');
    for (const bad of [
      ['frobnicate'],
      ['state'],
      ['state', '--host', 'h', '--port', '70000'],
      ['state', '--host', 'h', '--protocol', 'zigbee'],
      ['state', '--host', 'h', '--password', 'secret'],
      ['set', '--host', 'h'],
      ['state', '--host', 'h', '--bogus'],
      ['state', '--host'],
    ]) {
      assert.throws(() => parseArgs(bad), UsageError, bad.join(' '));
    }
  });

  it('--help for the tool and each command', async () => {
    const main = await run(['--help']);
    assert.equal(main.code, 0);
    assert.match(main.stdout, /Commands:/);
    for (const command of ['discover', 'state', 'set', 'diagnose']) {
      const help = await run([command, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`Usage: lamp-control ${command}`));
    }
  });

  it('state and set over KLAP with the password from the environment', async () => {
    const env = { LAMP_USERNAME: USER, CLI_PW: PASS };
    const set = await run(
      [
        'set',
        '--host',
        '127.0.0.1',
        '--port',
        String(klap.port),
        '--password-env',
        'CLI_PW',
        '--json',
        '{"on":true,"brightness":33}',
      ],
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    const state = JSON.parse(set.stdout);
    assert.deepEqual([state.on, state.brightness, state.alias], [true, 33, 'Desk']);
    assert.equal(klap.device.info.brightness, 33);
    const read = await run(['state', '--host', '127.0.0.1', '--port', String(klap.port)], {
      LAMP_USERNAME: USER,
      LAMP_PASSWORD: PASS,
    });
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /^brightness\s+33$/m);
    assert.ok(!`${set.stdout}${read.stdout}${set.stderr}`.includes(PASS));
  });

  it("set paints a light strip's segments; a strip without them refuses by name", async () => {
    const strip = await startEmulator({ model: 'L920', username: USER, password: PASS });
    try {
      const env = { LAMP_USERNAME: USER, LAMP_PASSWORD: PASS };
      const port = String(strip.port);
      const payload = '{"segments":["#ff0000","#0000ff"],"brightness":40}';
      const set = await run(['set', '--host', '127.0.0.1', '--port', port, '--json', payload], env);
      assert.equal(set.code, 0, set.stderr);
      assert.deepEqual(
        [JSON.parse(set.stdout).segments, JSON.parse(set.stdout).brightness],
        [50, 40],
      );
      const shown = (strip.device as EmulatedSmartDevice).segments?.shown;
      assert.deepEqual(
        [shown?.[0], shown?.[49]],
        [
          [0, 100, 100, 0],
          [240, 100, 100, 0],
        ],
      );
    } finally {
      await strip.close();
    }
    const refused = await run([
      'set',
      '--host',
      '127.0.0.1',
      '--port',
      String(legacy.port),
      '{"segments":["#ff0000"]}',
    ]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /KL110 is not a light strip/);
  });

  it('a Kasa legacy lamp needs no credentials', async () => {
    const set = await run(['set', '--host', '127.0.0.1', '--port', String(legacy.port), 'toggle']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^model\s+KL110$/m);
  });

  it('state and set of one outlet of a power strip (--outlet number or name)', async () => {
    const strip = await startEmulator({ model: 'KP303' });
    try {
      const port = String(strip.port);
      const before = strip.outlets.map((o) => o.on);
      const set = await run([
        'set',
        '--host',
        '127.0.0.1',
        '--port',
        port,
        '--outlet',
        '2',
        '--json',
        'toggle',
      ]);
      assert.equal(set.code, 0, set.stderr);
      const state = JSON.parse(set.stdout);
      assert.deepEqual([state.outlet, state.alias, state.on], [2, 'Fairy lights', !before[1]]);
      assert.deepEqual(
        strip.outlets.map((o) => o.on),
        [before[0], !before[1], before[2]],
        'only outlet 2 switched',
      );
      const read = await run([
        'state',
        '--host',
        '127.0.0.1',
        '--port',
        port,
        '--outlet',
        'humidifier',
      ]);
      assert.equal(read.code, 0, read.stderr);
      assert.match(read.stdout, /^outlet\s+3$/m);
      const whole = await run(['state', '--host', '127.0.0.1', '--port', port, '--json']);
      assert.equal(JSON.parse(whole.stdout).outlets.length, 3);
      const missing = await run(['state', '--host', '127.0.0.1', '--port', port, '--outlet', '9']);
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr,
        /INVALID_COMMAND: this KP303 has no outlet 9; it has 1 "Bedside lamp"/,
      );
      assert.throws(() => parseArgs(['diagnose', '--host', 'h', '--outlet', '1']), UsageError);
    } finally {
      await strip.close();
    }
  });

  it('diagnose says which protocol and credentials worked, or exactly what failed', async () => {
    const ok = await run(
      ['diagnose', '--host', '127.0.0.1', '--port', String(klap.port), '--json'],
      {
        LAMP_USERNAME: USER,
        LAMP_PASSWORD: PASS,
      },
    );
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.deepEqual(
      [report.ok, report.model, report.protocol, report.variant, report.credentials],
      [true, 'L530', 'KLAP', 'KLAP 2 (SHA)', 'account'],
    );
    const wrong = await run(['diagnose', '--host', '127.0.0.1', '--port', String(klap.port)], {
      LAMP_USERNAME: USER,
      LAMP_PASSWORD: 'cli-secret-9',
    });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, '');
    const lines = wrong.stderr.trim().split('\n');
    assert.equal(lines.length, 1, 'one line, no stack trace');
    assert.match(lines[0] as string, /^lamp-control: AUTH_FAILED: .*case-sensitive/);
    assert.ok(!wrong.stderr.includes('cli-secret-9'));

    // With the device's discovery port the account is checked: the e-mail typed with capitals.
    const capitals = await run(
      [
        'diagnose',
        '--host',
        '127.0.0.1',
        '--port',
        String(klap.port),
        '--discovery-port',
        String(klap.discoveryPort),
        '--json',
      ],
      { LAMP_USERNAME: 'Cli@Example.com', LAMP_PASSWORD: PASS },
    );
    assert.equal(capitals.code, 1);
    const diagnosis = JSON.parse(capitals.stdout);
    assert.deepEqual([diagnosis.code, diagnosis.owner], ['AUTH_FAILED', 'lowercase']);
    assert.match(capitals.stderr, /cli@example\.com .*\(C, E\)/);
  });

  it('diagnose and state over sslaes (HTTPS): the certificate fingerprint in the answer', async () => {
    const hub = await startEmulator({
      model: 'L530',
      protocol: 'sslaes',
      username: USER,
      password: PASS,
      alias: 'Hub lamp',
    });
    try {
      const env = { LAMP_USERNAME: USER, LAMP_PASSWORD: PASS };
      const at = ['--host', '127.0.0.1', '--port', String(hub.port), '--protocol', 'sslaes'];
      const ok = await run(['diagnose', ...at], env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /L530 "Hub lamp" answered over SSLAES, SHA-256, user "admin"/);
      assert.ok(ok.stdout.includes(`certificate SHA-256 ${hub.sslaes.certificateFingerprint}`));
      const state = await run(['state', ...at, '--json'], env);
      assert.equal(state.code, 0, state.stderr);
      assert.equal(JSON.parse(state.stdout).alias, 'Hub lamp');
      hub.sslaes.lockOut(60);
      const locked = await run(['diagnose', ...at], env);
      assert.equal(locked.code, 1);
      assert.match(locked.stderr, /^lamp-control: DEVICE_ERROR: .*unlocks in (59|60) seconds/);
    } finally {
      await hub.close();
    }
  });

  it('bad arguments exit 2 with one line; a bad payload exits 1 naming the property', async () => {
    const usage = await run(['state', '--host', '127.0.0.1', '--password', PASS]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--password-env/);
    assert.ok(!usage.stderr.includes(PASS), 'the password given is not echoed');
    const payload = await run(
      ['set', '--host', '127.0.0.1', '--port', String(klap.port), '{"brightness":500}'],
      {
        LAMP_USERNAME: USER,
        LAMP_PASSWORD: PASS,
      },
    );
    assert.equal(payload.code, 1);
    assert.match(payload.stderr, /^lamp-control: INVALID_COMMAND: .*brightness/);
  });

  it('discover lists the devices asked on 127.0.0.1, with their protocol', async () => {
    const legacyUdp = String(legacy.xorDiscovery?.port ?? legacy.discoveryPort);
    // Two devices share 127.0.0.1 here, so both are named: the search then waits its time out.
    const found = await run([
      'discover',
      '--target',
      `127.0.0.1:${klap.discoveryPort}`,
      '--target',
      `127.0.0.1:${legacyUdp}`,
      '--legacy-port',
      legacyUdp,
      '--timeout',
      '1',
      '--json',
    ]);
    assert.equal(found.code, 0, found.stderr);
    const devices = JSON.parse(found.stdout) as { model: string; protocol: string }[];
    assert.deepEqual(devices.map((d) => `${d.model} ${d.protocol}`).sort(), [
      'KL110 legacy',
      'L530E klap',
    ]);
    const none = await run([
      'discover',
      '--target',
      '127.0.0.1:9',
      '--legacy-port',
      '0',
      '--timeout',
      '0.3',
    ]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No device answered.*--target/);
  });
});
