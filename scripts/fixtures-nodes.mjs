/**
 * The second check of scripts/check-fixtures.mjs: each driven dump served over its real protocol
 * on 127.0.0.1 and driven through our nodes as they ship. The repo is built and packed with
 * `npm pack`, the tarball installed offline into a temporary project (as a user's Node-RED gets
 * it), and its klap-device, lamp-status and lamp-control are loaded, by the files its
 * package.json names, into a real Node-RED runtime (node-red-node-test-helper). Each dump gets a
 * flow tab: a klap-device with `protocol: auto` on the emulator's port, a lamp-status and a
 * lamp-control, their outputs and a Catch node wired to helper nodes.
 *
 * Emulators start and close in parallel batches, one flow deploy per batch, so a run over every
 * dump takes seconds, not one Node-RED start per dump.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import helper from 'node-red-node-test-helper';
import { startEmulator } from '../src/emulator/index.ts';
import { packDependencies } from '../test/package/support.ts';
import { compareOutlets, driveOutletsThroughNodes, outletFlow } from './fixtures-outlets.mjs';
import { driveSegmentsThroughNodes } from './fixtures-segments.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TYPES = ['klap-device', 'lamp-control', 'lamp-status', 'lamp-event'];
/** Devices emulated, and flows deployed, at a time. */
const BATCH = 20;
/** Longer than the device timeout below, so a slow device shows as the node's own error. */
const REPLY_MS = 15_000;
const DEVICE_TIMEOUT_S = 5;
// Every emulated device asks for an account, as a real one does once set up in the app; the
// legacy protocol has no login and ignores them.
export const USER = 'fixtures@example.com';
export const PASS = 'Fixture-Passw0rd';

/** A failed check, with the reason shown in the report. */
export class CheckFailure extends Error {}

export function expect(condition, reason) {
  if (!condition) throw new CheckFailure(reason);
}

function npmRun(args, cwd) {
  try {
    return execFileSync(npm, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`npm ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

/**
 * Builds, packs and installs the package into `tmp`; returns the three node modules as Node-RED
 * would load them (the files under the package.json's "node-red" key).
 */
function installPacked(tmp) {
  npmRun(['run', 'build'], root);
  // --ignore-scripts: pack the build just made instead of building again in `prepare`.
  const packed = npmRun(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root);
  const [info] = JSON.parse(packed);
  const project = join(tmp, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'fixture-check', private: true, version: '0.0.0' }),
  );
  // Offline: the runtime dependencies come as tarballs packed from the repo's node_modules.
  npmRun(
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      join(tmp, info.filename),
      ...packDependencies(tmp, root),
    ],
    project,
  );
  const installed = join(project, 'node_modules', '@lamp-control', 'node-red');
  const load = createRequire(join(installed, 'package.json'));
  const manifest = load('./package.json');
  return {
    tarball: info.filename,
    nodes: TYPES.map((type) => load(`./${manifest['node-red'].nodes[type]}`)),
  };
}

/** What the client should end up speaking, as LinkInfo reports it. */
function expectedLink(wire) {
  if (wire.protocol === 'klap') return { protocol: 'KLAP', variant: `KLAP ${wire.klap} ` };
  if (wire.protocol === 'aes')
    return { protocol: 'AES', variant: `AES, login v${wire.loginVersion}` };
  return { protocol: 'XOR', variant: 'Kasa legacy' };
}

/** "KLAP v2", "AES lv1", "XOR": the wire a dump was served over, for the report. */
export function wireLabel(wire) {
  if (!wire) return 'none';
  if (wire.protocol === 'klap') return `KLAP v${wire.klap}`;
  if (wire.protocol === 'aes') return `AES lv${wire.loginVersion}`;
  if (wire.protocol === 'sslaes') return 'sslaes (HTTPS)';
  return 'XOR (TCP)';
}

export const TAB = 'fixtures';

/**
 * The flow's own nodes: the tab every dump's nodes sit on and one Catch node for all of them
 * (the test helper registers a core node type once per node of it, so a second Catch node would
 * fail the deploy); errors name their source node.
 */
export const FRAME = [
  { id: TAB, type: 'tab', label: 'python-kasa dumps' },
  { id: 'catcher', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper', z: TAB },
];

/** The flow nodes of dump number `i` on device port `port`. */
function flowFor(i, port, label, expected) {
  const outlets = expected.outlets ? outletFlow(i, expected, TAB) : [];
  return [
    ...outlets,
    {
      id: `dev${i}`,
      type: 'klap-device',
      name: label,
      host: '127.0.0.1',
      port,
      protocol: 'auto',
      version: 1,
      timeout: DEVICE_TIMEOUT_S,
    },
    // Polls rarely: the check asks for the state itself, so the emulated state only changes
    // through the commands below.
    {
      id: `status${i}`,
      type: 'lamp-status',
      z: TAB,
      device: `dev${i}`,
      interval: 3600,
      output: 'state',
      wires: [[`statusOut${i}`]],
    },
    {
      id: `control${i}`,
      type: 'lamp-control',
      z: TAB,
      device: `dev${i}`,
      action: 'payload',
      wires: [[`controlOut${i}`]],
    },
    { id: `statusOut${i}`, type: 'helper', z: TAB },
    { id: `controlOut${i}`, type: 'helper', z: TAB },
  ];
}

export function node(id) {
  const found = helper.getNode(id);
  if (!found) throw new Error(`node ${id} is not deployed`);
  return found;
}

/**
 * Sends `msg` into node `target` and resolves with the next message at helper `out`; rejects
 * with the error when the Catch node gets one from `target` first.
 */
export function exchange(target, out, msg) {
  const outNode = node(out);
  const caughtNode = node('caught');
  return new Promise((resolve, reject) => {
    const finish = (error, reply) => {
      clearTimeout(timer);
      outNode.off('input', onOut);
      caughtNode.off('input', onCaught);
      if (error) reject(error);
      else resolve(reply);
    };
    const onOut = (reply) => finish(null, reply);
    const onCaught = (reply) => {
      if (reply.error?.source?.id !== target) return;
      const { message, code } = reply.error;
      finish(new CheckFailure(`${JSON.stringify(msg.payload ?? {})}: ${code ?? ''} ${message}`));
    };
    const timer = setTimeout(
      () => finish(new CheckFailure(`no answer from ${target} within ${REPLY_MS / 1000} s`)),
      REPLY_MS,
    );
    outNode.on('input', onOut);
    caughtNode.on('input', onCaught);
    node(target).receive(msg);
  });
}

/** Drives dump number `i` (its flow deployed, its emulator running) through the nodes. */
async function driveNodes(plan, i, emulator, exercise) {
  const { expected } = plan;
  const probe = plan.probe(emulator.device);
  const control = (payload) => exchange(`control${i}`, `controlOut${i}`, { payload });

  const status = (await exchange(`status${i}`, `statusOut${i}`, {})).payload;
  expect(status.on === expected.on, `status power ${status.on}, dump says ${expected.on}`);
  expect(status.model === expected.model, `status model "${status.model}" ≠ "${expected.model}"`);
  expect(status.alias === expected.alias, `status alias "${status.alias}" ≠ "${expected.alias}"`);

  // `auto` must have found the dump's own protocol and variant, not merely something that works.
  const link = node(`dev${i}`).hub.link();
  const wanted = expectedLink(plan.wire);
  expect(
    link.protocol === wanted.protocol && String(link.variant).startsWith(wanted.variant),
    `auto found ${link.protocol} (${link.variant}), the dump speaks ${wireLabel(plan.wire)}`,
  );

  // Before the strip is switched as a whole: the outlets are still as the dump has them.
  if (expected.outlets) {
    compareOutlets(status.outlets, expected.outlets, expect, 'status node of the strip');
    await driveOutletsThroughNodes(i, emulator.device, expected, exchange, expect);
    exercise('outlets');
  }
  for (const on of [!expected.on, expected.on]) {
    const reply = (await control({ on })).payload;
    expect(reply.on === on, `{on:${on}} reported on: ${reply.on}`);
    expect(probe.on() === on, `{on:${on}} did not reach the device`);
  }
  exercise('on/off');
  if (expected.brightness) {
    const reply = (await control({ brightness: 37 })).payload;
    expect(reply.brightness === 37, `brightness 37 reported as ${reply.brightness}`);
    expect(probe.brightness() === 37, `brightness 37 reached the device as ${probe.brightness()}`);
    exercise('brightness');
  }
  if (expected.color) {
    const reply = (await control({ hue: 120, saturation: 80 })).payload;
    expect(
      reply.hue === 120 && reply.saturation === 80,
      `hue/saturation 120/80 reported as ${reply.hue}/${reply.saturation}`,
    );
    expect(
      probe.hue() === 120 && probe.saturation() === 80,
      `hue/saturation 120/80 reached the device as ${probe.hue()}/${probe.saturation()}`,
    );
    exercise('hue/saturation');
  }
  if (plan.colorTempRange) {
    const { min, max } = plan.colorTempRange;
    const kelvin = Math.round((min + max) / 200) * 100;
    const reply = (await control({ colorTemp: kelvin })).payload;
    expect(reply.colorTemp === kelvin, `colorTemp ${kelvin} reported as ${reply.colorTemp}`);
    expect(
      probe.colorTemp() === kelvin,
      `colorTemp ${kelvin} reached the device as ${probe.colorTemp()}`,
    );
    exercise('colorTemp');
  }

  await driveSegmentsThroughNodes(control, emulator.device, expected.segments, expect, exercise);

  // Beyond on/off through the packed nodes (docs/features.md): what the dump says the device has.
  const features = expected.features ?? {};
  if (features.led !== undefined) {
    const reply = (await control({ led: !features.led })).payload;
    expect(reply.led === !features.led, `led ${!features.led} reported as ${reply.led}`);
    exercise('led');
  }
  if (features.presetCount) {
    const reply = (await control({ preset: 1 })).payload;
    expect(
      reply.on === true && reply.presets?.length === features.presetCount,
      `preset 1 reported on ${reply.on} with ${reply.presets?.length} presets`,
    );
    exercise('preset');
  }
  if (features.history) {
    const reply = (await control({ energyHistory: { interval: 'day' } })).payload;
    expect(
      Array.isArray(reply) &&
        reply.length === new Date().getDate() &&
        reply.every((p) => typeof p.t === 'string' && typeof p.wh === 'number'),
      `energyHistory by day answered ${JSON.stringify(reply).slice(0, 80)}`,
    );
    exercise('energyHistory');
  }

  // The status node reads what the commands left on the device, not a state it was told.
  const after = (await exchange(`status${i}`, `statusOut${i}`, {})).payload;
  expect(
    after.on === probe.on(),
    `status power ${after.on} after the commands, device ${probe.on()}`,
  );
  if (expected.brightness) {
    expect(
      after.brightness === probe.brightness(),
      `status brightness ${after.brightness} after the commands, device ${probe.brightness()}`,
    );
  }
}

/** Runs a check: 'ok', or 'failed' with the reason. */
export async function attempt(body) {
  try {
    await body();
    return { outcome: 'ok' };
  } catch (error) {
    const reason =
      error instanceof CheckFailure ? error.message : `${error.name}: ${error.message}`;
    return { outcome: 'failed', reason };
  }
}

/** One batch: emulators up, one deploy, every dump driven at once, then all torn down. */
async function runBatch(batch, offset, nodes, exercise) {
  const emulators = await Promise.allSettled(
    batch.map(({ wire, model }) =>
      startEmulator({
        model: model(),
        host: '127.0.0.1',
        port: 0,
        username: wire.protocol === 'legacy' ? undefined : USER,
        password: wire.protocol === 'legacy' ? undefined : PASS,
        protocol: wire.protocol,
        klap: wire.klap,
        loginVersion: wire.loginVersion,
      }),
    ),
  );
  const flow = [...FRAME];
  const credentials = {};
  emulators.forEach((started, k) => {
    if (started.status !== 'fulfilled') return;
    flow.push(...flowFor(offset + k, started.value.port, batch[k].file, batch[k].expected));
    credentials[`dev${offset + k}`] = { username: USER, password: PASS };
  });
  try {
    // A flow Node-RED refuses fails every dump of the batch, with its reason, not the run.
    const deployed = await attempt(() => helper.load(nodes, flow, credentials));
    await Promise.all(
      batch.map(async (plan, k) => {
        const started = emulators[k];
        if (started.status !== 'fulfilled') {
          plan.nodes = {
            outcome: 'failed',
            reason: `emulator did not start: ${started.reason.message}`,
          };
        } else if (deployed.outcome === 'failed') {
          plan.nodes = { outcome: 'failed', reason: `deploy failed: ${deployed.reason}` };
        } else {
          plan.nodes = await attempt(() => driveNodes(plan, offset + k, started.value, exercise));
        }
      }),
    );
  } finally {
    await helper.unload();
    await Promise.all(
      emulators.filter((s) => s.status === 'fulfilled').map((s) => s.value.close()),
    );
  }
}

/**
 * Drives every plan with a wire through the packed nodes; sets `plan.nodes` to its outcome
 * (plans without a wire are skipped with the reason), then runs `more(nodes, helper)` in the
 * same runtime (the hub dumps). Returns what the report shows about it.
 */
export async function checkThroughNodes(plans, more) {
  const exercised = new Map();
  const exercise = (feature) => exercised.set(feature, (exercised.get(feature) ?? 0) + 1);
  const tmp = mkdtempSync(join(tmpdir(), 'lamp-control-fixtures-'));
  const started = Date.now();
  try {
    const { tarball, nodes } = installPacked(tmp);
    const packSeconds = (Date.now() - started) / 1000;
    helper.init(require.resolve('node-red'));
    await helper.startServer();
    const wired = [];
    for (const plan of plans) {
      if (plan.wire) wired.push(plan);
      else
        plan.nodes = { outcome: 'skipped', reason: `${plan.protocol} is not emulated on the wire` };
    }
    try {
      for (let offset = 0; offset < wired.length; offset += BATCH) {
        await runBatch(wired.slice(offset, offset + BATCH), offset, nodes, exercise);
      }
      await more?.(nodes, helper);
    } finally {
      await helper.stopServer();
    }
    return {
      tarball,
      exercised,
      packSeconds,
      flowSeconds: (Date.now() - started) / 1000 - packSeconds,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
