/**
 * Every diagnosis case, produced by the emulator on 127.0.0.1, through the editor's Test
 * connection route and through the `lamp-control diagnose` command run as a process: both say
 * the same thing, and never the password.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import { allNodes, helper, TAB } from './support';

const CLI = path.join(__dirname, '../../src/cli/lamp-control.ts');
const ACCOUNT = 'alice@example.com';
const PASS = 'Diagnose-Me-7';

interface Case {
  name: string;
  emulate?: Partial<EmulatorOptions>;
  /** Turns the device into the failing one; returns the port to ask when it is not the device's. */
  prepare?: (d: EmulatedDevice) => Promise<number | undefined> | number | undefined;
  username?: string;
  password?: string;
  protocol?: string;
  expect: { ok: boolean; code?: string; owner?: string; hostAnswered?: boolean; sentence: RegExp };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const CASES: Case[] = [
  {
    name: 'works: protocol, variant and credentials',
    expect: { ok: true, sentence: /answered over KLAP 2 \(SHA\) with account credentials/ },
  },
  {
    name: 'port closed, host there',
    prepare: () => closedPort(),
    expect: {
      ok: false,
      code: 'UNREACHABLE',
      hostAnswered: true,
      sentence: /nothing listens on port/,
    },
  },
  {
    name: 'no answer at all',
    prepare: (d) => {
      d.klap.faults.hang = true;
      return undefined;
    },
    expect: { ok: false, code: 'TIMEOUT', hostAnswered: false, sentence: /Nothing answered/ },
  },
  {
    name: 'Third-Party Compatibility off',
    prepare: (d) => {
      d.klap.faults.handshake1Status = 403;
      return undefined;
    },
    expect: { ok: false, code: 'THIRD_PARTY_DISABLED', sentence: /Third-Party Compatibility/ },
  },
  {
    name: 'another protocol than the one chosen',
    protocol: 'aes',
    expect: { ok: false, code: 'WRONG_PROTOCOL', sentence: /"klap" or "auto"/ },
  },
  {
    name: 'right account, wrong password',
    password: 'not-it',
    expect: { ok: false, code: 'AUTH_FAILED', owner: 'match', sentence: /password is wrong/ },
  },
  {
    name: 'e-mail typed with capitals',
    username: 'Alice@example.com',
    expect: { ok: false, code: 'AUTH_FAILED', owner: 'lowercase', sentence: /\(A\)/ },
  },
  {
    name: 'device bound to another account',
    emulate: { username: 'bob@example.com' },
    expect: {
      ok: false,
      code: 'AUTH_FAILED',
      owner: 'other',
      sentence: /different TP-Link account/,
    },
  },
];

function cli(
  args: string[],
  password: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMP_PASSWORD: password },
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

describe('diagnosis through Test connection and the CLI', () => {
  const started: EmulatedDevice[] = [];
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    helper.settings({});
    await helper.unload();
    await Promise.all(started.splice(0).map((d) => d.close()));
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const d = await startEmulator({
        model: 'L530',
        port: 0,
        username: ACCOUNT,
        password: PASS,
        discoveryPort: 0,
        ...c.emulate,
      });
      started.push(d);
      const port = (await c.prepare?.(d)) ?? d.port;
      const username = c.username ?? ACCOUNT;
      const password = c.password ?? PASS;

      helper.settings({ lampControlDiscoveryPort: d.discoveryPort });
      await helper.load(allNodes, [{ id: TAB, type: 'tab' }], {});
      const res = await helper
        .request()
        .post('/lamp-control/probe')
        .send({ host: '127.0.0.1', port, username, password, timeout: 0.5, protocol: c.protocol });
      const route = res.body as Record<string, unknown>;
      assert.equal(route.ok, c.expect.ok, JSON.stringify(route));
      if (c.expect.code) assert.equal(route.code, c.expect.code);
      if (c.expect.owner) assert.equal(route.owner, c.expect.owner);
      if (c.expect.hostAnswered !== undefined)
        assert.equal(route.hostAnswered, c.expect.hostAnswered);
      if (!c.expect.ok) assert.match(String(route.sentence), c.expect.sentence);
      assert.ok(!res.text.includes(password), 'the route never echoes the password');

      const args = [
        'diagnose',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--username',
        username,
      ];
      args.push('--discovery-port', String(d.discoveryPort), '--timeout', '0.5', '--json');
      if (c.protocol) args.push('--protocol', c.protocol);
      const run = await cli(args, password);
      const report = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.equal(run.code, c.expect.ok ? 0 : 1, run.stderr);
      assert.equal(report.ok, c.expect.ok);
      if (c.expect.code) assert.equal(report.code, c.expect.code);
      if (c.expect.owner) assert.equal(report.owner, c.expect.owner);
      if (c.expect.hostAnswered !== undefined)
        assert.equal(report.hostAnswered, c.expect.hostAnswered);
      assert.match(String(report.sentence), c.expect.sentence);
      assert.ok(!`${run.stdout}${run.stderr}`.includes(password), 'the CLI never echoes it');
    });
  }
});
