/**
 * Emulated SMART power strips (P300, P304M): the child list and its paging, control_child with
 * single and multiple bodies and their reply envelopes, errors, list order against `position`,
 * the parent without power of its own, and per-outlet energy. Once through real KLAP and once
 * through AES on 127.0.0.1; the rest against the JSON side directly.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { createModel, type SmartModel } from '../../src/emulator/models';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { KlapTransport } from '../../src/transport/klap/klap-transport';

const USER = 'strips@example.com';
const PASS = 'Outlet-Pass7';

type Json = Record<string, unknown>;
interface Reply {
  error_code: number;
  result?: Json;
}

const running: EmulatedDevice[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.close()));
});

function strip(
  name: 'P300' | 'P304M',
  edit: (model: SmartModel) => void = () => {},
  clock?: () => number,
) {
  const model = createModel(name) as SmartModel;
  edit(model);
  const d = new EmulatedSmartDevice(model, { clock });
  const call = (method: string, params?: unknown): Reply =>
    JSON.parse(
      d.handle(JSON.stringify({ method, params, request_time_milis: 1, terminal_uuid: 'u' })),
    );
  /** control_child as python-kasa sends it; requestData's params are null when absent. */
  const child = (id: string, method: string, params: unknown = null): Reply =>
    call('control_child', { device_id: id, requestData: { method, params } });
  const idAt = (position: number): string => {
    const found = d.children.find((c) => c.info.position === position);
    assert.ok(found, `no outlet at position ${position}`);
    return found.id;
  };
  return { d, call, child, idAt };
}

/** A client of a running strip (our device layer, as a raw-request carrier). */
function clientOf(device: EmulatedDevice, protocol?: 'aes') {
  return connect({
    host: device.host,
    port: device.port,
    ...(protocol ? { protocol } : {}),
    username: USER,
    password: PASS,
    timeoutMs: 3000,
    discoveryPort: null,
  });
}

const list = (reply: Reply) => reply.result?.child_device_list as Json[];
const decode = (nickname: unknown) => Buffer.from(String(nickname), 'base64').toString();

describe('emulated P300 over KLAP', () => {
  it('lists its outlets in reverse with the right positions, and switches only the one asked', async () => {
    const device = await startEmulator({ model: 'P300', username: USER, password: PASS });
    running.push(device);
    assert.deepEqual(
      [device.protocol, device.klapVersion, device.dialect, device.description],
      ['klap', 2, 'smart', 'P300 Tapo power strip, 3 outlets'],
    );
    const wire = new KlapTransport({
      host: device.host,
      port: device.port,
      username: USER,
      password: PASS,
      timeoutMs: 3000,
    });
    const ask = async (method: string, params?: unknown): Promise<Reply> =>
      JSON.parse(
        await wire.send(
          JSON.stringify({ method, request_time_milis: Date.now(), terminal_uuid: 'x', params }),
        ),
      );
    try {
      const components = (await ask('component_nego')).result?.component_list as Json[];
      const ids = components.map((c) => c.id);
      assert.ok(ids.includes('child_device') && ids.includes('control_child'));
      assert.equal(components.find((c) => c.id === 'control_child')?.ver_code, 2);

      const info = (await ask('get_device_info')).result!;
      assert.equal(info.model, 'P300');
      assert.equal(typeof info.rssi, 'number');
      assert.ok(!('device_on' in info), 'a strip parent reports no power of its own');

      const outlets = list(await ask('get_child_device_list'));
      assert.deepEqual(
        outlets.map((o) => [o.position, decode(o.nickname), o.slot_number]),
        [
          [3, 'Fan', 3],
          [2, 'Reading lamp', 3],
          [1, 'Desk lamp', 3],
        ],
      );
      const second = outlets[1];
      const before = outlets.map((o) => o.device_on);
      const set = await ask('control_child', {
        device_id: second.device_id,
        requestData: { method: 'set_device_info', params: { device_on: true } },
      });
      assert.deepEqual(set, { error_code: 0, result: { responseData: { error_code: 0 } } });
      const afterSet = list(await ask('get_child_device_list')).map((o) => o.device_on);
      assert.deepEqual(afterSet, [before[0], true, before[2]]);
      assert.deepEqual(
        device.outlets.map((o) => [o.position, o.alias, o.on]),
        [
          [1, 'Desk lamp', before[2]],
          [2, 'Reading lamp', true],
          [3, 'Fan', before[0]],
        ],
      );
    } finally {
      await wire.close();
    }
  });

  it('--protocol puts a strip on AES or TPAP too', async () => {
    for (const protocol of ['aes', 'tpap'] as const) {
      const device = await startEmulator({
        model: 'P304M',
        protocol,
        username: USER,
        password: PASS,
      });
      running.push(device);
      assert.equal(device.protocol, protocol);
    }
    const aes = running[running.length - 2];
    const lamp = await clientOf(aes, 'aes');
    try {
      const reply = (await lamp.request('get_child_device_list')) as Json;
      assert.equal(reply.sum, 4);
    } finally {
      await lamp.close();
    }
  });
});

describe('emulated strip: child list and paging', () => {
  it('pages of childPageSize from start_index, with the total in sum', () => {
    const { call } = strip('P304M', (m) => {
      m.childPageSize = 2;
    });
    const first = call('get_child_device_list');
    assert.equal(first.error_code, 0);
    assert.deepEqual([first.result?.start_index, first.result?.sum], [0, 4]);
    assert.deepEqual(
      list(first).map((o) => o.position),
      [1, 2],
    );
    const second = call('get_child_device_list', { start_index: 2 });
    assert.deepEqual([second.result?.start_index, second.result?.sum], [2, 4]);
    assert.deepEqual(
      list(second).map((o) => o.position),
      [3, 4],
    );
    assert.deepEqual(list(call('get_child_device_list', { start_index: 4 })), []);
    for (const bad of [{ start_index: -1 }, { start_index: 1.5 }, { start_index: '2' }, 'x']) {
      assert.equal(call('get_child_device_list', bad).error_code, -1008, JSON.stringify(bad));
    }
  });

  it('the component list pages alike, in the same order, one entry per outlet', () => {
    const { call } = strip('P300', (m) => {
      m.childPageSize = 2;
    });
    const ids = [
      ...list(call('get_child_device_list')),
      ...list(call('get_child_device_list', { start_index: 2 })),
    ].map((o) => o.device_id);
    const pages = [
      call('get_child_device_component_list').result!,
      call('get_child_device_component_list', { start_index: 2 }).result!,
    ];
    assert.deepEqual(
      pages.map((p) => [p.start_index, p.sum]),
      [
        [0, 3],
        [2, 3],
      ],
    );
    const entries = pages.flatMap((p) => p.child_component_list as Json[]);
    assert.deepEqual(
      entries.map((e) => e.device_id),
      ids,
    );
    for (const entry of entries) {
      const components = (entry.component_list as Json[]).map((c) => c.id);
      assert.ok(components.includes('auto_off') && components.includes('device'));
      assert.ok(!components.includes('child_device'), 'an outlet has no children');
    }
  });

  it('the default page holds every outlet of a P300 (10 per page)', () => {
    const reply = strip('P300').call('get_child_device_list');
    assert.equal(list(reply).length, 3);
  });

  it('devices without outlets do not know the child methods', () => {
    const d = new EmulatedSmartDevice(createModel('P110') as SmartModel);
    for (const method of ['get_child_device_list', 'control_child']) {
      const reply = JSON.parse(d.handle(JSON.stringify({ method })));
      assert.equal(reply.error_code, -1002, method);
    }
  });
});

describe('emulated strip: control_child', () => {
  it('a single get answers the outlet entry inside responseData', () => {
    const { child, idAt, call } = strip('P300');
    const reply = child(idAt(1), 'get_device_info');
    assert.equal(reply.error_code, 0);
    const data = reply.result?.responseData as Reply;
    assert.equal(data.error_code, 0);
    assert.equal(data.result?.position, 1);
    assert.equal(decode(data.result?.nickname), 'Desk lamp');
    assert.deepEqual(Object.keys(reply.result!), ['responseData'], 'nothing beside responseData');
    const entry = list(call('get_child_device_list')).find((o) => o.position === 1);
    assert.deepEqual(data.result, entry);
  });

  it('set_device_info switches and renames one outlet; the parent stays without power', () => {
    const { d, child, idAt, call } = strip('P300');
    const id = idAt(2);
    const nickname = Buffer.from('Sofa lamp').toString('base64');
    const reply = child(id, 'set_device_info', { device_on: true, nickname });
    assert.deepEqual(reply, { error_code: 0, result: { responseData: { error_code: 0 } } });
    assert.deepEqual(
      d.children.map((c) => [c.info.position, c.info.device_on, decode(c.info.nickname)]),
      [
        [3, false, 'Fan'],
        [2, true, 'Sofa lamp'],
        [1, true, 'Desk lamp'],
      ],
    );
    assert.ok(!('device_on' in call('get_device_info').result!));
  });

  it('a multipleRequest body answers responses with per-method errors, stopping at the first', () => {
    const { child, d } = strip('P300');
    const id = d.children[0].id;
    const reply = child(id, 'multipleRequest', {
      requests: [
        { method: 'get_device_info' },
        { method: 'get_energy_usage' },
        { method: 'get_device_usage' },
      ],
    });
    assert.equal(reply.error_code, 0);
    const data = reply.result?.responseData as Reply;
    assert.equal(data.error_code, 0);
    const responses = data.result?.responses as (Reply & { method: string })[];
    assert.deepEqual(
      responses.map((r) => [r.method, r.error_code]),
      [
        ['get_device_info', 0],
        ['get_energy_usage', -1002],
      ],
    );
    assert.equal(responses[0].result?.device_id, id);
    assert.ok(!('result' in responses[1]));
  });

  it('refuses a malformed body or an unknown device_id on the outer reply', () => {
    const { call, idAt } = strip('P300');
    const id = idAt(1);
    for (const params of [
      undefined,
      { device_id: 'no-such-outlet', requestData: { method: 'get_device_info', params: null } },
      { device_id: id },
      { device_id: id, requestData: { params: {} } },
      { device_id: id, requestData: 'get_device_info' },
    ]) {
      const reply = call('control_child', params);
      assert.deepEqual(reply, { error_code: -1008 }, JSON.stringify(params));
    }
  });

  it('an outlet answers -1008 for parent-only methods and bad values, -1002 for unknown ones', () => {
    const { child, idAt } = strip('P300');
    const id = idAt(3);
    const inner = (reply: Reply) => reply.result?.responseData;
    assert.deepEqual(inner(child(id, 'get_led_info')), { error_code: -1008 });
    assert.deepEqual(inner(child(id, 'get_child_device_list')), { error_code: -1008 });
    assert.deepEqual(inner(child(id, 'control_child', { device_id: id })), { error_code: -1008 });
    assert.deepEqual(inner(child(id, 'no_such_method')), { error_code: -1002 });
    for (const params of [{ device_on: 'on' }, { brightness: 50 }, { nickname: 'not base64!' }]) {
      assert.deepEqual(inner(child(id, 'set_device_info', params)), { error_code: -1008 });
    }
    assert.deepEqual(inner(child(id, 'get_auto_off_config')), {
      error_code: 0,
      result: { delay_min: 120, enable: false },
    });
  });

  it('the parent takes no device_on and serves no outlet features', () => {
    const { call } = strip('P304M');
    assert.deepEqual(call('set_device_info', { device_on: true }), { error_code: -1008 });
    assert.deepEqual(call('get_energy_usage'), { error_code: -1008 });
    assert.deepEqual(call('get_current_power'), { error_code: -1008 });
    const info = call('get_device_info').result!;
    for (const key of ['device_on', 'on_time', 'auto_off_status', 'overheated']) {
      assert.ok(!(key in info), key);
    }
    for (const key of ['rssi', 'ssid', 'signal_level', 'mac', 'fw_ver'])
      assert.ok(key in info, key);
    // A new name is the parent's own business.
    const nickname = Buffer.from('Hall strip').toString('base64');
    assert.deepEqual(call('set_device_info', { nickname }), { error_code: 0 });
    assert.equal(call('get_device_info').result?.nickname, nickname);
  });

  it('parentAsPlug keeps the old single-plug parent: device_on stored, outlets metered as one', () => {
    const { call } = strip('P304M', (m) => {
      m.parentAsPlug = true;
    });
    assert.deepEqual(call('set_device_info', { device_on: true }), { error_code: 0 });
    assert.equal(call('get_device_info').result?.device_on, true);
    // Floor lamp (12 W) and phone charger (5 W) are on.
    assert.deepEqual(call('get_current_power').result, { current_power: 17 });
  });
});

describe('emulated strip: energy per outlet (P304M)', () => {
  it('each outlet meters its own load; get_energy_usage has no current_power', () => {
    let now = Date.UTC(2026, 10, 25, 8, 0, 0);
    const { child, idAt } = strip('P304M', undefined, () => now);
    const data = (reply: Reply): Json => {
      const inner = reply.result?.responseData as Reply | undefined;
      assert.ok(inner?.result, JSON.stringify(reply));
      return inner.result;
    };
    assert.deepEqual(data(child(idAt(1), 'get_current_power')), { current_power: 12 });
    assert.deepEqual(data(child(idAt(3), 'get_current_power')), { current_power: 0 });
    const usage = data(child(idAt(1), 'get_energy_usage'));
    assert.deepEqual(Object.keys(usage).sort(), [
      'electricity_charge',
      'local_time',
      'month_energy',
      'month_runtime',
      'today_energy',
      'today_runtime',
    ]);
    now += 3_600_000;
    const later = data(child(idAt(1), 'get_energy_usage'));
    assert.equal(Number(later.today_energy) - Number(usage.today_energy), 12);
    assert.equal(Number(later.today_runtime) - Number(usage.today_runtime), 60);
    assert.equal(data(child(idAt(3), 'get_energy_usage')).today_energy, 0);
    // Switching outlet 3 on makes it draw its own load, not outlet 1's.
    child(idAt(3), 'set_device_info', { device_on: true });
    assert.deepEqual(data(child(idAt(3), 'get_current_power')), { current_power: 65 });
    // A P304M outlet has no get_emeter_data.
    assert.deepEqual(child(idAt(1), 'get_emeter_data').result?.responseData, { error_code: -1002 });
  });

  it('outlets with emeterData answer get_emeter_data in milli-units', () => {
    const { child, idAt } = strip('P304M', (m) => {
      for (const c of m.children ?? []) if (c.meter) c.meter.emeterData = true;
    });
    const reply = child(idAt(4), 'get_emeter_data').result?.responseData as Reply;
    assert.equal(reply.error_code, 0);
    assert.equal(reply.result?.power_mw, 5000);
    assert.equal(reply.result?.voltage_mv, 230_000);
    assert.equal(reply.result?.current_ma, Math.round((5 / 230) * 1000));
  });

  it('P304M lists its outlets in order, each a metered sub-plug of the same strip', () => {
    const { call, d } = strip('P304M');
    const outlets = list(call('get_child_device_list'));
    assert.deepEqual(
      outlets.map((o) => o.position),
      [1, 2, 3, 4],
    );
    const parent = d.info;
    for (const outlet of outlets) {
      assert.equal(outlet.category, 'plug.powerstrip.sub-plug');
      assert.equal(outlet.original_device_id, parent.device_id);
      assert.equal(outlet.slot_number, 4);
      assert.equal(outlet.mac, String(parent.mac).replace(/-/g, ''));
      assert.ok(!('rssi' in outlet), 'signal is the parent’s');
    }
    assert.equal(new Set(outlets.map((o) => o.device_id)).size, 4, 'ids are distinct');
  });
});

describe('emulated strip from a description (as a device dump gives it)', () => {
  it('serves the given outlets, ids, component order and answers; the description stays as it was', async () => {
    const base = createModel('P300') as SmartModel;
    const [first, second] = base.children!;
    // A switch-like strip: outlets without position, ids as a dump scrubs them, the component
    // list in the other order, a dimmer child, and a recorded answer.
    const described: SmartModel = {
      ...base,
      name: 'KS240',
      children: [
        {
          info: { ...first.info, device_id: 'SCRUBBED_1', position: undefined, brightness: 40 },
          components: [...first.components, { id: 'brightness', ver_code: 1 }],
          getters: { get_device_usage: { time_usage: { today: 5 } } },
        },
        { ...second, info: { ...second.info, device_id: 'SCRUBBED_2', position: undefined } },
      ],
      childComponentOrder: ['SCRUBBED_2', 'SCRUBBED_1'],
      parentAsPlug: true,
    };
    const before = structuredClone(described);
    const device = await startEmulator({ model: described, username: USER, password: PASS });
    running.push(device);
    const lamp = await clientOf(device);
    try {
      const listed = (await lamp.request('get_child_device_list')) as Json;
      assert.deepEqual(
        (listed.child_device_list as Json[]).map((o) => o.device_id),
        ['SCRUBBED_1', 'SCRUBBED_2'],
      );
      const components = (await lamp.request('get_child_device_component_list')) as Json;
      assert.deepEqual(
        (components.child_component_list as Json[]).map((o) => o.device_id),
        ['SCRUBBED_2', 'SCRUBBED_1'],
      );
      const dim = (await lamp.request('control_child', {
        device_id: 'SCRUBBED_1',
        requestData: {
          method: 'multipleRequest',
          params: {
            requests: [
              { method: 'set_device_info', params: { brightness: 70 } },
              { method: 'get_device_usage' },
            ],
          },
        },
      })) as { responseData: { result: { responses: Reply[] } } };
      assert.deepEqual(
        dim.responseData.result.responses.map((r) => [r.error_code, r.result]),
        [
          [0, undefined],
          [0, { time_usage: { today: 5 } }],
        ],
      );
      assert.equal(device.device.info.model, 'P300');
      assert.deepEqual(
        device.outlets.map((o) => [o.position, o.id]),
        [
          [1, 'SCRUBBED_1'],
          [2, 'SCRUBBED_2'],
        ],
        'without position, outlets count in list order',
      );
      assert.equal((device.device as EmulatedSmartDevice).child('SCRUBBED_1')?.info.brightness, 70);
      assert.deepEqual(described, before, "the caller's description is unchanged");
    } finally {
      await lamp.close();
    }
  });
});
