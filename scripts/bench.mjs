#!/usr/bin/env node
// `npm run bench`: how fast and how lean the library is against emulated devices on 127.0.0.1.
// Prints numbers; passes or fails nothing. Run after `npm run build` (it uses dist/).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { cpuOf, emulatorProcess, median } from './bench/emulator-process.mjs';
import { followMove } from './bench/follow-move.mjs';
import { h200Figures } from './bench/h200.mjs';
import { hubFigures } from './bench/hub.mjs';
import { targets } from './bench/targets.mjs';

const require = createRequire(import.meta.url);
const { connect } = require('../dist/index.js');
const { startEmulator } = require('../dist/emulator/index.js');

const credentials = { username: 'bench@example.com', password: 'bench-password' };

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `p50 ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, max ${sorted.at(-1).toFixed(2)} ms (n=${sorted.length})`;
}

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Cold login and warm request cost of each transport, devices in another process. */
async function perTransport() {
  // [label, emulator args, client protocol]: auto finds a TPAP device after KLAP's refusal;
  // the tpap rows show the cost of TPAP alone (explicit, or auto with discovery's hint).
  const rows = [
    ['KLAP', ['--model', 'L530', '--protocol', 'klap'], 'auto'],
    ['AES', ['--model', 'L530', '--protocol', 'aes'], 'auto'],
    ['TPAP (auto)', ['--model', 'L530', '--protocol', 'tpap'], 'auto'],
    ['TPAP (tpap)', ['--model', 'L530', '--protocol', 'tpap'], 'tpap'],
    ['sslaes', ['--model', 'L530', '--protocol', 'sslaes'], 'sslaes'],
    ['legacy XOR', ['--model', 'KL130', '--protocol', 'legacy'], 'auto'],
  ];
  console.log('\nper transport (emulator in its own process; CPU is this client only)');
  console.log('transport    cold connect p50   warm getState p50   client CPU per warm request');
  for (const [name, args, protocol] of rows) {
    const device = await emulatorProcess([
      ...args,
      '--username',
      credentials.username,
      '--password',
      credentials.password,
    ]);
    try {
      const target = {
        host: device.host,
        port: device.port,
        protocol,
        ...credentials,
        discoveryPort: null,
      };
      const cold = [];
      for (let i = 0; i < 10; i++) {
        cold.push(await timed(async () => (await connect(target)).close()));
      }
      const lamp = await connect(target);
      for (let i = 0; i < 50; i++) await lamp.getState(); // warm up the JIT
      const warm = [];
      const n = 400;
      const cpu = await cpuOf(async () => {
        for (let i = 0; i < n; i++) warm.push(await timed(() => lamp.getState()));
      });
      await lamp.close();
      console.log(
        `${name.padEnd(12)} ${median(cold).toFixed(2).padStart(8)} ms        ${median(warm).toFixed(2).padStart(8)} ms         ${(cpu / n).toFixed(0).padStart(6)} µs`,
      );
    } finally {
      device.stop();
    }
  }
}

async function main() {
  const bulb = await startEmulator({ model: 'L530', ...credentials });
  const target = { host: bulb.host, port: bulb.port, ...credentials };
  console.log(
    `lamp-control benchmark, Node ${process.version}, emulated L530 on ${bulb.host}:${bulb.port}\n`,
  );

  // 1. Cold start: handshake1 + handshake2 + dialect/capability discovery + first state.
  const cold = [];
  for (let i = 0; i < 20; i++) {
    cold.push(
      await timed(async () => {
        const lamp = await connect(target);
        await lamp.close();
      }),
    );
  }
  console.log(`connect (cold session, first state)   ${summary(cold)}`);

  // 2. Warm requests on one shared session.
  const lamp = await connect(target);
  const warm = [];
  for (let i = 0; i < 500; i++) warm.push(await timed(() => lamp.getState()));
  console.log(`getState (warm session)               ${summary(warm)}`);

  const sets = [];
  for (let i = 0; i < 200; i++) {
    sets.push(await timed(() => lamp.setState({ brightness: 1 + (i % 100) })));
  }
  console.log(`setState brightness (state returned)  ${summary(sets)}`);

  // 3. Many concurrent callers on one device: queued, one session, no extra handshakes; reads
  // that queue up together share one device request.
  const handshakesBefore = bulb.klap.counters.handshakes;
  const requestsBefore = bulb.klap.counters.requests;
  const callers = 30;
  const perCaller = 20;
  const burst = await timed(() =>
    Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < perCaller; i++) await lamp.getState();
      }),
    ),
  );
  const total = callers * perCaller;
  console.log(
    `${callers} concurrent callers × ${perCaller}            ${(total / (burst / 1000)).toFixed(0)} reads/s answered with ` +
      `${bulb.klap.counters.requests - requestsBefore} device requests, ` +
      `${bulb.klap.counters.handshakes - handshakesBefore} extra handshakes`,
  );
  await lamp.close();

  // 4. Memory for a house full of lamps: 50 clients with live sessions, then 50 more. The
  // first 50 also pay for code compiled on first use; the next 50 are what another lamp costs.
  const heapNow = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  };
  const lamps = [];
  const perClient = [];
  for (let batch = 0; batch < 2; batch++) {
    const heapBefore = heapNow();
    for (let i = 0; i < 50; i++) lamps.push(await connect(target));
    perClient.push(((heapNow() - heapBefore) / 50 / 1024).toFixed(1));
  }
  console.log(
    `memory per connected client            ${perClient[1]} KiB heap (first 50: ${perClient[0]} KiB)` +
      (globalThis.gc ? '' : ' (run with --expose-gc for steadier figures)'),
  );
  await Promise.all(lamps.map((l) => l.close()));
  await bulb.close();
  await perTransport();
  await targets();
  await hubFigures();
  await followMove();
  await h200Figures();
  console.log(`\nrss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(1)} MiB at the end`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
