/**
 * Fuzzing lamp-control: well over a thousand random bad inputs (wrong types, NaN, Infinity,
 * huge and negative numbers, nested junk, `__proto__` / `constructor` keys from JSON.parse, very
 * long strings, raw requests with junk) each reach Catch with INVALID_COMMAND and a message that
 * names the property, while the device sees no request at all and no prototype is polluted.
 * Seeded: the seed is printed, SEED=<n> replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { parseCommand } from '../../src/device/command';
import { type Random, seededRandom, testSeed } from './random';
import {
  caughtError,
  collect,
  controlNode,
  deploy,
  getNode,
  helper,
  helperNode,
  hubOf,
  nextMessage,
  until,
  useEmulator,
} from './support';

/** One bad input and the name its error must carry. */
interface Case {
  msg: Record<string, unknown>;
  /** Text the error message must contain (the property, or the i18n key naming it). */
  names: string;
  /** The node it goes to: `ctl` (action from payload) or `tgl` (fixed toggle). */
  node: 'ctl' | 'tgl';
}

const MESSAGES = 1200;
const LONG = 100_000;

/** Junk of every type, never a valid value for anything. */
function junk(r: Random, depth = 0): unknown {
  const kind = r.int(0, depth > 2 ? 9 : 12);
  switch (kind) {
    case 0:
      return Number.NaN;
    case 1:
      return r.pick([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    case 2:
      return r.pick([1e308, -1e308, Number.MAX_SAFE_INTEGER, -1, -0.5, 1e21, 2 ** 53 + 1]);
    case 3:
      return r.pick(['', ' ', '\u0000', 'null', '💡'.repeat(r.int(1, 50))]);
    case 4:
      return 'z'.repeat(r.int(41, LONG));
    case 5:
      return null;
    case 6:
      return r.pick(['true', 'false', 'NaN', '{}', '[]', '__proto__']);
    case 7:
      return r.int(-1000, -1);
    case 8:
      return r.pick([1e9, 100_000, 4_000_000_000]);
    case 9:
      return r.chance(0.5) ? [] : {};
    case 10:
      return Array.from({ length: r.int(1, 4) }, () => junk(r, depth + 1));
    case 11:
      return { [r.pick(['a', 'on', '__proto__', 'constructor'])]: junk(r, depth + 1) };
    default:
      return JSON.parse(
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
      );
  }
}

/** Keys that must never reach Object.prototype, read from JSON as an attacker would send them. */
const HOSTILE = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"on":true,"__proto__":{"polluted":"yes"}}',
  '{"prototype":{"polluted":"yes"}}',
  '{"toString":"polluted","valueOf":1}',
  '{"brightness":50,"constructor":{"prototype":{"polluted":"yes"}}}',
];

function payloadCase(r: Random): { payload: unknown; names: string } {
  switch (r.int(0, 14)) {
    case 0: {
      // Top level: anything that is not a command.
      const payload = r.pick<unknown>([
        null,
        undefined,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        -1,
        101,
        1e308,
        -1e308,
        [],
        [true],
        'z'.repeat(r.int(1, LONG)),
        'onn',
        ` ${'x'.repeat(LONG)}`,
      ]);
      return { payload, names: 'payload' };
    }
    case 1: {
      const text = r.pick(HOSTILE);
      const payload: Record<string, unknown> = JSON.parse(text);
      // The first key that is not a command property is the one named.
      const name = Object.keys(payload).find((k) => !['on', 'brightness'].includes(k)) as string;
      return { payload, names: name };
    }
    case 2:
      return { payload: { on: junk(r) }, names: 'on' };
    case 3:
      return { payload: { brightness: r.pick([0, 101, -5, junk(r)]) }, names: 'brightness' };
    case 4:
      return { payload: { hue: r.pick([361, -1, junk(r)]) }, names: 'hue' };
    case 5:
      return { payload: { saturation: r.pick([101, -1, junk(r)]) }, names: 'saturation' };
    case 6:
      return { payload: { colorTemp: r.pick([0, -2700, junk(r)]) }, names: 'colorTemp' };
    case 7:
      return { payload: { transition: r.pick([3_600_001, -1, junk(r)]) }, names: 'transition' };
    case 8:
      return { payload: { effect: r.pick(['', '   ', junk(r)]) }, names: 'effect' };
    case 9:
      return { payload: { color: junk(r) }, names: 'color' };
    case 10: {
      const key = r.pick(['h', 's', 'v']);
      const color: Record<string, unknown> = { h: 10, s: 10, v: 10 };
      color[key] = r.pick([-1, 1000, junk(r)]);
      return { payload: { color }, names: `color.${key}` };
    }
    case 11:
      return { payload: { on: true, brightness: r.pick([0, 101, junk(r)]) }, names: 'brightness' };
    case 13:
      return { payload: r.pick(['#12345', '#gggggg', `#${'f'.repeat(LONG)}`]), names: 'color' };
    case 12: {
      const key = r.pick(['z'.repeat(r.int(41, LONG)), 'colour', 'Brightness', 'payload', '']);
      return { payload: { [key]: junk(r) }, names: key.slice(0, 40) };
    }
    default:
      return { payload: {}, names: 'payload' };
  }
}

/** Junk that does not happen to spell a method name ("true" and "NaN" are fine names). */
function notAName(r: Random): unknown {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const value = junk(r);
    if (typeof value !== 'string' || !/^[A-Za-z_]\w*$/.test(value)) return value;
  }
  return 1;
}

function requestCase(r: Random): { request: unknown; names: string } {
  switch (r.int(0, 4)) {
    case 0:
      // Not an object at all.
      return {
        request: r.pick<unknown>([1, 'get_device_info', true, [], ['get_device_info']]),
        names: 'request',
      };
    case 1:
      // A method that is no name.
      return {
        request: { method: r.pick<unknown>([1, '', '   ', null, [], {}, notAName(r)]) },
        names: 'method',
      };
    case 4:
      // Text that is no method name: too long, spaces, prototype names.
      return {
        request: {
          method: r.pick([
            'm'.repeat(r.int(129, LONG)),
            'get info',
            '__proto__',
            'system.constructor',
          ]),
        },
        names: 'method',
      };
    case 2:
      return {
        request: {
          method: 'get_device_info',
          params: r.pick<unknown>([1, 'x'.repeat(LONG), true, Number.NaN]),
        },
        names: 'request',
      };
    default:
      return {
        request: JSON.parse('{"__proto__":{"method":"get_device_info","polluted":"yes"}}'),
        names: 'request',
      };
  }
}

function makeCase(r: Random, index: number): Case {
  if (r.chance(0.05)) {
    // Any raw request to a fixed-action node is refused, whatever it holds.
    return {
      msg: { request: { method: 'get_device_info' }, n: index },
      names: 'request',
      node: 'tgl',
    };
  }
  if (r.chance(0.25)) {
    const { request, names } = requestCase(r);
    return { msg: { request, n: index }, names, node: 'ctl' };
  }
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const { payload, names } = payloadCase(r);
    // Random junk could in principle spell a valid command; such draws are skipped.
    try {
      parseCommand(payload);
    } catch {
      const msg: Record<string, unknown> = { n: index };
      if (payload !== undefined) msg.payload = payload;
      return { msg, names, node: 'ctl' };
    }
  }
  return { msg: { payload: Number.NaN, n: index }, names: 'payload', node: 'ctl' };
}

function prototypesClean(): void {
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, 'Object.prototype polluted');
  assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).method, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_KEYS);
  assert.equal(typeof probe.toString, 'function');
}
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

describe('lamp-control fuzz', () => {
  const emulator = useEmulator();
  const unhandled: unknown[] = [];
  const onRejection = (reason: unknown) => unhandled.push(reason);
  before(() => process.on('unhandledRejection', onRejection));
  after(() => process.removeListener('unhandledRejection', onRejection));

  it(`${MESSAGES} random bad inputs: each a clear error, nothing sent, nothing polluted`, async () => {
    const seed = testSeed('lamp-control fuzz');
    const r = seededRandom(seed);
    const d = await emulator('L530');
    await deploy(d, [
      controlNode('ctl'),
      controlNode('tgl', { action: 'toggle' }),
      helperNode('out'),
    ]);
    const hub = hubOf();
    await until(() => hub.idle && hub.isOnline === true, 'the first read');
    const sent = { ...d.klap.counters };
    const outputs = collect('out');
    const caught = collect('caught');

    const cases: Case[] = [];
    for (let i = 0; i < MESSAGES; i += 1) cases.push(makeCase(r, i));
    for (const c of cases) getNode(c.node).receive(c.msg as NodeMessage);
    await until(() => caught.length >= MESSAGES, `${MESSAGES} errors at Catch`, 30_000);

    assert.equal(caught.length, MESSAGES, 'each input ended exactly once');
    assert.equal(outputs.length, 0, 'no bad input was sent on');
    const seen = new Set<number>();
    for (const msg of caught) {
      const index = (msg as unknown as { n: number }).n;
      const c = cases[index] as Case;
      seen.add(index);
      const error = caughtError(msg);
      const label = `case ${index} (seed ${seed})`;
      assert.equal(error.code, 'INVALID_COMMAND', `${label}: ${error.message.slice(0, 200)}`);
      assert.ok(
        error.message.toLowerCase().includes(c.names.toLowerCase()),
        `${label}: "${error.message.slice(0, 200)}" names ${c.names.slice(0, 40)}`,
      );
      assert.ok(error.message.length < 400, `${label}: a message of ${error.message.length} chars`);
    }
    assert.equal(seen.size, MESSAGES, 'every case answered, none twice');
    assert.deepEqual(d.klap.counters, sent, 'the device saw no request, no login, no connection');
    prototypesClean();
    assert.deepEqual(unhandled, []);

    // The node still works.
    const reply = nextMessage('out');
    getNode('ctl').receive({ payload: { on: true, brightness: 12 } } as NodeMessage);
    assert.equal(((await reply).payload as { brightness: number }).brightness, 12);
  });

  it('a 100,000-character payload: a short error and no long log line', async () => {
    const d = await emulator('L530');
    await deploy(d, [controlNode('ctl'), helperNode('out')]);
    const caught = nextMessage('caught');
    const log = helper.log();
    const before = log.callCount;
    getNode('ctl').receive({ payload: 'q'.repeat(100_000) } as NodeMessage);
    const error = caughtError(await caught);
    assert.equal(error.code, 'INVALID_COMMAND');
    assert.match(error.message, /payload "q{40}"… is not a command/);
    assert.ok(error.message.length < 300, `an error of ${error.message.length} characters`);
    const lines = log
      .getCalls()
      .slice(before)
      .map((call: { args: unknown[] }) => {
        const entry = call.args[0] as { msg?: unknown };
        return String(entry?.msg instanceof Error ? entry.msg.message : entry?.msg);
      });
    assert.ok(lines.length > 0, 'the error was logged');
    for (const line of lines)
      assert.ok(line.length < 300, `a log line of ${line.length} characters`);
  });
});
