/**
 * POST /lamp-control/discover (the editor's "Search" button), through the test helper.
 * Loopback only: the helper settings point `lampControlDiscoveryTargets` at 127.0.0.1 and
 * `lampControlDiscoveryPort` at an emulator's ephemeral discovery port, or the body names an
 * explicit 127.0.0.1:port target. The default targets (broadcasts) are only computed, never used.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import {
  DISCOVER_PATH,
  defaultDiscoveryTargets,
  directedBroadcast,
  registerDiscoverRoute,
  settingsPort,
} from '../../src/nodes/shared/discovery-route';
import type { DiscoveredDevice } from '../../src/transport/discovery';
import { expandTargets } from '../../src/transport/discovery-targets';
import { allNodes, helper, TAB } from './support';

const LOOPBACK = '127.0.0.1';
const flow = [{ id: TAB, type: 'tab', label: 'tests' }];

interface DiscoverBody {
  devices: DiscoveredDevice[];
  targets: string[];
}

describe('POST /lamp-control/discover', () => {
  let lamp: EmulatedDevice;
  let plug: EmulatedDevice;

  before(async () => {
    await helper.startServer();
    lamp = await startEmulator({ model: 'L530', discoveryPort: 0 });
    plug = await startEmulator({ model: 'P110', discoveryPort: 0, encryption: 'TPAP' });
  });
  after(async () => {
    helper.settings({});
    await Promise.all([lamp.close(), plug.close()]);
    await helper.stopServer();
  });
  afterEach(() => helper.unload());

  const post = (body?: unknown) => {
    const request = helper.request().post(DISCOVER_PATH);
    return body === undefined ? request : request.send(body);
  };

  it('without a target: the configured targets on the configured port', async () => {
    helper.settings({
      lampControlDiscoveryTargets: [LOOPBACK],
      lampControlDiscoveryPort: lamp.discoveryPort,
    });
    await helper.load(allNodes, flow);
    for (const body of [undefined, {}, { target: '' }, { timeout: '2' }]) {
      const res = await post(body);
      assert.equal(res.status, 200, JSON.stringify(body));
      const { devices, targets } = res.body as DiscoverBody;
      assert.deepEqual(targets, [LOOPBACK]);
      assert.equal(devices.length, 1);
      assert.equal(devices[0].host, LOOPBACK);
      assert.equal(devices[0].port, lamp.port);
      assert.equal(devices[0].model, 'L530E');
      assert.equal(devices[0].supported, true);
    }
  });

  it('an explicit target (host:port) is queried alone, with the verdict', async () => {
    helper.settings({ lampControlDiscoveryTargets: [] });
    await helper.load(allNodes, flow);
    const res = await post({ target: ` ${LOOPBACK}:${plug.discoveryPort} `, timeout: 2 });
    assert.equal(res.status, 200);
    const { devices, targets } = res.body as DiscoverBody;
    assert.deepEqual(targets, [`${LOOPBACK}:${plug.discoveryPort}`]);
    assert.deepEqual(
      devices.map((d) => [d.model, d.encryption, d.supported, d.verdictCode]),
      [['P110', 'TPAP', true, 'TPAP']],
    );
    assert.match(devices[0].verdict, /^Tapo\/Kasa device \(TPAP\): supported$/);

    // An empty target list in the settings means "only what the user types": nothing sent.
    const none = await post({});
    assert.deepEqual(none.body, { devices: [], targets: [] });
  });

  it('a network typed in Host is asked host by host; too wide a network is refused unsent', async () => {
    helper.settings({ lampControlDiscoveryTargets: [] });
    await helper.load(allNodes, flow);
    // A /32 is the one network a test may scan: 127.0.0.1 itself.
    const res = await post({ target: `${LOOPBACK}/32:${plug.discoveryPort}`, timeout: 2 });
    assert.equal(res.status, 200);
    const { devices, targets } = res.body as DiscoverBody;
    assert.deepEqual(targets, [`${LOOPBACK}:${plug.discoveryPort}`]);
    assert.deepEqual(
      devices.map((d) => d.model),
      ['P110'],
    );
    for (const target of ['192.0.2.0/16', '192.0.2.0/33', '192.0.2/24']) {
      const refused = await post({ target });
      assert.equal(refused.status, 400, target);
      assert.match((refused.body as { message: string }).message, /192\.0\.2\.0\/24/);
    }
  });

  it('several configured targets, unusable entries skipped, sorted answer', async () => {
    helper.settings({
      lampControlDiscoveryTargets: [
        `${LOOPBACK}:${plug.discoveryPort}`,
        'not an address',
        42,
        `${LOOPBACK}:${lamp.discoveryPort}`,
      ],
    });
    await helper.load(allNodes, flow);
    const res = await post({ timeout: 2 });
    const { devices, targets } = res.body as DiscoverBody;
    assert.equal(targets.length, 2);
    assert.deepEqual(
      devices.map((d) => d.port),
      [lamp.port, plug.port].sort((a, b) => a - b),
    );
  });

  it('400 for a bad body', async () => {
    helper.settings({ lampControlDiscoveryTargets: [] });
    await helper.load(allNodes, flow);
    const bad = [
      [],
      [{ target: LOOPBACK }],
      { target: 5 },
      { target: '  ' },
      { target: 'a b' },
      { target: 'http://127.0.0.1' },
      { target: `${LOOPBACK}:0` },
      { timeout: 'soon' },
      { timeout: 0 },
      { timeout: -1 },
      { timeout: 31 },
      { timeout: null },
    ];
    for (const body of bad) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal((res.body as { code: string }).code, 'BAD_REQUEST');
    }
  });

  it('registers once per admin app, guarded by klap-device.read', () => {
    const routes: [string, string][] = [];
    const fakeRed = {
      auth: { needsPermission: (permission: string) => permission },
      httpAdmin: {
        post: (path: string, permission: string) => routes.push([path, permission]),
      },
    };
    registerDiscoverRoute(fakeRed as never);
    registerDiscoverRoute(fakeRed as never);
    assert.deepEqual(routes, [[DISCOVER_PATH, 'klap-device.read']]);
  });
});

describe('networks expanded into unicast targets (computed, never sent)', () => {
  it('hosts of a /24 … /32, a port applied to each, other values passed through', () => {
    const hosts = expandTargets(['192.0.2.0/24']) ?? [];
    assert.equal(hosts.length, 254);
    assert.deepEqual([hosts[0], hosts.at(-1)], ['192.0.2.1', '192.0.2.254']);
    // A /30 has two hosts; the network's own address is not one of them.
    assert.deepEqual(expandTargets(['198.51.100.77/30:20002']), [
      '198.51.100.77:20002',
      '198.51.100.78:20002',
    ]);
    assert.deepEqual(expandTargets(['203.0.113.9/32', 'lamp.local', '203.0.113.5:99']), [
      '203.0.113.9',
      'lamp.local',
      '203.0.113.5:99',
    ]);
    assert.equal(expandTargets(['192.0.2.0/23'])?.length, 510);
    assert.equal(expandTargets(['192.0.2.0/21']), null, 'wider than a /22');
    assert.equal(expandTargets(['192.0.2.300/24']), null);
  });
});

describe('discovery targets and port from settings', () => {
  // Pure computation over a fake interface table: nothing here is sent anywhere. Documentation
  // ranges (RFC 5737) stand in for home networks; 255.255.255.255 is the computed limited broadcast.
  it('directed broadcasts per IPv4 interface, after the limited broadcast (computed, never sent)', () => {
    assert.equal(directedBroadcast('192.0.2.20', '255.255.255.0'), '192.0.2.255');
    assert.equal(directedBroadcast('198.51.100.3', '255.255.0.0'), '198.51.255.255');
    assert.equal(directedBroadcast('203.0.113.4', '255.255.240.0'), '203.0.127.255');
    assert.equal(directedBroadcast('192.0.2.1', '255.255.255.255'), null);
    assert.equal(directedBroadcast('192.0.2.1', '255.255.255.254'), null);
    assert.equal(directedBroadcast('fe80::1', 'ffff::'), null);
    assert.equal(directedBroadcast('1.2.3', '255.0.0.0'), null);
    assert.equal(directedBroadcast('1.2.3.999', '255.0.0.0'), null);

    const base = { mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 };
    const targets = defaultDiscoveryTargets({
      lo: [{ ...base, address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true }],
      eth0: [
        {
          ...base,
          address: '192.0.2.20',
          netmask: '255.255.255.0',
          family: 'IPv4',
          internal: false,
        },
        {
          ...base,
          address: 'fe80::1',
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6',
          internal: false,
        },
      ],
      wlan0: [
        {
          ...base,
          address: '192.0.2.21',
          netmask: '255.255.255.0',
          family: 'IPv4',
          internal: false,
        },
      ],
      old: [
        {
          ...base,
          address: '198.51.100.5',
          netmask: '255.255.0.0',
          family: 4 as never,
          internal: false,
        },
      ],
      none: undefined,
    } as never);
    assert.deepEqual(targets, ['255.255.255.255', '192.0.2.255', '198.51.255.255']);
    assert.equal(defaultDiscoveryTargets()[0], '255.255.255.255');
  });

  it('lampControlDiscoveryPort, else 20002', () => {
    assert.equal(settingsPort({}), 20002);
    assert.equal(settingsPort({ lampControlDiscoveryPort: 20004 }), 20004);
    for (const bad of ['20004', 0, 70000, 1.5, null]) {
      assert.equal(settingsPort({ lampControlDiscoveryPort: bad }), 20002, String(bad));
    }
  });
});
