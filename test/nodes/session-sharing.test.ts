/**
 * Sharing a device with other apps: on single-session firmware (a new login ends the older
 * session) a rival client that logs in every 2 s for 2 minutes costs us at most 12 logins, every
 * message still ends exactly once (output or Catch), and the status and one log line say what
 * happens; a single takeover costs one quiet re-login. KLAP, AES and TPAP, real Node-RED,
 * emulator on loopback. Time is shortened 20-fold (LOGIN_PACING and the rival's period) so the
 * two minutes take six seconds; the counts are the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { EmulatedDevice, EmulatorOptions } from '../../src/emulator';
import { createTransport } from '../../src/transport/factory';
import { LOGIN_PACING, type LoginPacing } from '../../src/transport/login-pacer';
import type { Transport } from '../../src/transport/types';
import {
  controlNode,
  deploy,
  getNode,
  helperNode,
  logged,
  nextMessage,
  PASS,
  sleep,
  statuses,
  USER,
  until,
  useDevices,
} from './support';

/** Real time is divided by this. */
const SCALE = 20;
const RIVAL_PERIOD_MS = 2000 / SCALE;
const CONTENTION_MS = 120_000 / SCALE;
const MESSAGE_PERIOD_MS = 1000 / SCALE;

type Protocol = 'klap' | 'aes' | 'tpap';

/** Our completed logins as the device counted them, less the rival's. */
function ourLogins(device: EmulatedDevice, rival: Rival): number {
  if (device.protocol === 'aes') return device.aes.counters.logins - rival.attempts;
  const completed =
    device.protocol === 'tpap' ? device.tpap.counters.handshakes : device.klap.counters.handshakes;
  return completed - rival.logins;
}

interface Rival {
  attempts: number;
  logins: number;
}

/**
 * Another app: logs in every `period` ms until `stop()` or `maxAttempts` (each login ends our
 * session).
 */
function startRival(
  device: EmulatedDevice,
  protocol: Protocol,
  period: number,
  maxAttempts = Infinity,
) {
  const transport: Transport = createTransport({
    host: device.host,
    port: device.port,
    protocol,
    username: USER,
    password: PASS,
    timeoutMs: 5000,
  });
  const counts: Rival = { attempts: 0, logins: 0 };
  let running = true;
  const loop = (async () => {
    while (running && counts.attempts < maxAttempts) {
      transport.reset();
      counts.attempts += 1;
      try {
        await transport.open?.();
        counts.logins += 1;
      } catch {
        // our handshake may end the rival's half-done login too: it tries again next period
      }
      if (counts.attempts < maxAttempts) await sleep(period);
    }
  })();
  return {
    counts,
    async stop() {
      running = false;
      await loop;
      await transport.close();
    },
  };
}

const CASES: { protocol: Protocol; options: EmulatorOptions; timeout: number }[] = [
  { protocol: 'klap', options: { model: 'L530' }, timeout: 1 },
  { protocol: 'aes', options: { model: 'L530', protocol: 'aes' }, timeout: 1 },
  { protocol: 'tpap', options: { model: 'L530', protocol: 'tpap' }, timeout: 5 },
];

describe('sharing a device with other apps', () => {
  const start = useDevices();
  let saved: LoginPacing;
  before(() => {
    saved = { ...LOGIN_PACING };
    Object.assign(LOGIN_PACING, {
      windowMs: saved.windowMs / SCALE,
      firstDelayMs: saved.firstDelayMs / SCALE,
      maxDelayMs: saved.maxDelayMs / SCALE,
      quietMs: saved.quietMs / SCALE,
    });
  });
  after(() => {
    Object.assign(LOGIN_PACING, saved);
  });

  for (const { protocol, options, timeout } of CASES) {
    const emulate = () =>
      start({ ...options, username: USER, password: PASS, singleSession: true });
    const flow = [controlNode('ctl'), helperNode('out')];
    const settings = { protocol, version: 1, timeout };

    it(`${protocol}: a single takeover costs one quiet re-login`, async () => {
      const lamp = await emulate();
      await deploy(lamp, flow, undefined, settings);
      const caught: NodeMessage[] = [];
      getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg));
      const out = nextMessage('out', 20_000);
      getNode('ctl').receive({ payload: { on: true } } as NodeMessage);
      await out;
      const rival = startRival(lamp, protocol, 0, 1);
      await rival.stop();
      assert.equal(rival.counts.logins, 1);
      const before = ourLogins(lamp, rival.counts);
      const again = nextMessage('out', 20_000);
      getNode('ctl').receive({ payload: { on: false } } as NodeMessage);
      assert.equal((await again).error, undefined);
      assert.equal(ourLogins(lamp, rival.counts) - before, 1, 'one quiet re-login');
      assert.deepEqual(caught, []);
      assert.equal(lamp.info.device_on, false);
    });

    it(`${protocol}: a rival logging in every 2 s for 2 minutes costs at most 12 logins; every message ends once`, async (t) => {
      const lamp = await emulate();
      await deploy(lamp, flow, undefined, settings);
      const warned = logged('dev', 'warn');
      const shown = statuses('ctl');
      // One listener per helper for the whole test (mixing in nextMessage's would break them).
      const ended = new Map<string, NodeMessage[]>();
      const count = (msg: NodeMessage) => {
        const id = String(msg._msgid);
        ended.set(id, [...(ended.get(id) ?? []), msg]);
      };
      getNode('out').on('input', count);
      getNode('caught').on('input', count);
      let n = 0;
      const send = async (payload: unknown): Promise<NodeMessage> => {
        const id = `m${n++}`;
        getNode('ctl').receive({ _msgid: id, payload } as NodeMessage);
        const seen = await until(() => ended.get(id), `message ${id} ended`, 20_000);
        return seen?.[0] as NodeMessage;
      };
      assert.equal((await send({ on: true })).error, undefined);
      const baseline = { attempts: 0, logins: 0 };
      const loginsBefore = ourLogins(lamp, baseline);

      const rival = startRival(lamp, protocol, RIVAL_PERIOD_MS);
      const sent: string[] = [];
      const started = performance.now();
      for (let i = 0; performance.now() - started < CONTENTION_MS; i++) {
        const id = `c${i}`;
        sent.push(id);
        getNode('ctl').receive({ _msgid: id, payload: { on: i % 2 === 0 } } as NodeMessage);
        await sleep(MESSAGE_PERIOD_MS);
      }
      await rival.stop();
      const ours = ourLogins(lamp, rival.counts) - loginsBefore;
      await until(() => sent.every((id) => ended.has(id)), 'every message ended', 60_000);
      t.diagnostic(`${protocol}: our logins ${ours}, the rival's ${rival.counts.logins}`);
      assert.ok(ours <= 12, `our logins during the contention: ${ours}`);
      assert.ok(ours >= 2, `we did log in again (${ours})`);
      assert.deepEqual(
        [...ended.entries()].filter(([, msgs]) => msgs.length !== 1).map(([id]) => id),
        [],
        'each message ended exactly once',
      );
      assert.deepEqual(
        warned.filter((line) => line.includes('contested')),
        ['klap-device.log.contested'],
        'one log line',
      );
      assert.ok(
        shown.some((s) => s.text === 'klap-device.status.contested'),
        JSON.stringify(shown.slice(-5)),
      );
      // The rival has gone: after the back-off our commands work again.
      let back: NodeMessage | undefined;
      for (let i = 0; i < 40 && !back; i++) {
        const msg = await send({ on: true, brightness: 33 });
        if (msg.error === undefined) back = msg;
        else await sleep(LOGIN_PACING.maxDelayMs / 4);
      }
      assert.ok(back, 'commands work again once the rival is gone');
      assert.equal(lamp.info.brightness, 33);
    });
  }
});
