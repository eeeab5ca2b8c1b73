// One Node-RED polling a fleet (a klap-device and a lamp-status each, every 2 s) against plain
// keep-alive POSTs to the same ports at the same rate, one after the other in the same process:
// what the nodes, the library and the protocol add to the round trips a poll cannot avoid.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { barePost } from './bare-post.mjs';
import { postSizes } from './command-cpu.mjs';
import { median } from './emulator-process.mjs';
import { deviceFarm, helper, nodes } from './node-red.mjs';

const require = createRequire(import.meta.url);
const { connect } = require('../../dist/index.js');

const PERIOD_MS = 2000;
const WINDOWS = Number(process.env.BENCH_FLEET_WINDOWS ?? 5);
const WINDOW_SECONDS = Number(process.env.BENCH_FLEET_SECONDS ?? 20);

/** % of a core this process used over WINDOW_SECONDS, and the polls per second `count()` saw. */
async function window(count) {
  globalThis.gc?.();
  const polls = count();
  const before = process.cpuUsage();
  const start = performance.now();
  await sleep(WINDOW_SECONDS * 1000);
  const used = process.cpuUsage(before);
  const elapsed = performance.now() - start;
  return {
    percent: (100 * (used.user + used.system)) / (elapsed * 1000),
    perSecond: (count() - polls) / (elapsed / 1000),
  };
}

/** Min and median of the windows' shares, and their mean poll rate. */
function summary(windows) {
  const shares = windows.map((w) => w.percent);
  return {
    min: Math.min(...shares),
    median: median(shares),
    perSecond: windows.reduce((sum, w) => sum + w.perSecond, 0) / windows.length,
  };
}

/** The requests every hub's client has had answered (0 where it has none yet). */
function answered(count) {
  let total = 0;
  for (let i = 0; i < count; i++) {
    // Bench only: the hub's client and its transport (inside the client's identity guard) are
    // private to the library.
    const guard = helper.getNode(`dev${i}`)?.hub?.client?.transport;
    total += (guard?.transport ?? guard)?.stats?.requests ?? 0;
  }
  return total;
}

async function polledByNodeRed(farm, credentials) {
  const flow = [{ id: 'tab', type: 'tab' }];
  const creds = {};
  farm.devices.forEach((d, i) => {
    flow.push({
      id: `dev${i}`,
      type: 'klap-device',
      host: d.host,
      port: d.port,
      protocol: 'klap',
      version: 1,
    });
    flow.push({
      id: `st${i}`,
      type: 'lamp-status',
      z: 'tab',
      device: `dev${i}`,
      interval: PERIOD_MS / 1000,
      output: 'state',
      wires: [[]],
    });
    creds[`dev${i}`] = credentials;
  });
  await helper.load(nodes, flow, creds);
  try {
    // Every device logs in at deploy; then a few polls each before measuring.
    await sleep(10_000);
    return await window(() => answered(farm.devices.length));
  } finally {
    await helper.unload();
  }
}

/** The same ports polled by plain POSTs, each re-armed PERIOD_MS after its reply, as the poller does. */
async function plainPosts(farm, bytes) {
  const body = Buffer.alloc(bytes, 1);
  let replies = 0;
  let stopped = false;
  const agents = farm.devices.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const timers = [];
  farm.devices.forEach((d, i) => {
    const poll = async () => {
      await barePost(agents[i], d.host, d.port, body).catch(() => undefined);
      replies += 1;
      if (!stopped) timers[i] = setTimeout(poll, PERIOD_MS);
    };
    void poll();
  });
  try {
    await sleep(2 * PERIOD_MS); // every socket open, two polls each
    return await window(() => replies);
  } finally {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    for (const agent of agents) agent.destroy();
  }
}

/** The mean body size of one poll's request over the farm's four models. */
async function pollBytes(farm, credentials) {
  const sizes = [];
  for (const d of farm.devices.slice(0, 4)) {
    const client = await connect({ ...d, ...credentials, discoveryPort: null });
    await client.getState();
    sizes.push(...(await postSizes(() => client.getState())));
    await client.close();
  }
  return Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
}

export async function fleet(row, credentials, devices = 500) {
  const farm = await deviceFarm(credentials, devices);
  await helper.startServer();
  try {
    const bytes = await pollBytes(farm, credentials);
    // Alternating windows, so that a busy moment of the machine weighs on both alike.
    const oursWindows = [];
    const plainWindows = [];
    for (let w = 0; w < WINDOWS; w++) {
      oursWindows.push(await polledByNodeRed(farm, credentials));
      await sleep(1000); // the last sockets close
      plainWindows.push(await plainPosts(farm, bytes));
    }
    const ours = summary(oursWindows);
    const plain = summary(plainWindows);
    // Each Node-RED window against the plain one right after it: the machine's slower and
    // faster moments (the plain figure alone moves by a quarter between runs) weigh on both.
    const pairs = oursWindows.map((w, i) => w.percent / plainWindows[i].percent);
    const share = (r) =>
      `${r.min.toFixed(1)} / ${r.median.toFixed(1)} % of a core, ${r.perSecond.toFixed(0)} polls/s`;
    row(
      `${devices} devices polled every 2 s by Node-RED (klap-device + lamp-status each): min / median of ${WINDOWS} × ${WINDOW_SECONDS} s`,
      share(ours),
      '',
    );
    row(
      `  plain keep-alive POSTs (${bytes} B) to the same ${devices} ports every 2 s`,
      `${share(plain)} (×${(ours.median / plain.median).toFixed(2)} of the medians)`,
      '',
    );
    row(
      '  Node-RED / plain, window by window: median (min – max)',
      `×${median(pairs).toFixed(2)} (×${Math.min(...pairs).toFixed(2)} – ×${Math.max(...pairs).toFixed(2)})`,
      '≤ 1.0×',
    );
  } finally {
    await helper.stopServer();
    farm.stop();
  }
}

// `node --expose-gc scripts/bench/fleet.mjs [DEVICES]`: this part of the bench alone.
if (process.argv[1] === new URL(import.meta.url).pathname) {
  const rows = [];
  await fleet(
    (...r) => rows.push(r),
    {
      username: 'bench@example.com',
      password: 'bench-password',
    },
    Number(process.argv[2] ?? 500),
  );
  for (const [measure, value, target] of rows) console.log(`${measure}\n    ${value}  ${target}`);
}
