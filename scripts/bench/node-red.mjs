// Measures through a real Node-RED (node-red-node-test-helper, the built nodes/): a message's
// way in and out, and one Node-RED polling a hundred devices. Devices run in another process.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { emulatorProcess, median } from './emulator-process.mjs';

const require = createRequire(import.meta.url);
export const helper = require('node-red-node-test-helper');
export const nodes = ['klap-device', 'lamp-control', 'lamp-status'].map((type) =>
  require(`../../nodes/${type}.js`),
);
const { connect } = require('../../dist/index.js');

helper.init(require.resolve('node-red'));

const POLL_SECONDS = Number(process.env.BENCH_POLL_SECONDS ?? 120);

function device(id, d) {
  return { id, type: 'klap-device', host: d.host, port: d.port, protocol: 'klap', version: 1 };
}

/** Resolves with the next message node `id` receives. */
function next(id) {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

async function endToEnd(row, credentials) {
  const lamp = await emulatorProcess([
    '--model',
    'L530',
    '--username',
    credentials.username,
    '--password',
    credentials.password,
  ]);
  try {
    // The device's own time for the same command, from a bare library client.
    const client = await connect({
      host: lamp.host,
      port: lamp.port,
      ...credentials,
      discoveryPort: null,
    });
    const direct = [];
    for (let i = 0; i < 300; i++) {
      const start = performance.now();
      await client.setState({ brightness: 1 + (i % 100) });
      direct.push(performance.now() - start);
    }
    await client.close();

    const flow = [
      { id: 'tab', type: 'tab' },
      device('dev', lamp),
      {
        id: 'ctl',
        type: 'lamp-control',
        z: 'tab',
        device: 'dev',
        action: 'payload',
        wires: [['out']],
      },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
    await helper.load(nodes, flow, { dev: credentials });
    const through = [];
    for (let i = 0; i < 300; i++) {
      const start = performance.now();
      const answer = next('out');
      helper.getNode('ctl').receive({ payload: { brightness: 1 + (i % 100) } });
      await answer;
      through.push(performance.now() - start);
    }
    await helper.unload();
    const above = median(through.slice(50)) - median(direct.slice(50));
    row(
      'through Node-RED (msg in → device → msg out), median above the device',
      `${above.toFixed(2)} ms (${median(through.slice(50)).toFixed(2)} vs ${median(direct.slice(50)).toFixed(2)})`,
      '≤ 2 ms',
    );
  } finally {
    lamp.stop();
  }
}

/**
 * `count` emulated devices on consecutive ports below the ephemeral range (32768 up, where our
 * own client sockets take their ports); another range when a port is taken meanwhile.
 */
export async function deviceFarm(credentials, count = 100) {
  const models = Array.from({ length: count }, (_, i) => [
    '--model',
    ['L530', 'L510', 'P110', 'P100'][i % 4],
  ]).flat();
  for (let attempt = 1; ; attempt++) {
    const base = 21000 + Math.floor(Math.random() * (11000 - count));
    try {
      return await emulatorProcess(
        [
          '--port',
          String(base),
          ...models,
          '--username',
          credentials.username,
          '--password',
          credentials.password,
        ],
        count,
      );
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

async function hundredDevices(row, credentials) {
  const farm = await deviceFarm(credentials);
  try {
    const flow = [{ id: 'tab', type: 'tab' }];
    const creds = {};
    farm.devices.forEach((d, i) => {
      flow.push(device(`dev${i}`, d));
      flow.push({
        id: `st${i}`,
        type: 'lamp-status',
        z: 'tab',
        device: `dev${i}`,
        interval: 2,
        output: 'state',
        wires: [[]],
      });
      creds[`dev${i}`] = credentials;
    });
    await helper.load(nodes, flow, creds);
    // Let every device log in and settle before measuring.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, POLL_SECONDS * 1000));
    const cpu = process.cpuUsage(cpuBefore);
    const elapsed = (performance.now() - started) * 1000;
    globalThis.gc?.();
    const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    await helper.unload();
    row(
      `100 devices polled every 2 s for ${POLL_SECONDS} s: CPU / RSS growth`,
      `${((100 * (cpu.user + cpu.system)) / elapsed).toFixed(1)} % of a core / ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB`,
      '≤ 5 % / ≤ 20 MB',
    );
  } finally {
    farm.stop();
  }
}

export async function nodeRedTargets(row, credentials) {
  await helper.startServer();
  try {
    await endToEnd(row, credentials);
    await hundredDevices(row, credentials);
  } finally {
    await helper.stopServer();
  }
}
