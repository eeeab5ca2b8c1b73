// Client CPU per warm command: ours, tp-link-tapo-connect (session reused) and a bare keep-alive
// POST of the same size, against one emulated L530 in its own process, in rounds (rounds.mjs);
// then the bare POST alone in a fresh process, to show the baseline measured here is sound.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { barePostKind } from './bare-post.mjs';
import { cpuOf, emulatorProcess } from './emulator-process.mjs';
import { rounds } from './rounds.mjs';

const require = createRequire(import.meta.url);
const { connect } = require('../../dist/index.js');
const { loginDeviceByIp } = require('tp-link-tapo-connect/dist/klap-transport');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 1500);

/** Body sizes of the HTTP requests one call writes (to compare with a bare POST of that size). */
export async function postSizes(fn) {
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

/** The bare POST loop alone in a fresh process (nothing else allocating there). */
async function barePostAlone(host, port, bytes) {
  const script = new URL('./bare-post.mjs', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--expose-gc',
    script,
    host,
    String(port),
    String(bytes),
    String(ROUNDS),
    String(PER_ROUND),
  ]);
  return JSON.parse(stdout);
}

const us = (value) => `${value.toFixed(0)} µs`;
const spread = (result) =>
  `${us(result.min)} / ${us(result.median)}${result.gcs === undefined ? '' : `, ${result.gcs} GCs`}`;

export async function commandCpu(row, credentials) {
  const device = await emulatorProcess([
    '--model',
    'L530',
    '--username',
    credentials.username,
    '--password',
    credentials.password,
  ]);
  try {
    const target = { host: device.host, port: device.port, ...credentials, discoveryPort: null };
    const client = await connect(target);
    const [size] = await postSizes(() => client.setState({ brightness: 50 }));
    const peer = await loginDeviceByIp(
      credentials.username,
      credentials.password,
      `${device.host}:${device.port}`,
    );
    const bare = barePostKind(device.host, device.port, size ?? 200);
    const [ours, poll, theirs, baseline] = await rounds(
      [
        { once: (i) => client.setState({ brightness: 1 + (i % 100) }) },
        { once: () => client.getState() },
        { once: (i) => peer.setBrightness(1 + (i % 100)) },
        bare,
      ],
      { rounds: ROUNDS, perRound: PER_ROUND },
    );
    bare.close();
    await client.close();
    const alone = await barePostAlone(device.host, device.port, size ?? 200);

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

    const times = (a, b) => `×${(a / b).toFixed(2)}`;
    row(
      `client CPU per command (set + state read back): min / median of ${ROUNDS} rounds × ${PER_ROUND}, GCs a round`,
      spread(ours),
      '',
    );
    row(
      '  a poll (getState) whose reply is the same as the last one',
      `${spread(poll)} (${times(poll.median, baseline.median)})`,
      '',
    );
    row(
      `  bare keep-alive POST of the same size (${size ?? 200} B)`,
      `${spread(baseline)} (${times(ours.median, baseline.median)})`,
      '≤ 1.5×',
    );
    row('  the same bare POST loop alone in a fresh process', spread(alone), '≈ the line above');
    row(
      '  tp-link-tapo-connect, session reused',
      `${spread(theirs)} (${times(ours.median, theirs.median)})`,
      '< 1.0×',
    );
    row(
      '  tp-link-tapo-connect, login per message',
      `${us(peerLogin)} (${times(ours.median, peerLogin)})`,
      '',
    );
  } finally {
    device.stop();
  }
}

// `node --expose-gc scripts/bench/command-cpu.mjs`: this part of the bench alone.
if (process.argv[1] === new URL(import.meta.url).pathname) {
  const rows = [];
  await commandCpu((...r) => rows.push(r), {
    username: 'bench@example.com',
    password: 'bench-password',
  });
  for (const [measure, value, target] of rows)
    console.log(`${measure.padEnd(80)} ${value.padEnd(34)} ${target}`);
}
