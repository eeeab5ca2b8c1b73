#!/usr/bin/env node
// `npm test`: everything, in the order that fails fastest. First what the tests need from outside
// the repo's node_modules: a Chromium for the editor tests (found, or installed where we may) and
// Node-RED 5 with a Node 22 for the package tests (test/node-red-5, installed on first use); if
// either cannot be had, one line says how and no test runs. Then build, type check, lint, every
// test file under test/ (unit, emulator, Node-RED flows, packaging on Node-RED 4.1 and 5,
// scorecard, editor in Chromium) in one node:test run under c8, and the coverage gate for the
// protocol layers.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureChromium } from './chromium.mjs';
import { ensureNodeRed5 } from './node-red-5.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
// % of lines each protocol layer must keep covered; transports carry the most risk.
const COVERAGE_FLOORS = { 'src/transport': 95, 'src/device': 90 };

// A test file that leaks a handle never exits; fail fast and say so instead of hanging CI.
const STEP_LIMIT_MS = 12 * 60_000;

let running; // the current step's child, whose process group Ctrl-C must end too
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (running) process.kill(-running.pid, 'SIGKILL');
    process.exit(130);
  });
}

/** Runs one step in its own process group, so a hang can be ended with everything it started. */
function step(title, command, args, env = {}) {
  console.log(`\n=== ${title}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
      detached: true,
    });
    running = child;
    const timer = setTimeout(() => {
      console.error(`\n${title} did not finish within ${STEP_LIMIT_MS / 60_000} minutes: a test`);
      console.error('(or a handle it left open) hangs. Run the test files one by one to find it.');
      process.kill(-child.pid, 'SIGKILL');
      process.exit(1);
    }, STEP_LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        console.error(`\n${title} failed (exit ${code ?? signal}).`);
        process.exit(code || 1);
      }
      resolve();
    });
  });
}

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules') continue; // test/node-red-5's install
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

function coverageGate() {
  const summary = JSON.parse(readFileSync(join(root, 'coverage/coverage-summary.json'), 'utf8'));
  let failed = false;
  console.log('\n=== Coverage gate (lines)');
  for (const [layer, floor] of Object.entries(COVERAGE_FLOORS)) {
    let total = 0;
    let covered = 0;
    for (const [file, data] of Object.entries(summary)) {
      if (file === 'total' || !relative(root, file).startsWith(`${layer}/`)) continue;
      total += data.lines.total;
      covered += data.lines.covered;
    }
    const pct = total === 0 ? 0 : (100 * covered) / total;
    const ok = pct >= floor;
    failed ||= !ok;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${layer}: ${pct.toFixed(1)}% of ${total} lines (floor ${floor}%)`,
    );
  }
  if (failed) process.exit(1);
}

/** A step that needs no child process: `prepare` returns what it found or the one line to stop on. */
function preflight(title, prepare, describe) {
  console.log(`\n=== ${title}`);
  const result = prepare();
  if (result.error) {
    console.error(result.error);
    process.exit(1);
  }
  console.log(describe(result));
  return result;
}

const chromium = preflight(
  'Chromium for the editor tests',
  ensureChromium,
  (r) => `${r.path} (${r.version})`,
);
const nodeRed5 = preflight(
  'Node-RED 5 for the package tests',
  ensureNodeRed5,
  (r) => `Node-RED ${r.redVersion} on Node ${r.nodeVersion} (${r.node})`,
);

await step('Build', process.execPath, ['scripts/build.mjs']);
await step('Type check', bin('tsc'), ['-p', 'tsconfig.json']);
await step('Lint', bin('biome'), ['check', 'src', 'test', 'scripts']);
await step(
  'Tests',
  bin('c8'),
  [
    '--reporter=text',
    '--reporter=json-summary',
    '--include=src/**',
    '--exclude=src/**/editor.ts',
    process.execPath,
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    ...testFiles(join(root, 'test')),
  ],
  {
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    CHROMIUM_PATH: chromium.path,
    NODE_RED_5_NODE: nodeRed5.node,
  },
);
coverageGate();
