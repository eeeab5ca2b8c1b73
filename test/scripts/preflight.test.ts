/**
 * What `npm test` does before any test runs (scripts/chromium.mjs, scripts/node-red-5.mjs), run
 * as a user would run them, as separate processes with a chosen PATH and environment. Nothing
 * here installs anything: without apt-get on PATH the Chromium finder must stop with its one
 * line, and test/node-red-5 is already installed when npm test gets here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../package/support';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-preflight-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A directory for PATH holding only the given executables (name → shell script body). */
function binDir(name: string, scripts: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const [file, body] of Object.entries(scripts)) {
    fs.writeFileSync(path.join(dir, file), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return dir;
}

function run(script: string, env: Record<string, string>) {
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', script)], {
    cwd: repoRoot,
    // Only what is given: no CHROMIUM_PATH or NODE_RED_5_NODE from npm test leaks in.
    env: { HOME: os.homedir(), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout.trim(), stderr: res.stderr.trim() };
}

test('no Chromium and no apt-get: stops with one line saying how to get one', () => {
  const res = run('chromium.mjs', { PATH: binDir('empty', {}) });
  assert.equal(res.status, 1);
  assert.equal(res.stdout, '');
  assert.equal(res.stderr.split('\n').length, 1, res.stderr);
  assert.match(res.stderr, /set CHROMIUM_PATH=.*apt-get install chromium/);
});

test('finds a Chromium on PATH under its usual names, in order', () => {
  const dir = binDir('browsers', {
    'google-chrome-stable': 'echo "Google Chrome 1.0"',
    'chromium-browser': 'echo "Chromium 2.0"',
  });
  const res = run('chromium.mjs', { PATH: dir });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, `${path.join(dir, 'chromium-browser')} (Chromium 2.0)`);
});

test('CHROMIUM_PATH wins over PATH, and a wrong one is named, not replaced', () => {
  const onPath = binDir('on-path', { chromium: 'echo "Chromium 3.0"' });
  const chosen = path.join(binDir('chosen', { 'my-chrome': 'echo "Chromium 4.0"' }), 'my-chrome');
  const ok = run('chromium.mjs', { PATH: onPath, CHROMIUM_PATH: chosen });
  assert.equal(ok.stdout, `${chosen} (Chromium 4.0)`);

  const missing = path.join(tmp, 'no-such-chromium');
  const bad = run('chromium.mjs', { PATH: onPath, CHROMIUM_PATH: missing });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, `CHROMIUM_PATH=${missing} is not an executable file.`);
});

test('a Chromium that does not start is reported in one line', () => {
  const dir = binDir('broken', { chromium: 'echo "snap: not found" >&2; exit 127' });
  const res = run('chromium.mjs', { PATH: dir });
  assert.equal(res.status, 1);
  assert.equal(
    res.stderr,
    `${path.join(dir, 'chromium')} --version failed: that Chromium does not start.`,
  );
});

test('Node-RED 5 is refused a Node older than 22.9, in one line', () => {
  const node = path.dirname(process.execPath);
  const old = process.versions.node.split('.').map(Number);
  // This runs on Node 20 in CI; on a Node >= 22.9 there is no too-old Node to offer.
  const tooOld = old[0] < 22 || (old[0] === 22 && old[1] < 9);
  const res = run('node-red-5.mjs', {
    PATH: `${node}${path.delimiter}${process.env.PATH}`,
    NODE_RED_5_NODE: tooOld ? process.execPath : path.join(tmp, 'no-such-node'),
  });
  assert.equal(res.status, 1);
  assert.equal(res.stderr.split('\n').length, 1, res.stderr);
  assert.match(
    res.stderr,
    /^NODE_RED_5_NODE=.* is (Node v[\d.]+|not a working node); Node-RED 5\.\d+\.\d+ needs Node >= 22\.9\.$/,
  );
});

test('Node-RED 5 runs on the Node 22 that test/node-red-5 brings', () => {
  const res = run('node-red-5.mjs', { PATH: process.env.PATH ?? '' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^Node-RED 5\.\d+\.\d+ on Node v(2[2-9]|[3-9]\d)\.\d+\.\d+ \(/);
});
