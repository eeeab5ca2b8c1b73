/**
 * protocol auto: which transport answers, against emulated devices of every protocol on
 * 127.0.0.1, with a port and without one (the default ports moved to loopback test ports).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import { LampError } from '../../src/transport/errors';
import { createTransport } from '../../src/transport/factory';
import { HOST, PASS, USER } from './helpers';

const started: EmulatedDevice[] = [];
after(() => Promise.all(started.map((d) => d.close())));

async function emulate(options: Omit<EmulatorOptions, 'username' | 'password'>) {
  const device = await startEmulator({ username: USER, password: PASS, ...options });
  started.push(device);
  return device;
}

/** A loopback TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const codeOf = (e: unknown) => (e instanceof LampError ? e.code : undefined);

describe('protocol auto', () => {
  it('finds KLAP, AES and the legacy protocol on the port given', async () => {
    const klap = await emulate({ model: 'L530', protocol: 'klap' });
    const aes = await emulate({ model: 'L510', protocol: 'aes', loginVersion: 1 });
    const legacy = await emulate({ model: 'KL130', protocol: 'legacy' });
    for (const [device, encryption, dialect] of [
      [klap, 'KLAP', 'smart'],
      [aes, 'AES', 'smart'],
      [legacy, 'XOR', 'iot'],
    ] as const) {
      const lamp = await connect({
        host: HOST,
        port: device.port,
        username: USER,
        password: PASS,
        discoveryPort: null,
      });
      try {
        assert.equal(lamp.encryption, encryption);
        assert.equal(lamp.dialect, dialect);
        const state = await lamp.setState({ on: true, brightness: 42 });
        assert.equal(state.brightness, 42);
        assert.equal(
          device.info[dialect === 'iot' ? 'light_state' : 'brightness'] !== undefined,
          true,
        );
      } finally {
        await lamp.close();
      }
    }
    // The AES device told us nothing about its login form: v2 was tried, then v1 kept.
    assert.equal(aes.aes.counters.logins, 2);
  });

  it('a legacy device is spoken to in its own dialect from the first request', async () => {
    const legacy = await emulate({ model: 'HS110', protocol: 'legacy' });
    const lamp = await connect({ host: HOST, port: legacy.port, discoveryPort: null });
    try {
      await lamp.getState();
      const methods = Object.keys(
        (legacy.device as { counters: { methods: object } }).counters.methods,
      );
      assert.ok(methods.length > 0);
      assert.ok(
        methods.every((m) => !m.includes('get_device_info') && !m.includes('component_nego')),
        `no SMART request on port 9999: ${methods.join(', ')}`,
      );
      assert.equal(lamp.login?.credential, undefined, 'no login on the legacy protocol');
    } finally {
      await lamp.close();
    }
  });

  it('without a port: 80 when it listens, else 9999 (moved to test ports here)', async () => {
    const legacy = await emulate({ model: 'HS103', protocol: 'legacy' });
    const klap = await emulate({ model: 'P110', protocol: 'klap' });
    const nothing = await closedPort();

    const onLegacy = createTransport({
      host: HOST,
      discoveryPort: null,
      defaultPorts: { http: nothing, legacy: legacy.port },
    });
    const onKlap = createTransport({
      host: HOST,
      username: USER,
      password: PASS,
      discoveryPort: null,
      defaultPorts: { http: klap.port, legacy: legacy.port },
    });
    try {
      await onLegacy.open?.();
      assert.equal(onLegacy.encryption, 'XOR');
      await onKlap.open?.();
      assert.equal(onKlap.encryption, 'KLAP');
      assert.equal(klap.klap.counters.handshakes, 1);
    } finally {
      await onLegacy.close();
      await onKlap.close();
    }
  });

  it('a failure that proves the protocol ends the search: wrong AES password is AUTH_FAILED', async () => {
    const aes = await emulate({ model: 'L510', protocol: 'aes' });
    const transport = createTransport({
      host: HOST,
      port: aes.port,
      username: USER,
      password: 'wrong',
      discoveryPort: null,
    });
    try {
      await assert.rejects(
        transport.open?.() ?? Promise.resolve(),
        (e) => codeOf(e) === 'AUTH_FAILED',
      );
      assert.equal(transport.encryption, 'AES', 'remembered: the device is an AES device');
    } finally {
      await transport.close();
    }
  });

  it('neither KLAP nor AES answers: a clear UNSUPPORTED_PROTOCOL naming TPAP', async () => {
    const tpap = await emulate({ model: 'P110', encryption: 'TPAP' });
    await assert.rejects(
      connect({ host: HOST, port: tpap.port, username: USER, password: PASS, discoveryPort: null }),
      (e) => codeOf(e) === 'UNSUPPORTED_PROTOCOL' && /TPAP/.test((e as Error).message),
    );
  });

  it('nothing listening: UNREACHABLE, and nothing is remembered', async () => {
    const port = await closedPort();
    const transport = createTransport({ host: HOST, port, discoveryPort: null, timeoutMs: 500 });
    try {
      await assert.rejects(
        transport.open?.() ?? Promise.resolve(),
        (e) => codeOf(e) === 'UNREACHABLE',
      );
      assert.equal(transport.encryption, undefined);
    } finally {
      await transport.close();
    }
  });

  it('an explicit protocol uses only that one, and says what the device speaks', async () => {
    const klap = await emulate({ model: 'L530', protocol: 'klap' });
    const aes = await emulate({ model: 'L530', protocol: 'aes' });
    await assert.rejects(
      connect({ host: HOST, port: klap.port, protocol: 'aes', username: USER, password: PASS }),
      (e) => codeOf(e) === 'WRONG_PROTOCOL' && /KLAP/.test((e as Error).message),
    );
    await assert.rejects(
      connect({
        host: HOST,
        port: aes.port,
        protocol: 'klap',
        username: USER,
        password: PASS,
        discoveryPort: null,
      }),
      (e) => codeOf(e) === 'NOT_KLAP' && /auto/.test((e as Error).message),
    );
    await assert.rejects(
      connect({ host: HOST, port: klap.port, protocol: 'tpap' }),
      (e) => codeOf(e) === 'UNSUPPORTED_PROTOCOL',
    );
    assert.throws(
      () => createTransport({ host: HOST, protocol: 'zigbee' as 'klap' }),
      (e) => codeOf(e) === 'INVALID_COMMAND',
    );
  });
});
