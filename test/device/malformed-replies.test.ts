/**
 * The emulator's malformed replies never crash the process that talks to them: every
 * malformed-reply fault of every wire, at login and mid-session, driven through the library
 * (LampClient: connect, getState, setState, raw request). Each call either works (the session
 * recovers by itself) or rejects with a LampError carrying a documented code; the next call
 * once the fault is gone works; nothing escapes as an unhandled rejection or exception.
 * (The same faults through the Node-RED nodes: test/nodes/fault-matrix.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type LampClient } from '../../src/device/client';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import type { AesServer } from '../../src/emulator/wire/aes-server';
import type { KlapServer } from '../../src/emulator/wire/klap-server';
import { LampError, type LampErrorCode } from '../../src/transport/errors';

const USER = 'owner@example.com';
const PASS = 'malformed-test-pw';

const CODES: ReadonlySet<LampErrorCode> = new Set([
  'AUTH_FAILED',
  'UNREACHABLE',
  'TIMEOUT',
  'THIRD_PARTY_DISABLED',
  'NOT_KLAP',
  'WRONG_PROTOCOL',
  'UNSUPPORTED_PROTOCOL',
  'HANDSHAKE_FAILED',
  'SESSION_EXPIRED',
  'INTEGRITY',
  'MALFORMED',
  'DEVICE_ERROR',
]);

type Wire = 'klap' | 'aes' | 'legacy';
const MODELS: Record<Wire, EmulatorOptions> = {
  klap: { model: 'L530', protocol: 'klap' },
  aes: { model: 'L510', protocol: 'aes' },
  legacy: { model: 'KL130', protocol: 'legacy' },
};

interface Fault {
  name: string;
  wires: Wire[];
  set(d: EmulatedDevice): void;
}

const http = (d: EmulatedDevice) => d.server as KlapServer | AesServer;

const FAULTS: Fault[] = [
  ...[1, 3].map((n) => ({
    name: `${n} undecodable replies`,
    wires: ['klap', 'aes', 'legacy'] as Wire[],
    set: (d: EmulatedDevice) => {
      d.server.faults.malformedReplies = n;
    },
  })),
  ...[200, 400, 401, 403, 404, 500, 503].map((status) => ({
    name: `HTTP ${status} with an empty body to everything`,
    wires: ['klap', 'aes'] as Wire[],
    set: (d: EmulatedDevice) => {
      http(d).faults.httpStatus = status;
    },
  })),
  ...[200, 302, 500].map((status) => ({
    name: `handshake1 answered ${status} with an empty body`,
    wires: ['klap'] as Wire[],
    set: (d: EmulatedDevice) => {
      d.klap.faults.handshake1Status = status;
    },
  })),
  {
    name: 'a short handshake1',
    wires: ['klap'],
    set: (d) => {
      d.klap.faults.shortHandshake = true;
    },
  },
  {
    name: 'forged signatures',
    wires: ['klap'],
    set: (d) => {
      d.klap.faults.forgeSignature = true;
    },
  },
  {
    name: 'the RSA key refused',
    wires: ['aes'],
    set: (d) => {
      d.aes.faults.rejectPublicKey = true;
    },
  },
  {
    name: 'replies in clear',
    wires: ['aes'],
    set: (d) => {
      d.aes.faults.plaintextReplies = true;
    },
  },
  ...[1, 3].map((n) => ({
    name: `${n} replies cut short`,
    wires: ['legacy'] as Wire[],
    set: (d: EmulatedDevice) => {
      d.legacy.faults.truncatedReplies = n;
    },
  })),
];

function clear(d: EmulatedDevice): void {
  Object.assign(d.server.faults, { malformedReplies: 0 });
  if (d.protocol === 'klap') {
    Object.assign(d.klap.faults, {
      httpStatus: null,
      handshake1Status: null,
      shortHandshake: false,
      forgeSignature: false,
    });
  } else if (d.protocol === 'aes') {
    Object.assign(d.aes.faults, {
      httpStatus: null,
      rejectPublicKey: false,
      plaintextReplies: false,
    });
  } else {
    d.legacy.faults.truncatedReplies = 0;
  }
}

/** Runs `call`: it must resolve, or reject with a LampError with a documented code. */
async function survives(what: string, call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof LampError, `${what}: ${String(error)}`);
    assert.ok(CODES.has(error.code), `${what}: code ${error.code}`);
    assert.ok(!error.message.includes(PASS), `${what}: the password in the message`);
    return error.code;
  }
}

describe('malformed replies never crash the process (library)', () => {
  const problems: unknown[] = [];
  const onProblem = (reason: unknown) => problems.push(reason);
  before(() => {
    process.on('unhandledRejection', onProblem);
    process.on('uncaughtException', onProblem);
  });
  after(() => {
    process.off('unhandledRejection', onProblem);
    process.off('uncaughtException', onProblem);
    assert.deepEqual(problems, [], 'nothing escaped');
  });

  for (const wire of ['klap', 'aes', 'legacy'] as const) {
    it(`${wire}: every malformed-reply fault, at login and mid-session`, async () => {
      const d = await startEmulator({ port: 0, username: USER, password: PASS, ...MODELS[wire] });
      const options = {
        host: d.host,
        port: d.port,
        protocol: wire,
        username: USER,
        password: PASS,
        timeoutMs: 500,
        discoveryPort: null,
      } as const;
      const outcomes: string[] = [];
      try {
        for (const fault of FAULTS.filter((f) => f.wires.includes(wire))) {
          // At login: a fresh connect() meets the fault.
          d.server.forgetSessions();
          fault.set(d);
          let client: LampClient | undefined;
          const login = await survives(`${fault.name} at login`, async () => {
            client = await connect(options);
          });
          clear(d);
          await client?.close();

          // Mid-session: an open client meets it on each kind of call.
          const open = await connect(options);
          try {
            fault.set(d);
            const calls: [string, () => Promise<unknown>][] = [
              ['getState', () => open.getState()],
              ['setState', () => open.setState({ on: true, brightness: 40 })],
              [
                'request',
                () => open.request(wire === 'legacy' ? 'system.get_sysinfo' : 'get_device_info'),
              ],
            ];
            const mid: string[] = [];
            for (const [name, call] of calls)
              mid.push(await survives(`${fault.name}: ${name}`, call));
            clear(d);
            const state = await open.getState();
            assert.equal(state.online, true, `${fault.name}: the next call works`);
            outcomes.push(`${fault.name}: login ${login}, mid-session ${mid.join('/')}`);
          } finally {
            await open.close();
          }
        }
      } finally {
        await d.close();
      }
      console.log(outcomes.map((line) => `# ${wire} ${line}`).join('\n'));
      assert.ok(outcomes.length >= 4, outcomes.join('\n'));
      assert.ok(
        outcomes.some((line) => /MALFORMED/.test(line)),
        outcomes.join('\n'),
      );
    });
  }
});
