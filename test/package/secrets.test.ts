/**
 * The password never leaves the runtime. A real Node-RED 4 (child process, this repo linked
 * into its user dir, 127.0.0.1 only) runs flows with three devices, each with a password of its
 * own: one that works, one the lamp refuses (AUTH_FAILED), one nobody answers for
 * (UNREACHABLE). Commands, polls, event reads, errors (Catch) and every node's status (Status node) go to
 * debug nodes that print to the log, the sidebar (comms websocket) and their status. Then the
 * test greps every place a user or an attacker with editor access could read:
 * - the flows export (GET /flows) and the credentials API (GET /credentials/klap-device/:id),
 * - the whole log (stdout and stderr, at trace level),
 * - everything the editor receives over /comms: debug output and node status,
 * - the Test connection (probe) and Search (discover) routes' answers,
 * and finds none of the passwords. Needs a build (node scripts/build.mjs).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { freePort, MODULE, type NodeRed, repoRoot, startNodeRed, waitFor } from './support';

/** Distinctive secrets, so a grep cannot miss them and nothing else can match them. */
const SECRETS = {
  ok: 'Pw-0k-7f3a9c1e',
  refused: 'Pw-Refused-b82d4e57',
  unreachable: 'Pw-Nobody-5c6e0a94',
};
const USER = 'owner@example.com';

type WsLike = {
  on(event: 'message', listener: (data: Buffer) => void): void;
  once(event: 'open' | 'error', listener: (arg?: unknown) => void): void;
  send(text: string): void;
  close(): void;
};

let tmp: string;
let red: NodeRed;
let lamp: EmulatedDevice;
let other: EmulatedDevice;
let closedPort: number;
let ws: WsLike | undefined;
/** Every text the test collected, by where it came from. */
const seen: Record<string, string[]> = {};

function record(where: string, text: string): void {
  seen[where] ??= [];
  seen[where].push(text);
}

async function fetchText(url: string, init?: RequestInit): Promise<string> {
  const res = await fetch(url, init);
  const text = await res.text();
  record(`${init?.method ?? 'GET'} ${new URL(url).pathname}`, text);
  return text;
}

function postJson(route: string, body: object): Promise<string> {
  return fetchText(`${red.url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function flows() {
  const tab = 'secrets-tab';
  const debug = (id: string) => ({
    id,
    type: 'debug',
    z: tab,
    active: true,
    tosidebar: true,
    console: true,
    tostatus: true,
    complete: 'true',
    targetType: 'full',
    statusVal: 'payload',
    statusType: 'auto',
    wires: [],
  });
  const nodes: object[] = [
    { id: tab, type: 'tab', label: 'secrets' },
    {
      id: 'catch-all',
      type: 'catch',
      z: tab,
      scope: null,
      uncaught: false,
      wires: [['dbg-catch']],
    },
    debug('dbg-catch'),
    { id: 'status-all', type: 'status', z: tab, scope: null, wires: [['dbg-status']] },
    debug('dbg-status'),
  ];
  const devices = [
    ['ok', lamp.port, SECRETS.ok],
    ['refused', other.port, SECRETS.refused],
    ['unreachable', closedPort, SECRETS.unreachable],
  ] as const;
  for (const [name, port, password] of devices) {
    nodes.push(
      {
        id: `dev-${name}`,
        type: 'klap-device',
        name: `lamp ${name}`,
        host: '127.0.0.1',
        port,
        protocol: 'klap',
        timeout: 1,
        version: 1,
        credentials: { username: USER, password },
      },
      {
        id: `inj-${name}`,
        type: 'inject',
        z: tab,
        props: [{ p: 'payload' }],
        payload: '{"on":true,"brightness":30}',
        payloadType: 'json',
        repeat: '',
        once: false,
        wires: [[`ctl-${name}`]],
      },
      {
        id: `ctl-${name}`,
        type: 'lamp-control',
        z: tab,
        device: `dev-${name}`,
        action: 'payload',
        wires: [[`dbg-${name}`]],
      },
      debug(`dbg-${name}`),
      {
        id: `st-${name}`,
        type: 'lamp-status',
        z: tab,
        device: `dev-${name}`,
        interval: 1,
        output: 'state',
        wires: [[`dbg-${name}`]],
      },
      // Its event reader logs in (or fails to) through the same session: its status ring and
      // its warning must not carry the password either.
      {
        id: `ev-${name}`,
        type: 'lamp-event',
        z: tab,
        device: `dev-${name}`,
        interval: 0.5,
        wires: [[`dbg-${name}`]],
      },
    );
  }
  return nodes;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-secrets-'));
  const userDir = path.join(tmp, 'user');
  const scope = path.join(userDir, 'node_modules', MODULE.split('/')[0]);
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(repoRoot, path.join(scope, MODULE.split('/')[1]), 'dir');
  lamp = await startEmulator({ model: 'L530', port: 0, username: USER, password: SECRETS.ok });
  other = await startEmulator({ model: 'L530', port: 0, username: USER, password: 'not-it' });
  closedPort = await freePort();
  red = await startNodeRed(userDir, {
    logging: { console: { level: 'trace', metrics: false, audit: true } },
    lampControlDiscoveryPort: closedPort,
  });
});

after(async () => {
  ws?.close();
  await red?.stop();
  await lamp?.close();
  await other?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('no password in flows, log, status, debug output, errors or admin answers', async () => {
  // What the editor sees live: debug output and node status over the comms websocket.
  const WebSocket = require(require.resolve('ws', { paths: [require.resolve('node-red')] }));
  const socket: WsLike = new WebSocket(`ws://127.0.0.1:${red.port}/comms`);
  ws = socket;
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('message', (data) => record('comms', data.toString('utf8')));
  for (const topic of ['debug', 'status/#', 'notification/#']) {
    socket.send(JSON.stringify({ subscribe: topic }));
  }

  const deployed = await fetchText(`${red.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flows()),
  });
  assert.ok(!deployed.includes('error'), deployed);
  await waitFor('flows started', async () => red.output().includes('Started flows'));

  // Commands through each device, three times.
  for (let round = 0; round < 3; round += 1) {
    for (const name of ['ok', 'refused', 'unreachable']) {
      await fetchText(`${red.url}/inject/inj-${name}`, { method: 'POST' });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await waitFor('a state, an AUTH_FAILED and an UNREACHABLE in the debug output', async () => {
    const comms = (seen.comms ?? []).join('\n');
    return (
      /brightness\\*"?:30/.test(comms) &&
      comms.includes('AUTH_FAILED') &&
      comms.includes('UNREACHABLE')
    );
  });

  // The admin routes: Test connection through the deployed nodes (password kept as the
  // editor's placeholder), with a typed wrong password, to nobody; and Search.
  const probes = [
    { id: 'dev-ok', host: '127.0.0.1', port: lamp.port, protocol: 'klap', password: '__PWRD__' },
    {
      id: 'dev-refused',
      host: '127.0.0.1',
      port: other.port,
      protocol: 'klap',
      password: '__PWRD__',
    },
    {
      host: '127.0.0.1',
      port: other.port,
      protocol: 'klap',
      username: USER,
      password: SECRETS.refused,
    },
    {
      host: '127.0.0.1',
      port: closedPort,
      protocol: 'klap',
      username: USER,
      password: SECRETS.unreachable,
      timeout: 1,
    },
    { id: 'dev-ok', host: '127.0.0.1', port: other.port, protocol: 'auto', password: '__PWRD__' },
  ];
  const answers = [];
  for (const body of probes) answers.push(JSON.parse(await postJson('/lamp-control/probe', body)));
  assert.deepEqual(
    answers.map((a) => a.ok || a.code),
    [true, 'AUTH_FAILED', 'AUTH_FAILED', 'UNREACHABLE', 'AUTH_FAILED'],
  );
  await postJson('/lamp-control/discover', { target: `127.0.0.1:${closedPort}`, timeout: 0.2 });

  // The flows export and the credentials API.
  const exported = await fetchText(`${red.url}/flows`);
  assert.match(exported, /dev-refused/);
  for (const name of ['ok', 'refused', 'unreachable']) {
    const creds = JSON.parse(await fetchText(`${red.url}/credentials/klap-device/dev-${name}`));
    assert.deepEqual(creds, { username: USER, has_password: true });
  }
  // The flows files on disk: the credentials file is encrypted.
  for (const file of ['flows.json', 'flows_cred.json']) {
    record(file, fs.readFileSync(path.join(red.userDir, file), 'utf8'));
  }
  record('log', red.output());

  // Each place really holds what a leak would show up next to.
  const all = (where: string) => (seen[where] ?? []).join('\n');
  assert.match(all('log'), /Lost contact with 127\.0\.0\.1:\d+/, 'the log has the outages');
  assert.match(all('log'), /rejected the credentials/, 'the log has the errors');
  assert.match(
    all('comms'),
    /klap-device\.status|auth failed|offline/,
    'statuses reached the editor',
  );
  assert.match(all('comms'), /"topic":"debug"/);
  assert.match(all('comms'), /rejected the credentials/, 'Catch output reached the sidebar');
  assert.ok(Object.keys(seen).length >= 8, Object.keys(seen).join());

  for (const [where, texts] of Object.entries(seen)) {
    const text = texts.join('\n');
    for (const [which, secret] of Object.entries(SECRETS)) {
      assert.ok(!text.includes(secret), `the ${which} password appears in ${where}`);
    }
  }
});
