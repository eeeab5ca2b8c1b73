/**
 * The editor's admin routes are protected when Node-RED has adminAuth. Under
 * node-red-node-test-helper `RED.auth.needsPermission()` lets everything through
 * (docs/architecture.md §11), so this starts a real embedded Node-RED 4 in this process, with
 * credentials for an admin (`*`) and a read-only viewer (`read`), this repo linked into its user
 * dir, and an emulated L530 lamp, and checks on 127.0.0.1 only:
 * - without a token, `POST /lamp-control/probe` and `/lamp-control/discover` answer 401 and the
 *   lamp is never contacted;
 * - the viewer may search (`klap-device.read`) but may not test a connection (`klap-device.write`);
 * - the admin may test a connection, and the reply never carries the password.
 * Needs a build (node scripts/build.mjs).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DEMO_PASSWORD,
  DEMO_USER,
  type Emulator,
  freePort,
  MODULE,
  repoRoot,
  startEmulator,
} from './support';

type NodeRedApp = typeof import('node-red');
type EmulatedDevice = Emulator & {
  discoveryPort: number;
  klap: { counters: { handshake1: number; handshakes: number; connections: number } };
  discovery: { counters: { probes: number } };
};

const ADMIN = { username: 'admin', password: 'admin-secret-4711' };
const VIEWER = { username: 'viewer', password: 'viewer-secret-0815' };

let tmp: string;
let RED: NodeRedApp;
let server: http.Server;
let base: string;
let emulator: EmulatedDevice;
/** Access tokens handed out by POST /auth/token, expired again in after(). */
const issued: string[] = [];

/** The module of Node-RED's editor API at `sub` (the instance this process loaded). */
function editorApiModule(sub: string): string {
  return require.resolve(`@node-red/editor-api/${sub}`, { paths: [require.resolve('node-red')] });
}

/** Node-RED's own bcrypt module: @node-red/editor-api prefers @node-rs/bcrypt, else bcryptjs. */
function bcryptHash(password: string): string {
  const editorApi = editorApiModule('lib/index.js');
  let bcrypt: { hashSync(password: string, rounds: number): string };
  try {
    bcrypt = require(require.resolve('@node-rs/bcrypt', { paths: [editorApi] }));
  } catch {
    bcrypt = require(require.resolve('bcryptjs', { paths: [editorApi] }));
  }
  // The lowest cost bcrypt allows: these hashes only live for this test.
  return bcrypt.hashSync(password, 4);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-admin-auth-'));
  const userDir = path.join(tmp, 'user');
  const scope = path.join(userDir, 'node_modules', MODULE.split('/')[0]);
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(repoRoot, path.join(scope, MODULE.split('/')[1]), 'dir');

  emulator = (await startEmulator('L530', repoRoot, DEMO_USER, DEMO_PASSWORD, {
    discoveryPort: 0,
  })) as EmulatedDevice;

  RED = require('node-red');
  server = http.createServer((req, res) => RED.httpAdmin(req, res));
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    uiHost: '127.0.0.1',
    uiPort: 0,
    httpAdminRoot: '/',
    httpNodeRoot: false,
    credentialSecret: 'lamp-control-admin-auth-test',
    telemetry: { enabled: false },
    editorTheme: { tours: false, projects: { enabled: false } },
    diagnostics: { enabled: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    adminAuth: {
      type: 'credentials',
      users: [
        { username: ADMIN.username, password: bcryptHash(ADMIN.password), permissions: '*' },
        { username: VIEWER.username, password: bcryptHash(VIEWER.password), permissions: 'read' },
      ],
    },
    // Device search asks only this machine, and only the emulator's discovery port.
    lampControlDiscoveryTargets: ['127.0.0.1'],
    lampControlDiscoveryPort: emulator.discoveryPort,
  } as unknown as Parameters<NodeRedApp['init']>[1]);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${port}`;
  await RED.start();
});

after(async () => {
  await RED?.stop();
  // RED.stop() leaves one handle behind: the session-expiry timer that
  // @node-red/editor-api/lib/auth/tokens.js starts with the first token (one week long) and never
  // clears, which would keep this process alive. End it the way Node-RED itself does when
  // sessions run out: mark our sessions expired and look one up, so its expireSessions() clears
  // the timer and, with no session left, starts none.
  const tokens: {
    get(token: string): Promise<{ expires?: number } | null | undefined>;
  } = require(editorApiModule('lib/auth/tokens.js'));
  for (const accessToken of issued) {
    const session = await tokens.get(accessToken);
    if (session) session.expires = 0;
  }
  for (const accessToken of issued) await tokens.get(accessToken);
  // The HTTP server is ours, not Node-RED's; fetch() keeps its connections alive, so end them
  // deliberately or server.close() would wait for them.
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await emulator?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function token(user: { username: string; password: string }, scope: string) {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: 'node-red-admin',
      grant_type: 'password',
      scope,
      username: user.username,
      password: user.password,
    }).toString(),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `token for ${user.username}: ${text}`);
  const body = JSON.parse(text) as { access_token?: string };
  assert.ok(body.access_token, 'an access token');
  issued.push(body.access_token);
  return body.access_token;
}

function post(route: string, body: object, bearer?: string): Promise<Response> {
  return fetch(`${base}${route}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

function probeBody() {
  return {
    host: '127.0.0.1',
    port: emulator.port,
    timeout: 5,
    username: DEMO_USER,
    password: DEMO_PASSWORD,
  };
}

function contacts() {
  return {
    handshake1: emulator.klap.counters.handshake1,
    connections: emulator.klap.counters.connections,
    discoveryProbes: emulator.discovery.counters.probes,
  };
}

const untouched = { handshake1: 0, connections: 0, discoveryProbes: 0 };

test('Node-RED really enforces adminAuth here (the flows API refuses anonymous requests)', async () => {
  const res = await fetch(`${base}/flows`);
  assert.equal(res.status, 401);
  await res.arrayBuffer();
});

test('without a token both routes answer 401 and no device is contacted', async () => {
  const probe = await post('/lamp-control/probe', probeBody());
  assert.equal(probe.status, 401);
  assert.ok(!(await probe.text()).includes(DEMO_PASSWORD));

  const discover = await post('/lamp-control/discover', {
    target: `127.0.0.1:${emulator.discoveryPort}`,
    timeout: 0.3,
  });
  assert.equal(discover.status, 401);
  await discover.arrayBuffer();

  const bogus = await post('/lamp-control/probe', probeBody(), 'not-a-token');
  assert.equal(bogus.status, 401, 'a made-up bearer token counts as none');
  await bogus.arrayBuffer();

  assert.deepEqual(contacts(), untouched);
});

test('the read-only viewer may search (loopback target) but not test a connection', async () => {
  const viewer = await token(VIEWER, 'read');

  const probe = await post('/lamp-control/probe', probeBody(), viewer);
  // Node-RED answers an insufficient scope with 401 (editor-api auth.needsPermission).
  assert.ok([401, 403].includes(probe.status), `probe refused, got ${probe.status}`);
  await probe.arrayBuffer();
  assert.deepEqual(contacts(), untouched, 'a refused probe contacts nothing');

  const res = await post(
    '/lamp-control/discover',
    { target: `127.0.0.1:${emulator.discoveryPort}`, timeout: 0.5 },
    viewer,
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    devices: { host: string; model?: string }[];
    targets: string[];
  };
  assert.deepEqual(body.targets, [`127.0.0.1:${emulator.discoveryPort}`]);
  assert.ok(
    body.devices.some((d) => d.host === '127.0.0.1'),
    `the emulator answers: ${JSON.stringify(body)}`,
  );
  assert.ok(emulator.discovery.counters.probes > 0, 'the search reached the emulator');
  assert.equal(emulator.klap.counters.handshake1, 0, 'a search does not log in');
});

test('the admin may test a connection; the reply never carries the password', async () => {
  const admin = await token(ADMIN, '*');
  const res = await post('/lamp-control/probe', probeBody(), admin);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.ok(!text.includes(DEMO_PASSWORD), 'no password in the reply');
  const body = JSON.parse(text) as { ok: boolean; model?: string };
  assert.equal(body.ok, true, text);
  assert.equal(body.model, 'L530');
  assert.ok(emulator.klap.counters.handshakes > 0, 'the probe logged in to the emulator');
});
