/**
 * The transport contract: the same robustness cases against every transport and its emulator
 * over real HTTP or TCP on 127.0.0.1. A case that cannot apply to a protocol (XOR has no login
 * and no session to expire) is not registered for it; every case registered runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import type { ModelName } from '../../src/emulator/models';
import { LampError } from '../../src/transport/errors';
import { transportFor } from '../../src/transport/factory';
import type { SessionTransport } from '../../src/transport/session-transport';
import type { Protocol } from '../../src/transport/types';
import { delay, HOST, PASS, USER } from './helpers';

interface Case {
  protocol: Protocol;
  model: ModelName;
  /** A request the model answers, and a check of its reply. */
  request: string;
  answered(reply: string): boolean;
  hasLogin: boolean;
  /** Makes the device forget the current session at the next request (null: no sessions). */
  expire: ((device: EmulatedDevice) => void) | null;
  /** Locks the device's login for `seconds`, as repeated wrong passwords do (null: no lock-out). */
  lockOut?: (device: EmulatedDevice, seconds: number) => void;
}

const SMART_REQUEST = JSON.stringify({ method: 'get_device_info' });
const IOT_REQUEST = JSON.stringify({ system: { get_sysinfo: {} } });
const smartAnswered = (reply: string) => JSON.parse(reply).error_code === 0;
const iotAnswered = (reply: string) => JSON.parse(reply).system.get_sysinfo.err_code === 0;

const CASES: Case[] = [
  {
    protocol: 'klap',
    model: 'L530',
    request: SMART_REQUEST,
    answered: smartAnswered,
    hasLogin: true,
    expire: (device) => {
      device.klap.faults.expireSessions = 1;
    },
  },
  {
    protocol: 'aes',
    model: 'L530',
    request: SMART_REQUEST,
    answered: smartAnswered,
    hasLogin: true,
    expire: (device) => {
      device.aes.faults.expireSessions = 1;
    },
  },
  {
    protocol: 'tpap',
    model: 'L530',
    request: SMART_REQUEST,
    answered: smartAnswered,
    hasLogin: true,
    expire: (device) => {
      device.tpap.faults.expireSessions = 1;
    },
  },
  {
    protocol: 'sslaes',
    model: 'L530',
    request: SMART_REQUEST,
    answered: smartAnswered,
    hasLogin: true,
    expire: (device) => {
      device.sslaes.faults.expireSessions = 1;
    },
    lockOut: (device, seconds) => device.sslaes.lockOut(seconds),
  },
  {
    protocol: 'legacy',
    model: 'KL130',
    request: IOT_REQUEST,
    answered: iotAnswered,
    hasLogin: false,
    expire: null,
  },
];

type AnyTransport = SessionTransport<{ renewAt: number }>;

function codeOf(error: unknown): string | undefined {
  return error instanceof LampError ? error.code : undefined;
}

for (const c of CASES) {
  describe(`transport contract: ${c.protocol}`, () => {
    let device: EmulatedDevice;
    const open: AnyTransport[] = [];

    before(async () => {
      device = await startEmulator({
        model: c.model,
        protocol: c.protocol,
        username: USER,
        password: PASS,
      });
    });
    after(async () => {
      await Promise.all(open.map((t) => t.close()));
      await device.close();
    });

    /** A fresh transport (no session yet) and a clean device. */
    function fresh(options: { password?: string; timeoutMs?: number } = {}): AnyTransport {
      Object.assign(device.server.faults, {
        latencyMs: 0,
        hang: false,
        dropConnections: 0,
        closeConnections: false,
        malformedReplies: 0,
      });
      device.server.forgetSessions();
      const transport = transportFor(
        c.protocol,
        {
          host: HOST,
          username: USER,
          password: options.password ?? PASS,
          timeoutMs: options.timeoutMs ?? 2000,
          discoveryPort: null,
        },
        device.port,
      ) as AnyTransport;
      open.push(transport);
      return transport;
    }

    it('answers requests on one login', async () => {
      const transport = fresh();
      for (let i = 0; i < 3; i++) assert.ok(c.answered(await transport.send(c.request)));
      assert.equal(transport.stats.logins, 1);
      assert.equal(transport.stats.requests, 3);
      assert.equal(
        transport.encryption,
        { klap: 'KLAP', aes: 'AES', legacy: 'XOR', tpap: 'TPAP', sslaes: 'SSLAES' }[c.protocol],
      );
    });

    it('a reboot (sessions and connections gone) costs one new login, no error', async () => {
      const transport = fresh();
      assert.ok(c.answered(await transport.send(c.request)));
      await device.unplug();
      await device.plugIn();
      assert.ok(c.answered(await transport.send(c.request)));
      assert.equal(transport.stats.logins, 2);
    });

    if (c.expire) {
      const expire = c.expire;
      it('an expired session is renewed once inside the same call', async () => {
        const transport = fresh();
        assert.ok(c.answered(await transport.send(c.request)));
        expire(device);
        assert.ok(c.answered(await transport.send(c.request)));
        assert.equal(transport.stats.logins, 2);
      });
    }

    it('one dropped connection is retried on a new connection', async () => {
      const transport = fresh();
      assert.ok(c.answered(await transport.send(c.request)));
      device.server.faults.dropConnections = 1;
      assert.ok(c.answered(await transport.send(c.request)));
      // HTTP sessions outlive their connection; XOR's session is the connection.
      assert.equal(transport.stats.logins, c.hasLogin ? 1 : 2);
    });

    it('a device that closes the connection after every answer still works', async () => {
      const transport = fresh();
      device.server.faults.closeConnections = true;
      for (let i = 0; i < 4; i++) assert.ok(c.answered(await transport.send(c.request)));
    });

    it('a hung device gives TIMEOUT, and the next call recovers', async () => {
      const transport = fresh({ timeoutMs: 300 });
      assert.ok(c.answered(await transport.send(c.request)));
      device.server.faults.hang = true;
      await assert.rejects(transport.send(c.request), (e) => codeOf(e) === 'TIMEOUT');
      device.server.faults.hang = false;
      assert.ok(c.answered(await transport.send(c.request)));
    });

    it('a malformed reply is an error with a code, and the next call recovers', async () => {
      const transport = fresh();
      assert.ok(c.answered(await transport.send(c.request)));
      device.server.faults.malformedReplies = 1;
      await assert.rejects(transport.send(c.request), (e) =>
        ['MALFORMED', 'INTEGRITY'].includes(codeOf(e) ?? ''),
      );
      assert.ok(c.answered(await transport.send(c.request)));
    });

    if (c.hasLogin) {
      it('wrong credentials: AUTH_FAILED for every queued caller, one login attempt', async () => {
        const transport = fresh({ password: 'not-the-password' });
        const before = device.server.counters.connections;
        const requestsBefore = device.server.counters.requests;
        const calls = Array.from({ length: 10 }, () => transport.send(c.request));
        for (const call of calls) await assert.rejects(call, (e) => codeOf(e) === 'AUTH_FAILED');
        assert.equal(transport.stats.logins, 0);
        // One login attempt (its handshakes reuse one keep-alive connection), not ten.
        assert.ok(device.server.counters.connections - before <= 1);
        assert.equal(device.server.counters.requests, requestsBefore, 'no command reached it');
      });
    }

    if (c.hasLogin) {
      it("another client's login (the app, a second flow) costs at most one re-login, no error", async () => {
        const transport = fresh();
        assert.ok(c.answered(await transport.send(c.request)));
        const other = transportFor(
          c.protocol,
          { host: HOST, username: USER, password: PASS, timeoutMs: 2000, discoveryPort: null },
          device.port,
        ) as AnyTransport;
        open.push(other);
        assert.ok(c.answered(await other.send(c.request)));
        assert.ok(c.answered(await transport.send(c.request)));
        assert.ok(transport.stats.logins <= 2);
        assert.ok(c.answered(await other.send(c.request)));
      });
    }

    if (c.lockOut) {
      const lockOut = c.lockOut;
      it('a locked-out device: DEVICE_ERROR with the seconds left, one attempt for all callers', async () => {
        const transport = fresh();
        lockOut(device, 300);
        const calls = Array.from({ length: 5 }, () => transport.send(c.request));
        for (const call of calls) {
          await assert.rejects(
            call,
            (e) => codeOf(e) === 'DEVICE_ERROR' && /unlocks in (29\d|300) seconds/.test(String(e)),
          );
        }
        assert.equal(transport.stats.logins, 0);
        device.server.forgetSessions(); // a reboot ends the lock-out
        assert.ok(c.answered(await transport.send(c.request)));
      });
    }

    it('50 concurrent callers on a cold transport: one login, 50 answers', async () => {
      const transport = fresh();
      const replies = await Promise.all(
        Array.from({ length: 50 }, () => transport.send(c.request)),
      );
      assert.ok(replies.every(c.answered));
      assert.equal(transport.stats.logins, 1);
      assert.equal(transport.stats.requests, 50);
    });

    it('close() while a call is in flight ends it at once with CLOSED', async () => {
      const transport = fresh();
      assert.ok(c.answered(await transport.send(c.request)));
      device.server.faults.latencyMs = 10_000;
      const busy = transport.send(c.request);
      const queued = transport.send(c.request);
      await delay(50);
      await transport.close();
      await assert.rejects(busy, (e) => codeOf(e) === 'CLOSED');
      await assert.rejects(queued, (e) => codeOf(e) === 'CLOSED');
      await assert.rejects(transport.send(c.request), (e) => codeOf(e) === 'CLOSED');
    });
  });
}
