// The performance targets of lamp-control, measured, beside a peer client (tp-link-tapo-connect,
// a devDependency) on the same emulator in the same run. Prints a table; judges nothing.
import { createRequire } from 'node:module';
import { commandCpu } from './command-cpu.mjs';
import { fleet } from './fleet.mjs';
import { nodeRedTargets } from './node-red.mjs';

const require = createRequire(import.meta.url);
const { connect, LampClient } = require('../../dist/index.js');
const { startEmulator } = require('../../dist/emulator/index.js');

const credentials = { username: 'bench@example.com', password: 'bench-password' };
const rows = [];
const row = (measure, value, target) => rows.push([measure, String(value), target]);

/** Device requests and logins counted by an in-process emulator. */
async function counted() {
  const lamp = await startEmulator({ model: 'L530', ...credentials });
  const target = { host: lamp.host, port: lamp.port, ...credentials, discoveryPort: null };
  try {
    const client = await connect(target);
    let before = lamp.klap.counters.requests;
    for (let i = 0; i < 200; i++) await client.setState({ brightness: 1 + (i % 100) });
    row(
      'device requests per command, warm session',
      ((lamp.klap.counters.requests - before) / 200).toFixed(2),
      '1.00',
    );

    const cold = new LampClient(target);
    const logins = lamp.klap.counters.handshakes;
    await Promise.all(Array.from({ length: 50 }, (_, i) => cold.setState({ brightness: i + 1 })));
    row(
      'logins for 50 concurrent commands, cold session',
      lamp.klap.counters.handshakes - logins,
      '1',
    );
    await cold.close();

    // A dashboard slider: 200 messages within about a second, the lamp answering in 50 ms.
    lamp.klap.faults.latencyMs = 50;
    before = lamp.klap.counters.requests;
    const replies = [];
    for (let step = 1; step <= 200; step++) {
      replies.push(client.setState({ brightness: Math.ceil(step / 2) }).catch(() => null));
      if (step % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const states = await Promise.all(replies);
    const completed = states.filter((s) => s && typeof s.brightness === 'number').length;
    row(
      'slider flood: device requests / final brightness / completed',
      `${lamp.klap.counters.requests - before} / ${lamp.device.info.brightness} / ${completed}`,
      '≤ 25 / 100 / 200',
    );
    lamp.klap.faults.latencyMs = 0;

    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) await client.setState({ brightness: 1 + (i % 100) });
    globalThis.gc?.();
    const grown = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    row(
      `heap after 10,000 commands${globalThis.gc ? '' : ' (no --expose-gc: rough)'}`,
      `${grown >= 0 ? '+' : ''}${grown.toFixed(1)} MB`,
      '≤ +5 MB',
    );
    await client.close();
  } finally {
    await lamp.close();
  }
}

export async function targets() {
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY']) {
    delete process.env[name]; // the peer's axios must never proxy loopback
  }
  await counted();
  await commandCpu(row, credentials);
  await nodeRedTargets(row, credentials);
  await fleet(row, credentials);
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  console.log('\ntargets (issue #9)');
  console.log(`${'measure'.padEnd(width)}  ${'measured'.padEnd(valueWidth)}  target`);
  for (const [measure, value, target] of rows) {
    console.log(`${measure.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  }
}
