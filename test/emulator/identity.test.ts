/**
 * Emulator options for device identity: moveTo() keeps MAC, ports and state on another
 * loopback address; `mac` tells two devices of one model apart; `singleSession` ends the older
 * session at a new login, answered as single-session firmware answers a dead session.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { startEmulator } from '../../src/emulator';
import { parseArgs, UsageError } from '../../src/emulator/cli';
import { AesTransport } from '../../src/transport/aes/aes-transport';
import { discover } from '../../src/transport/discovery';
import { KlapTransport } from '../../src/transport/klap/klap-transport';
import { TpapTransport } from '../../src/transport/tpap/tpap-transport';

type Protocol = 'klap' | 'aes' | 'tpap';
const TRANSPORTS = { klap: KlapTransport, aes: AesTransport, tpap: TpapTransport };

const USER = 'user@example.com';
const PASS = 'Secret-Passw0rd';

/** Whether something accepts TCP connections at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('emulator: moveTo', () => {
  for (const model of ['L530', 'KL130'] as const) {
    it(`${model}: moves to another loopback address with the same ports, MAC and state`, async () => {
      const device = await startEmulator({
        model,
        host: '127.0.0.2',
        discoveryPort: 0,
        username: USER,
        password: PASS,
      });
      try {
        const { port } = device;
        const udp = device.discoveryPort as number;
        const mac = device.info.mac ?? device.info.mic_mac;
        const client = await connect({ host: '127.0.0.2', port, username: USER, password: PASS });
        await client.setState({ on: true, brightness: 12 });
        await client.close();

        await device.moveTo('127.0.0.3');
        assert.deepEqual(
          [device.host, device.port, device.discoveryPort],
          ['127.0.0.3', port, udp],
        );
        assert.equal(await accepts('127.0.0.2', port), false, 'nothing left at the old address');
        const legacy = device.protocol === 'legacy';
        const found = await discover({
          targets: ['127.0.0.2', '127.0.0.3'],
          port: udp,
          legacyPort: legacy ? udp : null,
          timeoutMs: 500,
        });
        assert.deepEqual(
          found.map((d) => [d.host, d.mac.replace(/-/g, '').replace(/:/g, '')]),
          [['127.0.0.3', String(mac).replace(/[-:]/g, '')]],
        );
        const again = await connect({ host: '127.0.0.3', port, username: USER, password: PASS });
        assert.equal((await again.getState()).brightness, 12, 'the same device, state kept');
        await again.close();
      } finally {
        await device.close();
      }
    });
  }

  it('refuses an address off loopback', async () => {
    const device = await startEmulator({ model: 'L530' });
    try {
      await assert.rejects(device.moveTo('192.0.2.1'), /loopback/);
      assert.equal(device.host, '127.0.0.1');
    } finally {
      await device.close();
    }
  });
});

describe('emulator: mac', () => {
  it("gives a device another MAC in its dialect's notation; refuses a non-MAC", async () => {
    const smart = await startEmulator({ model: 'L530', mac: '02:00:00:00:00:0a' });
    const plug = await startEmulator({ model: 'HS103', mac: '02-00-00-00-00-0B' });
    const bulb = await startEmulator({ model: 'KL130', mac: '0200.0000.000c' });
    try {
      assert.equal(smart.info.mac, '02-00-00-00-00-0A');
      assert.equal(plug.info.mac, '02:00:00:00:00:0B');
      assert.equal(bulb.info.mic_mac, '02000000000C');
    } finally {
      await Promise.all([smart.close(), plug.close(), bulb.close()]);
    }
    await assert.rejects(startEmulator({ model: 'L530', mac: 'lamp' }), /mac must be/);
  });
});

describe('emulator: singleSession', () => {
  // How the firmware answers a dead session (KLAP 403, AES 9999, TPAP -40401) is what our
  // transports recognise as one: each re-logs in once and goes on, instead of failing.
  for (const protocol of ['klap', 'aes', 'tpap'] as Protocol[]) {
    it(`${protocol}: each new login ends the other client's session`, async () => {
      const device = await startEmulator({
        model: 'L530',
        protocol,
        username: USER,
        password: PASS,
        singleSession: true,
      });
      const options = { host: device.host, port: device.port, username: USER, password: PASS };
      const first = new TRANSPORTS[protocol](options);
      const second = new TRANSPORTS[protocol](options);
      try {
        const request = '{"method":"get_device_info"}';
        const dead = { sessionDead: (text: string) => /"error_code":\s*(9999|-40401)/.test(text) };
        await first.send(request, dead);
        await second.send(request, dead);
        assert.match(await first.send(request, dead), /"error_code":\s*0/);
        assert.match(await second.send(request, dead), /"error_code":\s*0/);
        assert.deepEqual([first.stats.logins, second.stats.logins], [2, 2]);
      } finally {
        await Promise.all([first.close(), second.close(), device.close()]);
      }
    });
  }

  it('without it, devices keep several sessions (the default)', async () => {
    const device = await startEmulator({ model: 'L530', username: USER, password: PASS });
    const options = { host: device.host, port: device.port, username: USER, password: PASS };
    const first = new KlapTransport(options);
    const second = new KlapTransport(options);
    try {
      for (const client of [first, second, first, second])
        await client.send('{"method":"get_device_info"}');
      assert.deepEqual([first.stats.logins, second.stats.logins], [1, 1]);
    } finally {
      await Promise.all([first.close(), second.close(), device.close()]);
    }
  });
});

describe('lamp-emulator --single-session', () => {
  it('sets singleSession for every device; refused for legacy devices and with a value', () => {
    const config = parseArgs(['--model', 'L530', '--model', 'P110', '--single-session']);
    assert.ok(config !== 'help');
    assert.deepEqual(
      config.devices.map((d) => d.singleSession),
      [true, true],
    );
    assert.throws(() => parseArgs(['--model', 'KL130', '--single-session']), UsageError);
    assert.throws(() => parseArgs(['--model', 'L530', '--single-session=yes']), UsageError);
  });
});
