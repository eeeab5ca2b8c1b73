/**
 * A lamp is who it is, not where it is: a config node follows its device to a new address by
 * MAC, refuses a different device at its address (DEVICE_MISMATCH), finds a device whose host
 * is a MAC, on KLAP, AES, TPAP and Kasa legacy. Real Node-RED, emulated devices on 127.0.0.2
 * and 127.0.0.3 (Linux loopback covers 127/8); discovery goes to those two addresses only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { EmulatedDevice, EmulatorOptions } from '../../src/emulator';
import { normaliseMac } from '../../src/transport/mac';
import {
  caughtError,
  controlNode,
  creds,
  deploy,
  getNode,
  helper,
  helperNode,
  hubOf,
  logged,
  nextMessage,
  PASS,
  sleep,
  stateOf,
  statuses,
  USER,
  until,
  useDevices,
} from './support';

const OLD = '127.0.0.2';
const NEW = '127.0.0.3';
const TARGETS = [OLD, NEW];

interface Case {
  protocol: 'klap' | 'aes' | 'tpap' | 'legacy';
  options: EmulatorOptions;
  /** Step timeout in s (TPAP's first login of a process is slow on a loaded machine). */
  timeout: number;
}

const CASES: Case[] = [
  { protocol: 'klap', options: { model: 'L530', username: USER, password: PASS }, timeout: 1 },
  {
    protocol: 'aes',
    options: { model: 'L530', protocol: 'aes', username: USER, password: PASS },
    timeout: 1,
  },
  {
    protocol: 'tpap',
    options: { model: 'L530', protocol: 'tpap', username: USER, password: PASS },
    timeout: 5,
  },
  { protocol: 'legacy', options: { model: 'KL130' }, timeout: 1 },
];

/** The MAC the device reports (get_device_info / sysinfo), "AA:BB:…". */
function macOf(device: EmulatedDevice): string {
  const info = device.info;
  const mac = normaliseMac(info.mac) ?? normaliseMac(info.mic_mac);
  assert.ok(mac, 'the emulated device has a MAC');
  return mac;
}

/** Discovery settings covering both addresses, on the device's own UDP port. */
function searchOn(device: EmulatedDevice): void {
  const port = device.discoveryPort as number;
  helper.settings(
    device.protocol === 'legacy'
      ? {
          lampControlDiscoveryTargets: TARGETS,
          lampControlDiscoveryPort: port,
          lampControlLegacyDiscoveryPort: port,
        }
      : {
          lampControlDiscoveryTargets: TARGETS,
          lampControlDiscoveryPort: port,
          lampControlLegacyDiscoveryPort: false,
        },
  );
}

async function command(payload: unknown): Promise<NodeMessage> {
  const out = nextMessage('out', 20_000);
  const caught = nextMessage('caught', 20_000);
  getNode('ctl').receive({ payload } as NodeMessage);
  const first = await Promise.race([out, caught]);
  return first;
}

/** Requests the device ran that change something (anything but reads and identification). */
function writes(device: EmulatedDevice): string[] {
  const methods = (device.device as { counters: { methods: Record<string, number> } }).counters
    .methods;
  return Object.keys(methods).filter((m) => !/(^|\.)(get_|component_nego)/.test(m));
}

for (const { protocol, options, timeout } of CASES) {
  describe(`device identity on ${protocol}`, () => {
    const start = useDevices();
    const credentials = protocol === 'legacy' ? {} : creds();
    const device = { protocol, version: 1, timeout };

    for (const withMac of [true, false]) {
      it(`follows a device moved from ${OLD} to ${NEW} ${withMac ? 'with' : 'without'} mac set`, async () => {
        const lamp = await start({ ...options, host: OLD, discoveryPort: 0 });
        searchOn(lamp);
        await deploy(lamp, [controlNode('ctl'), helperNode('out')], credentials, {
          ...device,
          ...(withMac ? { mac: macOf(lamp).toLowerCase().replace(/:/g, '-') } : {}),
        });
        const warned = logged('dev', 'warn');
        const shown = statuses('ctl');
        const before = await command({ on: true, brightness: 20 });
        assert.equal(stateOf(before).brightness, 20, JSON.stringify(before.error));
        assert.equal(hubOf().identity().mac, macOf(lamp), 'the MAC is known after a connection');

        await lamp.moveTo(NEW);
        const after = await command({ on: true, brightness: 70 });
        assert.equal(after.error, undefined, JSON.stringify(after.error));
        assert.equal(stateOf(after).brightness, 70);
        assert.equal(lamp.host, NEW);
        assert.equal(hubOf().host, NEW);
        // The test helper's i18n gives keys: the English text is in the locale catalogue.
        assert.deepEqual(
          warned.filter((line) => line.includes('moved')),
          ['klap-device.log.moved'],
          warned.join('\n'),
        );
        assert.ok(
          shown.some((s) => String(s.text).includes('klap-device.status.moved')),
          JSON.stringify(shown),
        );
        // Later commands go straight to the new address.
        assert.equal(stateOf(await command(false)).on, false);
        assert.equal(warned.filter((line) => line.includes('moved')).length, 1, 'said once');
      });
    }

    it('refuses a different device at the address with DEVICE_MISMATCH, sending it no command', async () => {
      const ours = await start({ ...options, host: NEW, discoveryPort: 0 });
      const other = await start({
        ...options,
        host: OLD,
        discoveryPort: ours.discoveryPort as number,
        mac: '02:00:00:00:00:99',
      });
      await ours.unplug(); // our device is gone; only the other one answers
      searchOn(ours);
      await deploy(other, [controlNode('ctl'), helperNode('out')], credentials, {
        ...device,
        mac: macOf(ours),
      });
      const shown = statuses('ctl');
      for (const payload of [{ on: true, brightness: 5 }, false]) {
        const msg = await command(payload);
        assert.equal(caughtError(msg)?.code, 'DEVICE_MISMATCH', JSON.stringify(msg));
        assert.match(caughtError(msg).message, /different device answers at 127\.0\.0\.2/);
      }
      assert.deepEqual(writes(other), [], 'nothing but identification reached the other device');
      assert.ok(
        shown.some((s) => s.text === 'klap-device.status.deviceMismatch'),
        JSON.stringify(shown),
      );
    });

    it('a burst of messages when the device has moved: each goes on once, one move', async () => {
      const lamp = await start({ ...options, host: OLD, discoveryPort: 0 });
      searchOn(lamp);
      await deploy(lamp, [controlNode('ctl'), helperNode('out')], credentials, device);
      assert.equal(stateOf(await command({ on: true })).on, true);
      const warned = logged('dev', 'warn');
      const ended: NodeMessage[] = [];
      getNode('out').on('input', (msg: NodeMessage) => ended.push(msg));
      getNode('caught').on('input', (msg: NodeMessage) => ended.push(msg));
      await lamp.moveTo(NEW);
      for (let i = 0; i < 8; i++) {
        getNode('ctl').receive({ _msgid: `b${i}`, payload: { brightness: 10 + i } } as NodeMessage);
      }
      await until(() => ended.length >= 8, 'every message ended', 20_000);
      await sleep(50);
      assert.deepEqual(
        ended.map((msg) => [msg._msgid, msg.error]).sort(),
        Array.from({ length: 8 }, (_, i) => [`b${i}`, undefined]),
      );
      assert.equal(warned.filter((line) => line.includes('moved')).length, 1);
    });

    it('after a swap while idle (another device took the address), refuses it and follows its own', async () => {
      const lamp = await start({ ...options, host: OLD, discoveryPort: 0 });
      searchOn(lamp);
      await deploy(lamp, [controlNode('ctl'), helperNode('out')], credentials, device);
      assert.equal(stateOf(await command({ on: true, brightness: 15 })).brightness, 15);
      // Both change while the flow is idle: no failed request in between.
      await lamp.moveTo(NEW);
      const other = await start({
        ...options,
        host: OLD,
        port: lamp.port,
        discoveryPort: lamp.discoveryPort as number,
        mac: '02:00:00:00:00:98',
      });
      const msg = await command({ on: true, brightness: 81 });
      assert.equal(msg.error, undefined, JSON.stringify(msg.error));
      assert.equal(stateOf(msg).brightness, 81);
      assert.equal(hubOf().host, NEW);
      assert.deepEqual(writes(other), [], 'the device that took the address got no command');
    });

    it('finds a device whose host is given as a MAC', async () => {
      const lamp = await start({ ...options, host: NEW, discoveryPort: 0 });
      searchOn(lamp);
      const bare = macOf(lamp).replace(/:/g, '').toLowerCase();
      await deploy(
        { host: bare, port: lamp.port },
        [controlNode('ctl'), helperNode('out')],
        credentials,
        device,
      );
      const msg = await command({ on: true, brightness: 44 });
      assert.equal(msg.error, undefined, JSON.stringify(msg.error));
      assert.equal(stateOf(msg).brightness, 44);
      assert.equal(hubOf().host, NEW);
    });
  });
}

describe('Test connection and device identity', () => {
  const start = useDevices();
  interface ProbeReply {
    status: number;
    body: { ok: boolean; mac?: string; code?: string; sentence?: string };
  }
  const post = async (body: unknown): Promise<ProbeReply> =>
    (await helper.request().post('/lamp-control/probe').send(body)) as ProbeReply;

  it('answers with the MAC, refuses another MAC with DEVICE_MISMATCH, finds a host given as a MAC', async () => {
    const lamp = await start({
      model: 'L530',
      username: USER,
      password: PASS,
      host: NEW,
      discoveryPort: 0,
    });
    searchOn(lamp);
    await deploy(lamp, [], creds());
    const at = { host: NEW, port: lamp.port, username: USER, password: PASS, timeout: 2 };
    const ok = await post(at);
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    assert.equal(ok.body.mac, macOf(lamp));

    const other = await post({ ...at, mac: '02:00:00:00:00:01' });
    assert.equal(other.body.ok, false);
    assert.equal(other.body.code, 'DEVICE_MISMATCH');
    assert.match(String(other.body.sentence), /not the one with MAC 02:00:00:00:00:01/);
    assert.deepEqual(writes(lamp), []);

    const bad = await post({ ...at, mac: 'lamp' });
    assert.equal(bad.status, 400);

    const byMac = await post({ ...at, host: macOf(lamp).replace(/:/g, '-') });
    assert.equal(byMac.body.ok, true, JSON.stringify(byMac.body));
    assert.equal(byMac.body.mac, macOf(lamp));
  });
});
