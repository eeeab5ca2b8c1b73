/**
 * The lazy-port wake-up (docs/protocols/klap.md §8 #5): a plug whose HTTP port stays closed until it sees a UDP
 * discovery probe. End to end on loopback against the emulator's `lazyHttp` fault: the first
 * login succeeds after one probe, probes are counted, and a lasting outage costs one wake-up
 * (then at most one per WAKE_UP_REPEAT_MS), not one per poll.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { ClosedError, UnreachableError } from '../../src/transport/errors';
import {
  DEFAULT_WAKE_UP_DELAY_MS,
  KlapTransport,
  WAKE_UP_REPEAT_MS,
} from '../../src/transport/klap/klap-transport';
import { HOST, PASS, rejectsWith, USER } from './helpers';

async function lazyPlug(): Promise<EmulatedDevice> {
  return startEmulator({
    model: 'P110',
    username: USER,
    password: PASS,
    discoveryPort: 0,
    lazyHttp: true,
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('wake-up of a lazy HTTP port', () => {
  it('the emulated plug refuses HTTP until a probe; the first login succeeds after one', async () => {
    const plug = await lazyPlug();
    try {
      assert.equal(await refused(plug.port), true, 'port closed before any probe');
      const without = new KlapTransport({
        host: HOST,
        port: plug.port,
        username: USER,
        password: PASS,
        discoveryPort: null,
      });
      await rejectsWith(without.send('{}'), UnreachableError, 'UNREACHABLE');
      assert.equal(without.wakeUps, 0);
      await without.close();
      assert.equal(plug.discovery?.counters.probes, 0);

      const client = new KlapTransport({
        host: HOST,
        port: plug.port,
        username: USER,
        password: PASS,
        discoveryPort: plug.discoveryPort,
        wakeUpDelayMs: 50,
      });
      const reply = JSON.parse(await client.send('{"method":"get_device_info"}'));
      assert.equal(reply.error_code, 0);
      assert.equal(plug.discovery?.counters.probes, 1);
      assert.equal(client.wakeUps, 1);
      assert.equal(plug.klap.counters.handshake1, 1, 'one refused attempt, one that got in');
      await client.close();
    } finally {
      await plug.close();
    }
  });

  it('LampClient passes discoveryPort and wakeUpDelayMs through', async () => {
    const plug = await lazyPlug();
    try {
      const lamp = await connect({
        host: HOST,
        port: plug.port,
        username: USER,
        password: PASS,
        discoveryPort: plug.discoveryPort,
        wakeUpDelayMs: 20,
      });
      assert.equal((await lamp.getState()).model, 'P110');
      assert.equal(plug.discovery?.counters.probes, 1);
      await lamp.close();
    } finally {
      await plug.close();
    }
  });

  it('one wake-up per outage (then one per WAKE_UP_REPEAT_MS), re-armed once the device answers', async () => {
    const plug = await lazyPlug();
    let now = 1_000_000;
    const client = new KlapTransport({
      host: HOST,
      port: plug.port,
      username: USER,
      password: PASS,
      discoveryPort: plug.discoveryPort,
      wakeUpDelayMs: 20,
      clock: () => now,
    });
    const probes = () => plug.discovery?.counters.probes;
    try {
      await client.send('{}');
      assert.deepEqual([client.wakeUps, probes()], [1, 1]);

      // Power cut: the session's request is refused, then the login; one wake-up, which the
      // unplugged device cannot answer (its discovery port is closed too).
      await plug.unplug();
      await rejectsWith(client.send('{}'), UnreachableError, 'UNREACHABLE');
      await rejectsWith(client.send('{}'), UnreachableError, 'UNREACHABLE');
      assert.equal(client.wakeUps, 2);
      for (let poll = 0; poll < 3; poll++) {
        await rejectsWith(client.send('{}'), UnreachableError, 'UNREACHABLE');
      }
      assert.equal(client.wakeUps, 2, 'no wake-up (and no wait) on every poll');

      // Power back: discovery answers, HTTP stays closed; still within the repeat interval.
      await plug.plugIn();
      await rejectsWith(client.send('{}'), UnreachableError, 'UNREACHABLE');
      assert.deepEqual([client.wakeUps, probes()], [2, 1]);

      // A minute later the transport tries again, and the probe opens the port.
      now += WAKE_UP_REPEAT_MS;
      await client.send('{}');
      assert.deepEqual([client.wakeUps, probes()], [3, 2]);

      // Answered again, so the next outage gets its wake-up at once.
      await plug.unplug();
      await plug.plugIn();
      await rejectsWith(client.send('{}'), UnreachableError, 'UNREACHABLE'); // the old session
      await client.send('{}');
      assert.deepEqual([client.wakeUps, probes()], [4, 3]);
    } finally {
      await client.close();
      await plug.close();
    }
  });

  it('close() during the wait ends it with ClosedError; bad options fall back to defaults', async () => {
    // A closed TCP port and a UDP peer that swallows probes: the transport waits after probing.
    const tcp = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, HOST, () => resolve()));
    const tcpPort = (tcp.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    const udp = dgram.createSocket('udp4');
    let probed = false;
    udp.on('message', () => {
      probed = true;
    });
    await new Promise<void>((resolve) => udp.bind(0, HOST, () => resolve()));
    const client = new KlapTransport({
      host: HOST,
      port: tcpPort,
      discoveryPort: udp.address().port,
      wakeUpDelayMs: 30_000,
    });
    try {
      const pending = client.send('{}');
      while (!probed) await new Promise((resolve) => setTimeout(resolve, 5));
      await client.close();
      // The wake-up's own 30-s listen ends with close() too, not only the wait after it.
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        pending.then(
          () => 'answered',
          () => 'ended',
        ),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve('still listening'), 10_000);
        }),
      ]);
      clearTimeout(timer);
      assert.equal(waited, 'ended');
      await rejectsWith(pending, ClosedError, 'CLOSED');
    } finally {
      udp.close();
    }

    const defaults = new KlapTransport({ host: HOST, discoveryPort: 0, wakeUpDelayMs: -5 });
    assert.equal(defaults.discoveryPort, 20002);
    assert.equal(defaults.wakeUpDelayMs, DEFAULT_WAKE_UP_DELAY_MS);
    const off = new KlapTransport({ host: HOST, discoveryPort: null, wakeUpDelayMs: 10 ** 9 });
    assert.equal(off.discoveryPort, null);
    assert.equal(off.wakeUpDelayMs, 60_000);
    assert.equal(new KlapTransport({ host: HOST, discoveryPort: 30000 }).discoveryPort, 30000);
  });

  it('the emulator refuses lazyHttp without a discovery port', async () => {
    await assert.rejects(startEmulator({ model: 'P110', lazyHttp: true }), /discoveryPort/);
  });
});
