/**
 * Emulated hubs on the wire and from outside: an H100 with children over KLAP (its default),
 * AES and TPAP on 127.0.0.1, the control interface over real HTTP (every action, its errors),
 * and `lamp-emulator --model H100 --child … --control` from argument parsing to a running
 * process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { type EmulatedDevice, type SmartDeviceFaults, startEmulator } from '../../src/emulator';
import { parseArgs, USAGE } from '../../src/emulator/cli';
import { discover } from '../../src/transport/discovery';
import { KlapTransport } from '../../src/transport/klap/klap-transport';

const USER = 'hub@example.com';
const PASS = 'Hub-Pass7';
const CLI = path.join(__dirname, '../../src/emulator/cli.ts');

type Json = Record<string, unknown>;

const running: EmulatedDevice[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.close()));
});

async function start(options: Partial<Parameters<typeof startEmulator>[0]> = {}) {
  const device = await startEmulator({
    model: 'H100',
    children: ['S200B', 'S200D', 'T100', 'T110', 'T300', 'T310', 'S220', 'KE100'],
    username: USER,
    password: PASS,
    controlPort: 0,
    ...options,
  });
  running.push(device);
  return device;
}

async function post(device: EmulatedDevice, route: string, body?: unknown) {
  const res = await fetch(`${device.controlUrl}${route}`, {
    method: 'POST',
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function get(device: EmulatedDevice, route: string) {
  const res = await fetch(`${device.controlUrl}${route}`);
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('emulated hub on the wire', () => {
  it('speaks KLAP by default, and AES and TPAP when asked; a press reaches the log', async () => {
    for (const protocol of [undefined, 'aes', 'tpap'] as const) {
      const device = await start(protocol ? { protocol } : {});
      assert.equal(device.protocol, protocol ?? 'klap');
      // Only older firmware speaks AES (H100 up to 1.5.10): the hub reports such a version.
      assert.match(String(device.info.fw_ver), protocol === 'aes' ? /^1\.5\.10 / : /^1\.5\.23 /);
      const client = await connect({
        host: device.host,
        port: device.port,
        ...(protocol ? { protocol } : {}),
        username: USER,
        password: PASS,
        timeoutMs: 3000,
      });
      try {
        const list = (await client.request('get_child_device_list', { start_index: 0 })) as Json;
        assert.equal(list.sum, 8);
        const entry = device.hub.press('Button');
        const logs = (await client.request('control_child', {
          device_id: device.hub.child('Button').id,
          requestData: { method: 'get_trigger_logs', params: { start_id: 0, page_size: 5 } },
        })) as Json;
        const inner = (logs.responseData as Json).result as Json;
        assert.deepEqual((inner.logs as Json[])[0], entry);
      } finally {
        await client.close();
      }
    }
  });
});

describe('emulated hub discovery', () => {
  it('announces a Tapo hub on KLAP, or AES for the older firmware', async () => {
    for (const [model, protocol, type] of [
      ['H100', 'klap', 'SMART.TAPOHUB'],
      ['KH100', 'aes', 'SMART.KASAHUB'],
    ] as const) {
      const device = await start({ model, protocol, discoveryPort: 0, children: [] });
      const [found] = await discover({
        targets: ['127.0.0.1'],
        port: device.discoveryPort ?? 0,
        legacyPort: null,
        timeoutMs: 2000,
      });
      assert.equal(found?.deviceType, type);
      assert.equal(found?.model, model);
      assert.equal(found?.protocol, protocol);
      assert.equal(found?.port, device.port);
    }
  });
});

describe('nested control_child over the wire', () => {
  it('each mode as a KLAP client sees it; timeout means no answer at all', async () => {
    const device = await start({ children: ['S200B'], nestedControlChild: 'top-level' });
    const faults = device.deviceFaults as SmartDeviceFaults;
    assert.equal(faults.nestedControlChild, 'top-level');
    const wire = new KlapTransport({
      host: device.host,
      port: device.port,
      username: USER,
      password: PASS,
      timeoutMs: 1500,
    });
    const batch = JSON.stringify({
      method: 'multipleRequest',
      params: {
        requests: [
          { method: 'get_device_info' },
          {
            method: 'control_child',
            params: {
              device_id: device.hub.children[0].id,
              requestData: { method: 'get_trigger_logs', params: { start_id: 0 } },
            },
          },
        ],
      },
    });
    try {
      assert.deepEqual(JSON.parse(await wire.send(batch)), { error_code: -1003 });
      faults.nestedControlChild = 'timeout';
      await assert.rejects(wire.send(batch), /time/i);
      faults.nestedControlChild = 'accept';
      const accepted = JSON.parse(await wire.send(batch)) as { result: { responses: Json[] } };
      assert.deepEqual(
        accepted.result.responses.map((r) => [r.method, r.error_code]),
        [
          ['get_device_info', 0],
          ['control_child', 0],
        ],
      );
    } finally {
      await wire.close();
    }
  });
});

describe('hub control interface (HTTP)', () => {
  it('lists children, runs every action, and answers its log entries', async () => {
    const device = await start();
    const listed = await get(device, '/children');
    assert.equal(listed.status, 200);
    const children = listed.body as Json[];
    assert.deepEqual(
      children.map((c) => [c.index, c.alias, c.model, c.kind]),
      [
        [1, 'Button', 'S200B', 'button'],
        [2, 'Dial', 'S200D', 'dial'],
        [3, 'Motion sensor', 'T100', 'motion'],
        [4, 'Contact sensor', 'T110', 'contact'],
        [5, 'Leak sensor', 'T300', 'leak'],
        [6, 'Climate sensor', 'T310', 'climate'],
        [7, 'Light switch', 'S220', 'switch'],
        [8, 'Radiator valve', 'KE100', 'thermostat'],
      ],
    );
    const one = await get(device, `/children/${encodeURIComponent('motion SENSOR')}`);
    assert.equal((one.body as Json).id, device.hub.children[2].id);

    const press = await post(device, '/children/Button/press', { event: 'doubleClick' });
    assert.equal(press.status, 200);
    assert.equal(((press.body.logged as Json[])[0] as Json).event, 'doubleClick');
    assert.equal(
      ((await post(device, '/children/1/press')).body.logged as Json[])[0].event,
      'singleClick',
    );
    const rotate = await post(device, '/children/Dial/rotate', { degrees: -30 });
    assert.deepEqual((rotate.body.logged as Json[])[0].params, { rotate_deg: -30 });
    await post(device, '/children/3/motion');
    assert.equal(device.hub.child(3).info.detected, true);
    await post(device, '/children/4/contact', { open: true });
    assert.equal(device.hub.child(4).info.open, true);
    const kept = await post(device, '/children/4/keep-open');
    assert.equal((kept.body.logged as Json[])[0].event, 'keepOpen');
    await post(device, '/children/5/leak', { wet: true });
    assert.equal(device.hub.child(5).info.water_leak_status, 'water_leak');
    const climate = await post(device, '/children/6/climate', { temperature: 27.5, humidity: 50 });
    assert.equal(((climate.body.child as Json).record as Json).current_temp, 27.5);
    assert.equal((climate.body.logged as Json[])[0].event, 'tooHot');
    const toggled = await post(device, '/children/7/switch');
    assert.equal(((toggled.body.child as Json).record as Json).device_on, true);
    await post(device, '/children/8/battery', { low: true });
    assert.equal(device.hub.child(8).info.at_low_battery, true);
    const offline = await post(device, '/children/1/online', { online: false });
    assert.equal((offline.body.child as Json).online, false);
    assert.deepEqual(offline.body.logged, []);
    const alarm = await get(device, '/alarm');
    assert.equal((alarm.body as Json).sounding, false);
  });

  it('refuses mistakes with a status and a message, changing nothing', async () => {
    const device = await start();
    const before = device.hub.child('Button').log?.all.length;
    const cases: [string, unknown, number, RegExp][] = [
      ['/children/Porch/press', undefined, 404, /no paired device "Porch"/],
      ['/children/Button/fly', undefined, 404, /actions: press, rotate/],
      ['/children/Button/rotate', { degrees: 10 }, 400, /it takes: press/],
      ['/children/Button/press', { event: 'hold' }, 400, /singleClick/],
      ['/children/Button/press', 'not json', 400, /JSON object/],
      ['/children/Dial/rotate', { degrees: 'left' }, 400, /whole number/],
      ['/children/4/contact', {}, 400, /open must be true or false/],
      ['/lights', undefined, 404, /no route/],
    ];
    for (const [route, body, status, message] of cases) {
      const reply = await post(device, route, body);
      assert.equal(reply.status, status, route);
      assert.match(String(reply.body.error), message, route);
    }
    const wrongMethod = await fetch(`${device.controlUrl}/children/1/press`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(device.hub.child('Button').log?.all.length, before);
  });

  it('pairs and unpairs devices', async () => {
    const device = await start({ children: ['S200B'] });
    const paired = await post(device, '/children', { model: 't110', alias: 'Back door' });
    assert.equal(paired.status, 200);
    const child = paired.body.child as Json;
    assert.deepEqual(
      [child.index, child.alias, child.model, child.kind],
      [2, 'Back door', 'T110', 'contact'],
    );
    assert.equal((await post(device, '/children/Back%20door/contact', { open: true })).status, 200);
    for (const body of [{}, { model: 'X9' }, { model: 'T100', alias: '  ' }]) {
      assert.equal((await post(device, '/children', body)).status, 400, JSON.stringify(body));
    }
    const removed = await fetch(`${device.controlUrl}/children/2`, { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.deepEqual(
      ((await get(device, '/children')).body as Json[]).map((c) => c.alias),
      ['Button'],
    );
    assert.equal(
      (await fetch(`${device.controlUrl}/children/9`, { method: 'DELETE' })).status,
      404,
    );
  });

  it('exists only on hubs and only when asked for', async () => {
    const plain = await start({ controlPort: undefined });
    assert.equal(plain.controlUrl, null);
    await assert.rejects(
      startEmulator({ model: 'L530', controlPort: 0 }),
      /controlPort needs a hub/,
    );
    await assert.rejects(startEmulator({ model: 'P300', children: ['T100'] }), /not a hub/);
    const lamp = await startEmulator({ model: 'L530' });
    running.push(lamp);
    assert.throws(() => lamp.hub, /not a hub/);
  });
});

describe('lamp-emulator with hubs', () => {
  it('--child pairs with the hub before it, --control numbers ports per hub', () => {
    const config = parseArgs([
      '--model',
      'H100',
      '--child',
      'S200B',
      '--child',
      't100:Hall motion',
      '--model',
      'L530',
      '--model',
      'KH100',
      '--child',
      'KE100',
      '--control',
      '9100',
      '--nested-control-child',
      'accept',
    ]);
    assert.ok(config !== 'help');
    assert.deepEqual(
      config.devices.map((d) => [d.model, d.children, d.controlPort, d.nestedControlChild]),
      [
        ['H100', ['S200B', { model: 'T100', alias: 'Hall motion' }], 9100, 'accept'],
        ['L530', undefined, undefined, 'accept'],
        ['KH100', ['KE100'], 9101, 'accept'],
      ],
    );
    assert.throws(() => parseArgs(['--child', 'S200B', '--model', 'H100']), /before it/);
    assert.throws(() => parseArgs(['--model', 'H100', '--child', 'T999']), /valid: S200B/);
    assert.throws(() => parseArgs(['--model', 'L530', '--control', '9100']), /needs a hub/);
    assert.throws(
      () => parseArgs(['--model', 'H100', '--nested-control-child', 'maybe']),
      /accept, slot-error, missing, top-level, timeout/,
    );
    assert.match(USAGE, /--child MODEL\[:NAME\]/);
    assert.match(USAGE, /POST \/children\/CHILD\/press/);
  });

  it('runs a hub with children and its control port, printing both', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        '--model',
        'H100',
        '--child',
        'S200B',
        '--child',
        'T100',
        '--control',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      assert.match(line, /^H100 Tapo hub listening on http:\/\/127\.0\.0\.1:\d+ \(KLAP v2/);
      assert.match(line, /paired: 1 Button \(S200B\), 2 Motion sensor \(T100\)/);
      const url = /control on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      assert.ok(url, line);
      const res = await fetch(`${url}/children/Button/press`, { method: 'POST' });
      assert.equal(res.status, 200);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
