#!/usr/bin/env node
// The Chromium that the editor tests (test/editor/) drive, found before any test runs, so that
// `npm test` on a fresh clone either gets one or stops with one line instead of a wall of
// failed browser tests. In order:
//
//   1. CHROMIUM_PATH, when set (it must then be an executable file: a typo is not silently
//      replaced by some other browser);
//   2. the usual names on PATH: chromium, chromium-browser, google-chrome, google-chrome-stable;
//   3. none found: as root with apt-get (CI, this project's machines) install Debian's
//      `chromium`, saying so in one line; anywhere else, one line saying how to get one.
//
// `node scripts/chromium.mjs` does the same by hand and prints the path it settled on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export const HOW_TO_GET_ONE =
  'The editor tests need Chromium: set CHROMIUM_PATH=/path/to/chromium, or install one ' +
  '(`sudo apt-get install chromium` on Debian), then run npm test again.';

// apt fetches ~100 MB; a stuck mirror must not hold the test run for longer than this.
const APT_LIMIT_MS = 8 * 60_000;

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the directories of `searchPath`, or undefined. */
export function onPath(name, searchPath = process.env.PATH ?? '') {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/**
 * Looks, never installs: `{ path }` when a Chromium is there, `{ problem }` (one line) when
 * CHROMIUM_PATH names something unusable, `{}` when there is none.
 */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) {
    return isExecutableFile(env.CHROMIUM_PATH)
      ? { path: env.CHROMIUM_PATH }
      : { problem: `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file.` };
  }
  for (const name of NAMES) {
    const found = onPath(name, env.PATH);
    if (found) return { path: found };
  }
  return {};
}

/** Runs one apt-get command quietly; its output is shown only if it fails. */
function aptGet(aptPath, args) {
  const run = spawnSync(aptPath, args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: APT_LIMIT_MS,
  });
  if (run.status === 0) return undefined;
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  const why = run.error ? run.error.message : `exit ${run.status ?? run.signal}`;
  return `apt-get ${args.join(' ')} failed (${why}):\n${output}`;
}

/** `<browser> --version`, which also proves it starts (a snap stub or a broken install does not). */
function version(browser) {
  const run = spawnSync(browser, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/**
 * Finds a Chromium, installing Debian's where that is possible. Returns `{ path, version }`,
 * or `{ error }`: one line to print (more only when apt-get itself failed).
 */
export function ensureChromium({ env = process.env, log = console.log } = {}) {
  let found = findChromium(env);
  if (found.problem) return { error: found.problem };
  if (!found.path) {
    const apt = onPath('apt-get', env.PATH);
    const root = process.getuid?.() === 0;
    if (!apt || !root) return { error: HOW_TO_GET_ONE };
    log(
      "No Chromium found: installing Debian's chromium for the editor tests " +
        '(apt-get update && apt-get install -y chromium) …',
    );
    const failed =
      aptGet(apt, ['update', '-qq']) ?? aptGet(apt, ['install', '-y', '-qq', 'chromium']);
    if (failed) return { error: `${failed}\n${HOW_TO_GET_ONE}` };
    found = findChromium(env);
    if (!found.path) return { error: `apt-get installed chromium, but it is not on PATH.` };
  }
  const v = version(found.path);
  if (!v) return { error: `${found.path} --version failed: that Chromium does not start.` };
  return { path: found.path, version: v };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = ensureChromium();
  if (result.error) {
    console.error(result.error);
    process.exit(1);
  }
  console.log(`${result.path} (${result.version})`);
}
