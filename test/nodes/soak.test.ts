/**
 * Soak: 5,000 messages through lamp-control nodes on four devices (KLAP lamp and plug, AES
 * lamp, Kasa legacy bulb), with status nodes polling alongside, while faults are injected at
 * random (seeded; the seed is printed, SEED=<n> replays a run).
 *
 * Every message completes exactly once, sent on or delivered to Catch, and the counts add up.
 * Faults the session can survive (dropped connections, expiries, in-payload 9999, reboots,
 * closing after every answer, latency) cost no message at all; faults that must surface
 * (a hung device, a reply we cannot read or trust, an unplugged device) fail only messages to
 * that device, with the codes that say so. No unhandled rejection.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import type { AesServer } from '../../src/emulator/wire/aes-server';
import type { KlapServer } from '../../src/emulator/wire/klap-server';
import type { XorServer } from '../../src/emulator/wire/xor-server';
import type { DeviceHub } from '../../src/nodes/shared/device-hub';
import { LOGIN_PACING } from '../../src/transport/login-pacer';
import { type Random, seededRandom, testSeed } from './random';
import {
  allNodes,
  catchNodes,
  caughtError,
  collect,
  type FlowNode,
  getNode,
  helper,
  helperNode,
  PASS,
  TAB,
  USER,
  until,
} from './support';

const MESSAGES = 5000;
const BATCH = 50;
/**
 * Per-step timeout of every device, seconds: short, so that a hung device costs little, yet
 * long enough that a busy machine (other test files, a stalled event loop) does not turn a
 * fault that must cost nothing into a timeout.
 */
const TIMEOUT_S = 1.5;
/** Hangs per run at most: each costs TIMEOUT_S. */
const MAX_HANGS = 3;

interface Device {
  id: string;
  options: EmulatorOptions;
  plug: boolean;
  emulated?: EmulatedDevice;
}

const DEVICES: Device[] = [
  { id: 'klapLamp', options: { model: 'L530', protocol: 'klap' }, plug: false },
  { id: 'klapPlug', options: { model: 'P100', protocol: 'klap' }, plug: true },
  { id: 'aesLamp', options: { model: 'L510', protocol: 'aes' }, plug: false },
  { id: 'kasaBulb', options: { model: 'KL130', protocol: 'legacy' }, plug: false },
];

/** A fault and the error codes it may cause on its device (none: it must cost nothing). */
interface Fault {
  name: string;
  /** Whether this device's wire has it. */
  applies(d: EmulatedDevice): boolean;
  /** Starts the fault; resolves once the batch may be sent. Returns a cleanup to run later. */
  start(d: EmulatedDevice, r: Random): Promise<(() => Promise<void> | void) | undefined>;
  surfaces: string[];
  /** How often it is picked relative to the others (default 1): a hang costs a whole timeout. */
  weight?: number;
}

const http = (d: EmulatedDevice) => d.protocol !== 'legacy';
const sessions = (d: EmulatedDevice) => d.server as KlapServer | AesServer;

const FAULTS: Fault[] = [
  {
    name: 'none',
    applies: () => true,
    start: async () => undefined,
    surfaces: [],
  },
  {
    name: 'dropped connections (1-2)',
    applies: () => true,
    start: async (d, r) => {
      d.server.faults.dropConnections = r.int(1, 2);
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'expired sessions (1-2)',
    applies: http,
    start: async (d, r) => {
      sessions(d).faults.expireSessions = r.int(1, 2);
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'session dead inside the payload (9999)',
    applies: (d) => d.protocol === 'klap',
    start: async (d, r) => {
      d.klap.faults.sessionTimeoutError = r.int(1, 2);
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'reboot',
    applies: () => true,
    start: async (d) => {
      await d.unplug();
      await d.plugIn();
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'close after every answer',
    applies: () => true,
    start: async (d) => {
      d.server.faults.closeConnections = true;
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'latency well within the timeout',
    applies: () => true,
    start: async (d, r) => {
      d.server.faults.latencyMs = r.int(1, 10);
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'a reply cut short, then closed',
    applies: (d) => d.protocol === 'legacy',
    start: async (d) => {
      (d.server as XorServer).faults.truncatedReplies = 1;
      return undefined;
    },
    surfaces: [],
  },
  {
    name: 'hung for a moment',
    applies: () => true,
    start: async (d, r) => {
      d.server.faults.hang = true;
      const timer = setTimeout(
        () => {
          d.server.faults.hang = false;
        },
        r.int(50, 700),
      );
      return () => clearTimeout(timer);
    },
    surfaces: ['TIMEOUT'],
    weight: 0.25,
  },
  {
    name: 'a reply that is not JSON',
    applies: () => true,
    start: async (d) => {
      d.server.faults.malformedReplies = 1;
      return undefined;
    },
    surfaces: ['MALFORMED'],
  },
  {
    name: 'forged signatures for a moment',
    applies: (d) => d.protocol === 'klap',
    start: async (d, r) => {
      d.klap.faults.forgeSignature = true;
      const timer = setTimeout(
        () => {
          d.klap.faults.forgeSignature = false;
        },
        r.int(1, 30),
      );
      return () => clearTimeout(timer);
    },
    surfaces: ['INTEGRITY'],
  },
  {
    name: 'unplugged for a moment',
    applies: () => true,
    start: async (d, r) => {
      await d.unplug();
      const plugging = new Promise<void>((resolve) => {
        setTimeout(() => void d.plugIn().then(resolve, resolve), r.int(10, 150));
      });
      return () => plugging;
    },
    surfaces: ['UNREACHABLE', 'TIMEOUT'],
  },
];

function pickWeighted(r: Random, faults: Fault[]): Fault {
  const total = faults.reduce((sum, f) => sum + (f.weight ?? 1), 0);
  let x = r.next() * total;
  for (const fault of faults) {
    x -= fault.weight ?? 1;
    if (x < 0) return fault;
  }
  return faults[faults.length - 1] as Fault;
}

/** Resets every switch a fault may have left (unconsumed counts included). */
function clearFaults(d: EmulatedDevice): void {
  Object.assign(d.server.faults, {
    latencyMs: 0,
    hang: false,
    dropConnections: 0,
    closeConnections: false,
    malformedReplies: 0,
  });
  if (d.protocol === 'klap') {
    Object.assign(d.klap.faults, {
      expireSessions: 0,
      sessionTimeoutError: 0,
      forgeSignature: false,
    });
  } else if (d.protocol === 'aes') {
    d.aes.faults.expireSessions = 0;
  } else {
    d.legacy.faults.truncatedReplies = 0;
  }
}

function payloadFor(device: Device, r: Random): { payload: unknown; valid: boolean } {
  if (r.chance(0.04)) {
    return {
      payload: r.pick<unknown>([{ brightness: 0 }, 'dim', { colour: 'red' }, Number.NaN]),
      valid: false,
    };
  }
  const power = [true, false, 'on', 'off', 'toggle'];
  if (device.plug || r.chance(0.4)) return { payload: r.pick(power), valid: true };
  const brightness = r.int(1, 100);
  return {
    payload: r.pick<unknown>([brightness, { brightness }, { on: true, brightness }]),
    valid: true,
  };
}

describe('soak', () => {
  const unhandled: unknown[] = [];
  const onRejection = (reason: unknown) => unhandled.push(reason);
  // The soak packs hours of session faults into seconds, more lost sessions a minute than the
  // login pacing lets pass (it would take them for another app's); pacing has its own tests
  // (session-sharing.test.ts), so it is off here.
  const pacing = { ...LOGIN_PACING };
  before(async () => {
    process.on('unhandledRejection', onRejection);
    LOGIN_PACING.freeLogins = Number.POSITIVE_INFINITY;
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    Object.assign(LOGIN_PACING, pacing);
    process.removeListener('unhandledRejection', onRejection);
  });
  afterEach(async () => {
    await helper.unload();
    await Promise.all(DEVICES.map((d) => d.emulated?.close()));
  });

  it(`${MESSAGES} messages on four devices with random faults: each ends exactly once`, async () => {
    const seed = testSeed('soak');
    const r = seededRandom(seed);
    const flow: FlowNode[] = [{ id: TAB, type: 'tab', label: 'soak' } as FlowNode, ...catchNodes()];
    const credentials: Record<string, Record<string, string>> = {};
    const nodes: { id: string; device: Device }[] = [];
    for (const device of DEVICES) {
      const d = await startEmulator({ port: 0, username: USER, password: PASS, ...device.options });
      device.emulated = d;
      flow.push({
        id: device.id,
        type: 'klap-device',
        name: `device ${device.id}`,
        host: d.host,
        port: d.port,
        protocol: d.protocol,
        version: 1,
        timeout: TIMEOUT_S,
      });
      credentials[device.id] = { username: USER, password: PASS };
      for (const n of [1, 2]) {
        const id = `${device.id}-ctl${n}`;
        flow.push({
          id,
          type: 'lamp-control',
          z: TAB,
          device: device.id,
          action: 'payload',
          wires: [['out']],
        });
        nodes.push({ id, device });
      }
      flow.push({
        id: `${device.id}-st`,
        type: 'lamp-status',
        z: TAB,
        device: device.id,
        interval: 0.5,
        output: 'state',
        wires: [['polled']],
      });
    }
    flow.push(helperNode('out'), helperNode('polled'));
    await helper.load(allNodes, flow, credentials);
    const outputs = collect('out');
    const caught = collect('caught');
    // Start once every device has answered its connect-at-deploy read (logins done).
    const hubs = DEVICES.map((device) => (getNode(device.id) as unknown as { hub: DeviceHub }).hub);
    await until(() => hubs.every((hub) => hub.isOnline === true), 'every device online', 10_000);

    /** What each message was: its device and whether it could succeed, by msg.n. */
    const sent: { device: Device; valid: boolean; faulted: Fault | null }[] = [];
    const faultsUsed = new Map<string, number>();
    const faultMs = new Map<string, number>();
    const started = Date.now();
    for (let batch = 0; sent.length < MESSAGES; batch += 1) {
      // One fault per batch on one device, started while nothing is in flight.
      const target = r.pick(DEVICES);
      const d = target.emulated as EmulatedDevice;
      // A hang costs a whole step timeout: a few are enough (the fault matrix has the rest).
      const hangs = faultsUsed.get('hung for a moment') ?? 0;
      const fault = pickWeighted(
        r,
        FAULTS.filter((f) => f.applies(d) && (f.name !== 'hung for a moment' || hangs < MAX_HANGS)),
      );
      faultsUsed.set(fault.name, (faultsUsed.get(fault.name) ?? 0) + 1);
      const batchStarted = Date.now();
      const cleanup = await fault.start(d, r);
      const expected = sent.length + BATCH;
      for (let i = 0; i < BATCH; i += 1) {
        const { id, device } = r.pick(nodes);
        const { payload, valid } = payloadFor(device, r);
        const n = sent.length;
        sent.push({ device, valid, faulted: device === target ? fault : null });
        getNode(id).receive({ payload, n } as unknown as NodeMessage);
      }
      await until(
        () => outputs.length + caught.length >= expected,
        `batch ${batch} (seed ${seed}, fault ${fault.name} on ${target.id})`,
        15_000,
      );
      await cleanup?.();
      for (const device of DEVICES) clearFaults(device.emulated as EmulatedDevice);
      faultMs.set(fault.name, (faultMs.get(fault.name) ?? 0) + Date.now() - batchStarted);
    }
    const seconds = (Date.now() - started) / 1000;

    // Exactly once: every n once, in outputs or at Catch, never both; nothing extra.
    const ended = new Map<number, 'out' | 'caught'>();
    for (const [where, list] of [
      ['out', outputs],
      ['caught', caught],
    ] as const) {
      for (const msg of list) {
        const n = (msg as unknown as { n: number }).n;
        assert.equal(ended.get(n), undefined, `message ${n} ended twice (seed ${seed})`);
        ended.set(n, where);
      }
    }
    assert.equal(outputs.length + caught.length, MESSAGES, 'the counts add up');
    assert.equal(ended.size, MESSAGES);

    const codes = new Map<string, number>();
    for (const msg of caught) {
      const n = (msg as unknown as { n: number }).n;
      const { device, valid, faulted } = sent[n] as (typeof sent)[number];
      const error = caughtError(msg);
      const code = String(error.code);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      const why = `message ${n} to ${device.id} (seed ${seed}, fault ${faulted?.name ?? 'none'}): ${error.message}`;
      if (!valid) {
        assert.equal(code, 'INVALID_COMMAND', why);
        continue;
      }
      // A command that could succeed fails only by a fault that must surface, on its device.
      assert.ok(faulted?.surfaces.includes(code), why);
    }
    for (const msg of outputs) {
      const n = (msg as unknown as { n: number }).n;
      assert.ok(sent[n]?.valid, `invalid message ${n} was sent on (seed ${seed})`);
    }
    const invalid = sent.filter((s) => !s.valid).length;
    assert.equal(codes.get('INVALID_COMMAND') ?? 0, invalid, 'every invalid message at Catch');
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
    console.log(
      `# soak: seed ${seed}, ${MESSAGES} messages in ${seconds.toFixed(1)} s: ${outputs.length} sent on, ` +
        `${caught.length} at Catch (${[...codes].map(([c, k]) => `${c} ${k}`).join(', ')}); faults: ` +
        [...faultsUsed].map(([f, k]) => `${f} ×${k} (${faultMs.get(f)} ms)`).join(', '),
    );
  });
});
