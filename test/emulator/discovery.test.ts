/**
 * Emulator discovery options: the CLI flag, the device line, AES/TPAP firmware answering 404 at
 * handshake1, and lazyHttp across unplug/plugIn. Loopback only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { startEmulator } from '../../src/emulator';
import { describeDevice, parseArgs, USAGE, UsageError } from '../../src/emulator/cli';
import { wakeUp } from '../../src/transport/discovery';
import { LampError } from '../../src/transport/errors';

const LOOPBACK = '127.0.0.1';

describe('emulator discovery', () => {
  it('--discovery-port: consecutive per device, 0 stays ephemeral, validated', () => {
    const config = parseArgs(['--model', 'L530', '--model', 'P110', '--discovery-port', '30000']);
    assert.ok(config !== 'help');
    assert.deepEqual(
      config.devices.map((d) => d.discoveryPort),
      [30000, 30001],
    );
    const ephemeral = parseArgs(['--model', 'L530', '--model', 'HS100', '--discovery-port=0']);
    assert.ok(ephemeral !== 'help');
    assert.deepEqual(
      ephemeral.devices.map((d) => d.discoveryPort),
      [0, 0],
    );
    const none = parseArgs(['--model', 'L530']);
    assert.ok(none !== 'help');
    assert.equal('discoveryPort' in (none.devices[0] ?? {}), false);
    assert.match(USAGE, /--discovery-port N/);
    for (const [args, message] of [
      [['--model', 'L530', '--discovery-port', 'x'], /--discovery-port must be a number/],
      [['--model', 'L530', '--discovery-port', '65536'], /--discovery-port must be/],
      [['--model', 'L530', '--model', 'P100', '--discovery-port', '65535'], /not enough ports/],
    ] as [string[], RegExp][]) {
      assert.throws(
        () => parseArgs(args),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    }
  });

  it('the device line names the discovery port', async () => {
    const lamp = await startEmulator({ model: 'L530', discoveryPort: 0 });
    const plain = await startEmulator({ model: 'L530' });
    try {
      assert.match(
        describeDevice(lamp),
        /^L530 colour bulb listening on http:\/\/127\.0\.0\.1:\d+ \(KLAP v2, SMART, credentials: blank\), discovery on udp 127\.0\.0\.1:\d+$/,
      );
      assert.equal(plain.discoveryPort, null);
      assert.equal(plain.discovery, null);
      assert.doesNotMatch(describeDevice(plain), /discovery/);
    } finally {
      await Promise.all([lamp.close(), plain.close()]);
    }
  });

  it('AES firmware answers 404 at handshake1, TPAP firmware 403 (or 404, or error 1003)', async () => {
    for (const [encryption, code] of [
      ['AES', 'NOT_KLAP'],
      ['TPAP', 'THIRD_PARTY_DISABLED'],
    ] as const) {
      const device = await startEmulator({ model: 'P100', encryption, discoveryPort: 0 });
      try {
        await assert.rejects(
          connect({ host: LOOPBACK, port: device.port, protocol: 'klap', discoveryPort: null }),
          (e: unknown) => e instanceof LampError && e.code === code,
        );
        const result = device.discovery!.replyJson().result as Record<string, unknown>;
        const scheme = result.mgt_encrypt_schm as Record<string, unknown>;
        assert.equal(scheme.encrypt_type, encryption);
        assert.equal(scheme.http_port, device.port);
        if (encryption === 'TPAP') {
          // The port-80 plain-HTTP variant of lamps and plugs; unbound (no account): pake 0.
          assert.deepEqual(result.tpap, { tls: 0, dac: 0, noc: 0, pake: [0], port: device.port });
          assert.equal(result.tpap_preferred, true);
          device.tpap.faults.klapRefusal = 404;
          await assert.rejects(
            connect({ host: LOOPBACK, port: device.port, protocol: 'klap', discoveryPort: null }),
            (e: unknown) => e instanceof LampError && e.code === 'NOT_KLAP',
          );
          device.tpap.faults.klapRefusal = 1003;
          await assert.rejects(
            connect({ host: LOOPBACK, port: device.port, protocol: 'klap', discoveryPort: null }),
            (e: unknown) =>
              e instanceof LampError &&
              e.code === 'THIRD_PARTY_DISABLED' &&
              /error 1003/.test(e.message),
          );
          assert.equal(device.tpap.counters.klapHandshakes, 3);
        }
      } finally {
        await device.close();
      }
    }
  });

  it('lazyHttp: closed after plugIn until a probe; unplugged devices do not answer probes', async () => {
    const plug = await startEmulator({ model: 'P110', discoveryPort: 0, lazyHttp: true });
    const dport = plug.discoveryPort as number;
    try {
      assert.equal(plug.klap.listening, false);
      assert.equal(await wakeUp(LOOPBACK, dport, { waitMs: 5000 }), 'answered');
      assert.equal(plug.klap.listening, true);
      // Probes arriving together open the port once.
      await Promise.all([wakeUp(LOOPBACK, dport), wakeUp(LOOPBACK, dport)]);
      assert.equal(plug.klap.listening, true);

      await plug.unplug();
      assert.equal(await wakeUp(LOOPBACK, dport, { waitMs: 5000 }), 'refused');
      await plug.plugIn();
      assert.equal(plug.discoveryPort, dport, 'same port after plugIn');
      assert.equal(plug.klap.listening, false);
      assert.equal(await wakeUp(LOOPBACK, dport, { waitMs: 5000 }), 'answered');
      assert.equal(plug.klap.listening, true);
      const lamp = await connect({ host: LOOPBACK, port: plug.port, discoveryPort: null });
      await lamp.close();
    } finally {
      await plug.close();
    }
    // Closed for good.
    assert.equal(plug.klap.listening, false);
  });
});
