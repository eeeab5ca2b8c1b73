/**
 * What `npm test` does before any test runs (scripts/chromium.mjs), run as a user would run it,
 * as a separate process with a chosen PATH and environment. Nothing here installs anything:
 * without apt-get on PATH the Chromium finder must stop with its one line.
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
