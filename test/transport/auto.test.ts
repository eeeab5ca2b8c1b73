/**
 * protocol auto: which transport answers, against emulated devices of every protocol on
 * 127.0.0.1, with a port and without one (the default ports moved to loopback test ports).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import { discover } from '../../src/transport/discovery';
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

  it('a TPAP-only device is found by auto whichever way it refuses KLAP', async () => {
    const tpap = await emulate({ model: 'P110', protocol: 'tpap' });
    for (const refusal of [403, 404, 1003] as const) {
      tpap.tpap.faults.klapRefusal = refusal;
      const lamp = await connect({
        host: HOST,
        port: tpap.port,
        username: USER,
        password: PASS,
        discoveryPort: null,
      });
      try {
        assert.equal(lamp.encryption, 'TPAP', `KLAP refused with ${refusal}`);
        assert.equal(lamp.login?.variant, 'TPAP, AES-128-CCM');
        const state = await lamp.setState({ on: true });
        assert.equal(state.on, true);
      } finally {
        await lamp.close();
      }
    }
    assert.equal(tpap.tpap.counters.klapHandshakes, 3, 'KLAP first, once each');
    assert.equal(tpap.tpap.counters.handshakes, 3);
  });

  it('a discovery hint saying TPAP starts with TPAP: no KLAP handshake at all', async () => {
    const tpap = await emulate({ model: 'L530', protocol: 'tpap', discoveryPort: 0 });
    const [found] = await discover({ targets: [`${HOST}:${tpap.discoveryPort}`], timeoutMs: 500 });
    assert.ok(found);
    assert.equal(found.verdictCode, 'TPAP');
    assert.equal(found.supported, true);
    const lamp = await connect({
      host: HOST,
      port: found.port,
      username: USER,
      password: PASS,
      discoveryPort: null,
      hint: found.hint,
    });
    try {
      assert.equal(lamp.encryption, 'TPAP');
      assert.equal(tpap.tpap.counters.klapHandshakes, 0);
    } finally {
      await lamp.close();
    }
  });

  it('a KLAP device stays on KLAP, also when it announces TPAP but prefers KLAP', async () => {
    const klap = await emulate({ model: 'P110', protocol: 'klap' });
    const notPreferred = await emulate({ model: 'P110', tpapPreferred: false, discoveryPort: 0 });
    const [found] = await discover({
      targets: [`${HOST}:${notPreferred.discoveryPort}`],
      timeoutMs: 500,
    });
    assert.equal(found?.encryption, 'TPAP');
    assert.equal(found?.protocol, 'klap');
    for (const [device, hint] of [
      [klap, undefined],
      // From discovery: tpap_preferred false, KLAP straight away.
      [notPreferred, found?.hint],
      // Only "TPAP" known: TPAP's discover says tpap_preferred false, then KLAP.
      [notPreferred, { encryptType: 'TPAP' }],
    ] as const) {
      const lamp = await connect({
        host: HOST,
        port: device.port,
        username: USER,
        password: PASS,
        discoveryPort: null,
        ...(hint ? { hint } : {}),
      });
      try {
        assert.equal(lamp.encryption, 'KLAP');
      } finally {
        await lamp.close();
      }
    }
    assert.equal(klap.klap.counters.handshakes, 1);
    assert.equal(notPreferred.klap.counters.handshakes, 2);
  });

  it('KLAP refused (403) and no TPAP there: THIRD_PARTY_DISABLED, KLAP remembered', async () => {
    const klap = await emulate({ model: 'L530', protocol: 'klap' });
    klap.klap.faults.handshake1Status = 403;
    const transport = createTransport({
      host: HOST,
      port: klap.port,
      username: USER,
      password: PASS,
      discoveryPort: null,
    });
    try {
      await assert.rejects(
        transport.open?.() ?? Promise.resolve(),
        (e) => codeOf(e) === 'THIRD_PARTY_DISABLED',
      );
      assert.equal(transport.encryption, 'KLAP');
    } finally {
      await transport.close();
    }
  });

  it('a wrong password on a TPAP device is AUTH_FAILED, and TPAP is remembered', async () => {
    const tpap = await emulate({ model: 'L530', protocol: 'tpap' });
    const transport = createTransport({
      host: HOST,
      port: tpap.port,
      username: USER,
      password: 'wrong',
      discoveryPort: null,
    });
    try {
      await assert.rejects(
        transport.open?.() ?? Promise.resolve(),
        (e) => codeOf(e) === 'AUTH_FAILED',
      );
      assert.equal(transport.encryption, 'TPAP');
    } finally {
      await transport.close();
    }
  });

  it('neither KLAP, TPAP nor AES answers: a clear UNSUPPORTED_PROTOCOL', async () => {
    // KLAP's handshake gone (404), no TPAP discover, and /app answers "use KLAP".
    const odd = await emulate({ model: 'P110', protocol: 'klap' });
    odd.klap.faults.handshake1Status = 404;
    await assert.rejects(
      connect({ host: HOST, port: odd.port, username: USER, password: PASS, discoveryPort: null }),
      (e) =>
        codeOf(e) === 'UNSUPPORTED_PROTOCOL' &&
        /neither KLAP, TPAP nor AES/.test((e as Error).message),
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
      (e) => codeOf(e) === 'WRONG_PROTOCOL' && /does not speak TPAP/.test((e as Error).message),
    );
    assert.throws(
      () => createTransport({ host: HOST, protocol: 'zigbee' as 'klap' }),
      (e) => codeOf(e) === 'INVALID_COMMAND',
    );
  });
});
