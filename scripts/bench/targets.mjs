// The performance targets of lamp-control, measured, beside a peer client (tp-link-tapo-connect,
// a devDependency) on the same emulator in the same run. Prints a table; judges nothing.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { cpuOf, emulatorProcess } from './emulator-process.mjs';
import { nodeRedTargets } from './node-red.mjs';

const require = createRequire(import.meta.url);
const { connect, LampClient } = require('../../dist/index.js');
const { startEmulator } = require('../../dist/emulator/index.js');
const { loginDeviceByIp } = require('tp-link-tapo-connect/dist/klap-transport');

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

/** Body sizes of the HTTP requests one call writes (to compare with a bare POST of that size). */
async function postSizes(fn) {
  const sizes = [];
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    if (Buffer.isBuffer(chunk)) {
      const end = chunk.indexOf('\r\n\r\n');
      if (end > 0 && chunk.subarray(0, 5).toString() === 'POST ')
        sizes.push(chunk.length - end - 4);
    }
    return write.call(this, chunk, ...rest);
  };
  try {
    await fn();
  } finally {
    net.Socket.prototype.write = write;
  }
  return sizes;
}

function barePost(agent, host, port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        path: '/app/request',
        method: 'POST',
        agent,
        headers: { 'Content-Length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Client CPU per command: ours, a bare keep-alive POST, and the peer, emulator in its own process. */
async function cpu() {
  const device = await emulatorProcess([
    '--model',
    'L530',
    '--username',
    credentials.username,
    '--password',
    credentials.password,
  ]);
  const n = 1000;
  try {
    const target = { host: device.host, port: device.port, ...credentials, discoveryPort: null };
    const client = await connect(target);
    for (let i = 0; i < 100; i++) await client.setState({ brightness: 1 + (i % 100) });
    const [size] = await postSizes(() => client.setState({ brightness: 50 }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = Buffer.alloc(size ?? 200, 1);
    for (let i = 0; i < 100; i++) await barePost(agent, device.host, device.port, body);
    // Interleaved rounds, so that a busy moment of the machine weighs on both alike.
    let oursCpu = 0;
    let bareCpu = 0;
    const rounds = 5;
    const perRound = n / rounds;
    for (let round = 0; round < rounds; round++) {
      oursCpu += await cpuOf(async () => {
        for (let i = 0; i < perRound; i++) await client.setState({ brightness: 1 + (i % 100) });
      });
      bareCpu += await cpuOf(async () => {
        for (let i = 0; i < perRound; i++) await barePost(agent, device.host, device.port, body);
      });
    }
    const ours = oursCpu / n;
    const bare = bareCpu / n;
    await client.close();
    agent.destroy();

    const peer = await loginDeviceByIp(
      credentials.username,
      credentials.password,
      `${device.host}:${device.port}`,
    );
    for (let i = 0; i < 100; i++) await peer.setBrightness(1 + (i % 100));
    const peerReuse =
      (await cpuOf(async () => {
        for (let i = 0; i < n; i++) await peer.setBrightness(1 + (i % 100));
      })) / n;
    const perMessage = 50;
    const peerLogin =
      (await cpuOf(async () => {
        for (let i = 0; i < perMessage; i++) {
          const fresh = await loginDeviceByIp(
            credentials.username,
            credentials.password,
            `${device.host}:${device.port}`,
          );
          await fresh.setBrightness(1 + (i % 100));
        }
      })) / perMessage;

    row('client CPU per command (set + state read back)', `${ours.toFixed(0)} µs`, '');
    row(
      `  bare keep-alive POST of the same size (${body.length} B)`,
      `${bare.toFixed(0)} µs (×${(ours / bare).toFixed(2)})`,
      '≤ 1.5×',
    );
    row(
      '  tp-link-tapo-connect, session reused',
      `${peerReuse.toFixed(0)} µs (×${(ours / peerReuse).toFixed(2)})`,
      '< 1.0×',
    );
    row(
      '  tp-link-tapo-connect, login per message',
      `${peerLogin.toFixed(0)} µs (×${(ours / peerLogin).toFixed(2)})`,
      '',
    );
  } finally {
    device.stop();
  }
}

export async function targets() {
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY']) {
    delete process.env[name]; // the peer's axios must never proxy loopback
  }
  await counted();
  await cpu();
  await nodeRedTargets(row, credentials);
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  console.log('\ntargets (issue #9)');
  console.log(`${'measure'.padEnd(width)}  ${'measured'.padEnd(valueWidth)}  target`);
  for (const [measure, value, target] of rows) {
    console.log(`${measure.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  }
}
