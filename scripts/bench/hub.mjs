// The hub figures of `npm run bench` (issue #16): an emulated H100 over KLAP with two buttons, a
// motion sensor, a contact sensor, a climate sensor and a wall switch, watched by one lamp-event
// node at its default interval (1 s) and one lamp-status node at its default (10 s), in a real
// Node-RED (node-red-node-test-helper, the built nodes/). Measures how long a button press
// takes to come out of the lamp-event node, and how many requests the hub gets per second
// while buttons are pressed and sensors report now and then, and while nothing happens.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const helper = require('node-red-node-test-helper');
const { startEmulator } = require('../../dist/emulator/index.js');

export const PRESSES = Number(process.env.BENCH_HUB_PRESSES ?? 40);
export const IDLE_SECONDS = Number(process.env.BENCH_HUB_IDLE_SECONDS ?? 20);
const CHILDREN = [
  { model: 'S200B', alias: 'Door button' },
  { model: 'S200B', alias: 'Bed button' },
  { model: 'T100', alias: 'Hall motion' },
  { model: 'T110', alias: 'Front door' },
  { model: 'T310', alias: 'Living room' },
  { model: 'S220', alias: 'Hall switch' },
];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One line of a figures table: label, right-aligned value, unit and target. */
export const row = (label, value, target = '') =>
  console.log(`${label.padEnd(42)}${value.padStart(5)}${target}`);

/**
 * Presses button `name` of the emulated `hub` and resolves to how many ms passed until the flow
 * reported the press (the flow's listener resolves `waiting`'s entry for the log entry's id).
 */
export async function pressLatency(hub, name, waiting) {
  const pressedAt = performance.now();
  const entry = hub.press(name);
  const arrived = await new Promise((resolve) => waiting.set(entry.id, resolve));
  waiting.delete(entry.id);
  return arrived - pressedAt;
}

/** Requests per second that `counters` took since it read `requests` at `started`. */
export function requestRate(counters, requests, started) {
  return (counters.requests - requests) / ((performance.now() - started) / 1000);
}

/** Requests per second that `counters` takes while nothing happens for IDLE_SECONDS. */
export async function idleRate(counters) {
  const requests = counters.requests;
  const started = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  return requestRate(counters, requests, started);
}

export function quantile(samples, q) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Something a sensor or the switch reports, in turn, between presses. */
function sensorEvent(hub, k) {
  switch (k % 4) {
    case 0:
      return hub.motion('Hall motion');
    case 1:
      return hub.contact('Front door', hub.child('Front door').info.open !== true);
    case 2:
      return hub.climate('Living room', { temperature: 20 + (k % 3) });
    default:
      return hub.toggleSwitch('Hall switch');
  }
}

/**
 * A real Node-RED with the built nodes: a klap-device for the hub at `device` speaking
 * `protocol`, one lamp-event (default interval 1 s) into helper `out` and one lamp-status (default
 * 10 s). Returns the helper node and how to stop it all.
 */
export async function startHubFlow(device, protocol, credentials) {
  helper.init(require.resolve('node-red'));
  await helper.startServer();
  const nodes = ['klap-device', 'lamp-status', 'lamp-event'].map((type) =>
    require(`../../nodes/${type}.js`),
  );
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'hub', type: 'klap-device', host: device.host, port: device.port, protocol, version: 1 },
    // Both at their default intervals: lamp-event 1 s, lamp-status 10 s.
    { id: 'events', type: 'lamp-event', z: 'tab', device: 'hub', wires: [['out']] },
    { id: 'status', type: 'lamp-status', z: 'tab', device: 'hub', wires: [[]] },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
  try {
    await helper.load(nodes, flow, { hub: credentials });
  } catch (error) {
    await helper.stopServer();
    throw error;
  }
  return {
    out: helper.getNode('out'),
    async stop() {
      await helper.unload();
      await helper.stopServer();
    },
  };
}

export async function hubFigures() {
  const credentials = { username: 'bench@example.com', password: 'bench-password' };
  const device = await startEmulator({ model: 'H100', children: CHILDREN, ...credentials });
  const flow = await startHubFlow(device, 'klap', credentials);
  const waiting = new Map();
  try {
    flow.out.on('input', (msg) => {
      const resolve = waiting.get(msg.event?.id);
      if (resolve) resolve(performance.now());
    });
    // Let the reader set its baseline and settle into its rhythm.
    await sleep(3000);

    const counters = device.server.counters;
    const latencies = [];
    const requests = counters.requests;
    const started = performance.now();
    for (let k = 0; k < PRESSES; k++) {
      if (k % 3 === 2) sensorEvent(device.hub, k);
      latencies.push(
        await pressLatency(device.hub, k % 2 === 0 ? 'Door button' : 'Bed button', waiting),
      );
      // A random moment in the reader's second, so every phase of its tick is sampled.
      await sleep(Math.random() * 1000);
    }
    const busy = requestRate(counters, requests, started);
    const idle = await idleRate(counters);

    const p95 = quantile(latencies, 0.95);
    console.log(
      '\nhub (emulated H100 over KLAP: 2 buttons, motion, contact, climate sensor, wall switch;\n' +
        '     lamp-event at its default 1 s, lamp-status at its default 10 s, real Node-RED)',
    );
    console.log('measure                                   measured                  target');
    row('press → lamp-event message, median', quantile(latencies, 0.5).toFixed(0), ' ms');
    row(
      'press → lamp-event message, p95',
      p95.toFixed(0),
      ` ms (n=${latencies.length})      ≤ 1500 ms`,
    );
    row('hub requests per second, while pressing', busy.toFixed(2), '                     ≤ 4');
    row('hub requests per second, nothing happens', idle.toFixed(2), '                     ≤ 4');
  } finally {
    await flow.stop();
    await device.close();
  }
}
