/**
 * `npm start` smoke test: scripts/demo.mjs (with --no-build, in a temporary user dir) starts the
 * emulated lamps and Node-RED, deploys the demo flow, an inject click changes a lamp, and
 * SIGINT stops everything cleanly. Runs on the demo's ports shifted by LAMP_DEMO_PORT_OFFSET, so
 * it does not collide with a running demo. Needs a build.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEMO_PASSWORD, DEMO_USER, repoRoot, waitFor } from './support';

// Shifted away from the demo's own ports, so `npm test` runs beside a running `npm start`.
const OFFSET = 1100;
const PORTS = [1880, 8080, 8081, 8082, 8083].map((p) => p + OFFSET);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('npm start: demo comes up, an inject drives a lamp, Ctrl-C stops everything', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-demo-'));
  const demo = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'demo.mjs'), '--no-build'], {
    cwd: repoRoot,
    env: { ...process.env, LAMP_DEMO_DIR: dir, LAMP_DEMO_PORT_OFFSET: String(OFFSET) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stdout.on('data', (d) => {
    out += d;
  });
  demo.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    demo.once('exit', (code) => resolve(code)),
  );
  try {
    await waitFor(
      'the demo to print its URL',
      async () => out.includes('Node-RED with lamp-control:'),
      40_000,
    );
    const flows = (await (await fetch(`http://127.0.0.1:${PORTS[0]}/flows`)).json()) as {
      type: string;
    }[];
    for (const type of ['klap-device', 'lamp-control', 'lamp-status']) {
      assert.ok(
        flows.some((n) => n.type === type),
        `demo flow has a ${type}`,
      );
    }
    // "brightness 30" on the colour bulb.
    const res = await fetch(`http://127.0.0.1:${PORTS[0]}/inject/demo-dev-l530-inject-3`, {
      method: 'POST',
    });
    assert.equal(res.status, 200);
    const { connect } = require(repoRoot);
    const lamp = await connect({
      host: '127.0.0.1',
      port: PORTS[1],
      username: DEMO_USER,
      password: DEMO_PASSWORD,
    });
    try {
      await waitFor(
        'brightness 30 on the emulated L530',
        async () => (await lamp.getState()).brightness === 30,
      );
    } finally {
      await lamp.close();
    }
  } finally {
    demo.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), 15_000);
      }),
    ]);
    clearTimeout(timer);
    if (code === 'timeout') demo.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, out);
  }
  const freeAfter = await Promise.all(PORTS.map(portFree));
  assert.deepEqual(
    freeAfter,
    PORTS.map(() => true),
    'all demo ports released',
  );
  assert.doesNotMatch(out, /\[error\]/, out);
});
