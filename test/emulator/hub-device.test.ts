/**
 * Emulated hubs (H100, KH100) on the JSON side: the paged child lists, control_child with one
 * request or a nested batch, trigger logs and their paging, what each kind of child takes and
 * refuses, the alarm, and the nested-control_child switch on hubs and strips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HubChildOption } from '../../src/emulator';
import { createModel, type SmartModel } from '../../src/emulator/models';
import { pairChildren } from '../../src/emulator/models-hubs';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';

type Json = Record<string, unknown>;
interface Reply {
  error_code: number;
  result?: Json;
}

const ALL: HubChildOption[] = [
  'S200B',
  'S200D',
  'T100',
  'T110',
  'T300',
  'T310',
  'T315',
  'S210',
  'S220',
  'KE100',
];

function hub(
  children: HubChildOption[] = ALL,
  options: { name?: 'H100' | 'KH100'; edit?: (m: SmartModel) => void; clock?: () => number } = {},
) {
  const model = createModel(options.name ?? 'H100') as SmartModel;
  pairChildren(model, children);
  options.edit?.(model);
  const d = new EmulatedSmartDevice(model, { clock: options.clock });
  const hubState = d.hub;
  assert.ok(hubState);
  const raw = (body: Json): string => d.handle(JSON.stringify(body));
  const call = (method: string, params?: unknown): Reply =>
    JSON.parse(raw({ method, params, request_time_milis: 1, terminal_uuid: 'u' }));
  /** control_child; the reply's responseData. */
  const child = (selector: string | number, method: string, params: unknown = null): Reply => {
    const reply = call('control_child', {
      device_id: hubState.child(selector).id,
      requestData: { method, params },
    });
    assert.equal(reply.error_code, 0, `control_child ${method}`);
    return reply.result?.responseData as Reply;
  };
  return { d, hub: hubState, call, child, raw };
}

describe('emulated hub: itself', () => {
  it('H100 and KH100 report themselves as the dumps show (type, no device_on, alarm fields)', () => {
    for (const [name, type] of [
      ['H100', 'SMART.TAPOHUB'],
      ['KH100', 'SMART.KASAHUB'],
    ] as const) {
      const { call } = hub([], { name });
      const info = call('get_device_info').result as Json;
      assert.equal(info.type, type);
      assert.equal(info.model, name);
      assert.ok(!('device_on' in info), 'a hub has no power state');
      assert.equal(info.in_alarm, false);
      assert.equal(info.in_alarm_source, '');
      assert.match(String(info.device_id), /^[0-9A-F]{40}$/);
      const ids = ((call('component_nego').result as Json).component_list as Json[]).map(
        (c) => c.id,
      );
      for (const id of ['child_device', 'control_child', 'alarm', 'time', 'led', 'firmware']) {
        assert.ok(ids.includes(id), `${name} lists ${id}`);
      }
      assert.equal(ids.includes('matter'), name === 'H100');
      assert.deepEqual(call('get_device_usage').result, {});
      assert.equal(call('set_device_info', { device_on: true }).error_code, -1008);
      assert.equal(call('get_energy_usage').error_code, -1002);
    }
  });

  it('the alarm: configure, sound with overrides, stop, in_alarm follows; bad values -1008', () => {
    let now = 1_800_000_000_000;
    const { call, hub: h } = hub([], { clock: () => now });
    assert.deepEqual(call('get_alarm_configure').result, {
      duration: 300,
      type: 'Doorbell Ring 1',
      volume: 'high',
    });
    const types = call('get_support_alarm_type_list').result?.alarm_type_list as string[];
    assert.equal(types.length, 19);
    assert.ok(types.includes('Alarm 1'));
    assert.equal(call('play_alarm').error_code, 0);
    assert.equal((call('get_device_info').result as Json).in_alarm, true);
    assert.equal(call('stop_alarm').error_code, 0);
    assert.equal((call('get_device_info').result as Json).in_alarm, false);
    const overrides = { alarm_duration: 5, alarm_volume: 'low', alarm_type: 'Alarm 1' };
    assert.equal(call('play_alarm', overrides).error_code, 0);
    assert.deepEqual(h.alarm.last, { duration: 5, type: 'Alarm 1', volume: 'low' });
    assert.equal(h.alarm.sounding, true);
    now += 5000;
    assert.equal(h.alarm.sounding, false, 'the siren stops after its duration');
    assert.equal(h.alarm.plays, 2);
    for (const bad of [
      { alarm_duration: 0 },
      { alarm_duration: 601 },
      { alarm_volume: 'loud' },
      { alarm_type: 'Siren 9' },
      { volume: 'low' },
      'Alarm 1',
    ]) {
      assert.equal(call('play_alarm', bad).error_code, -1008, JSON.stringify(bad));
    }
    assert.equal(h.alarm.plays, 2, 'a refused play changes nothing');
    assert.equal(call('set_alarm_configure', { volume: 'mute' }).error_code, 0);
    assert.equal(call('set_alarm_configure', { duration: 1.5 }).error_code, -1008);
    assert.equal(call('set_alarm_configure', {}).error_code, -1008);
    assert.equal((call('get_alarm_configure').result as Json).volume, 'mute');
  });
});

describe('emulated hub: child lists', () => {
  it('both lists carry the same ids, 10 per page, honour start_index, sum is the total', () => {
    const eleven: HubChildOption[] = [...ALL, 'S200B'];
    const { call } = hub(eleven);
    const first = call('get_child_device_list').result as Json;
    assert.equal((first.child_device_list as Json[]).length, 10);
    assert.equal(first.start_index, 0);
    assert.equal(first.sum, 11);
    const second = call('get_child_device_list', { start_index: 10 }).result as Json;
    assert.equal((second.child_device_list as Json[]).length, 1);
    assert.equal(second.start_index, 10);
    const beyond = call('get_child_device_list', { start_index: 11 }).result as Json;
    assert.deepEqual(beyond.child_device_list, []);
    const ids = [
      ...(first.child_device_list as Json[]),
      ...(second.child_device_list as Json[]),
    ].map((r) => r.device_id);
    const components = [
      ...((call('get_child_device_component_list').result as Json).child_component_list as Json[]),
      ...((call('get_child_device_component_list', { start_index: 10 }).result as Json)
        .child_component_list as Json[]),
    ];
    assert.deepEqual(
      components.map((c) => c.device_id),
      ids,
    );
    assert.equal(new Set(ids).size, 11);
    for (const bad of [{ start_index: -1 }, { start_index: 'x' }, { start_index: 1.5 }]) {
      assert.equal(call('get_child_device_list', bad).error_code, -1008);
    }
  });

  it('every kind carries its category, its fields and the hub as parent', () => {
    const { call } = hub();
    const hubId = (call('get_device_info').result as Json).device_id;
    const records = (call('get_child_device_list').result as Json).child_device_list as Json[];
    const byModel = Object.fromEntries(records.map((r) => [r.model as string, r]));
    const expect: Record<string, [string, string[]]> = {
      S200B: ['subg.trigger.button', ['at_low_battery', 'report_interval']],
      S200D: ['subg.trigger.button', ['at_low_battery']],
      T100: ['subg.trigger.motion-sensor', ['detected']],
      T110: ['subg.trigger.contact-sensor', ['open']],
      T300: ['subg.trigger.water-leak-sensor', ['water_leak_status', 'in_alarm']],
      T310: ['subg.trigger.temp-hmdt-sensor', ['current_temp', 'current_humidity', 'temp_unit']],
      T315: ['subg.trigger.temp-hmdt-sensor', ['current_temp_exception', 'battery_percentage']],
      S210: ['subg.plugswitch.switch', ['device_on', 'is_low', 'position', 'slot_number']],
      S220: ['subg.plugswitch.switch', ['device_on', 'is_low', 'battery_percentage']],
      KE100: ['subg.trv', ['target_temp', 'frost_protection_on', 'trv_states', 'min_control_temp']],
    };
    for (const [model, [category, fields]] of Object.entries(expect)) {
      const record = byModel[model];
      assert.ok(record, model);
      assert.equal(record.category, category, model);
      assert.equal(record.parent_device_id, hubId, model);
      assert.equal(record.status, 'online');
      assert.equal(typeof record.lastOnboardingTimestamp, 'number');
      for (const field of fields) assert.ok(field in record, `${model} has ${field}`);
    }
    assert.ok(!('at_low_battery' in byModel.S220), 'switches report is_low instead');
    assert.equal(byModel.T310.fw_ver, '1.5.0', 'the T310 keeps its version without a build');
    assert.equal(byModel.S220.slot_number, 2);
    assert.equal(Buffer.from(String(byModel.S200B.nickname), 'base64').toString(), 'Button');
  });
});

describe('emulated hub: control_child', () => {
  it('answers one request or a nested batch inside responseData; unknown methods -1001', () => {
    const { call, hub: h } = hub(['S200B', 'T100']);
    const id = h.child('Button').id;
    const single = call('control_child', {
      device_id: id,
      requestData: { method: 'get_device_info', params: null },
    });
    assert.equal(single.error_code, 0);
    const data = single.result?.responseData as Reply;
    assert.equal(data.error_code, 0);
    assert.equal(data.result?.device_id, id);
    const batch = call('control_child', {
      device_id: id,
      requestData: {
        method: 'multipleRequest',
        params: {
          requests: [
            { method: 'get_connect_cloud_state' },
            { method: 'get_trigger_logs', params: { start_id: 0 } },
            { method: 'get_device_time' },
            { method: 'get_double_click_info' },
          ],
        },
      },
    }).result?.responseData as Reply;
    const responses = batch.result?.responses as Json[];
    assert.deepEqual(
      responses.map((r) => [r.method, r.error_code]),
      [
        ['get_connect_cloud_state', 0],
        ['get_trigger_logs', 0],
        ['get_device_time', -1001],
      ],
      'stops at the first failing entry',
    );
    for (const bad of [
      { device_id: 'nope', requestData: { method: 'get_device_info' } },
      { device_id: id },
      { device_id: id, requestData: { params: {} } },
      null,
    ]) {
      assert.equal(call('control_child', bad).error_code, -1008, JSON.stringify(bad));
    }
  });

  it('switches switch through set_device_info, and the next list shows it; bad shapes -1008', () => {
    const { call, child, hub: h } = hub(['S220', 'T100']);
    assert.equal(child('Light switch', 'set_device_info', { device_on: true }).error_code, 0);
    const records = (call('get_child_device_list').result as Json).child_device_list as Json[];
    assert.equal(records[0].device_on, true);
    for (const bad of [{ device_on: 'on' }, { device_on: 1 }, { brightness: 50 }, {}, null]) {
      assert.equal(child('Light switch', 'set_device_info', bad).error_code, -1008);
    }
    assert.equal(h.children[0].info.device_on, true, 'refusals change nothing');
    assert.equal(child('Motion sensor', 'set_device_info', { device_on: true }).error_code, -1008);
    const renamed = Buffer.from('Hall').toString('base64');
    assert.equal(child('Motion sensor', 'set_device_info', { nickname: renamed }).error_code, 0);
    assert.equal(h.child('Hall').kind, 'motion');
  });

  it('KE100 takes a target in its range in 0.5 steps, frost protection and an offset', () => {
    const { child, hub: h } = hub(['KE100']);
    const valve = h.child(1);
    assert.equal(
      child(1, 'set_device_info', { target_temp: 23.5, frost_protection_on: false }).error_code,
      0,
    );
    assert.equal(valve.info.target_temp, 23.5);
    assert.deepEqual(valve.info.trv_states, ['heating']);
    for (const bad of [
      { target_temp: 4.5 },
      { target_temp: 30.5 },
      { target_temp: 21.3 },
      { target_temp: '21' },
      { frost_protection_on: 'yes' },
      { temp_offset: 11 },
      { temp_offset: 0.5 },
      { device_on: true },
    ]) {
      assert.equal(child(1, 'set_device_info', bad).error_code, -1008, JSON.stringify(bad));
    }
    assert.equal(valve.info.target_temp, 23.5, 'refusals change nothing');
    assert.equal(child(1, 'set_device_info', { target_temp: 5 }).error_code, 0);
    assert.equal(child(1, 'set_device_info', { target_temp: 30 }).error_code, 0);
    assert.equal(child(1, 'set_device_info', { frost_protection_on: true }).error_code, 0);
    assert.deepEqual(valve.info.trv_states, [], 'frost protection only: not heating');
    assert.equal(child(1, 'set_device_info', { temp_offset: -10 }).error_code, 0);
    assert.equal(child(1, 'set_child_protection', { enable: true }).error_code, 0);
    assert.equal(valve.info.child_protection, true);
    assert.equal(child(1, 'get_trigger_logs', { start_id: 0 }).error_code, -1001, 'no log');
  });

  it('climate sensors take a unit and give records; buttons their double-click setting', () => {
    const { child, hub: h } = hub(['T310', 'S200B']);
    assert.equal(child(1, 'set_temperature_unit', { temp_unit: 'fahrenheit' }).error_code, 0);
    assert.equal(h.child(1).info.temp_unit, 'fahrenheit');
    assert.equal(child(1, 'set_temperature_unit', { temp_unit: 'kelvin' }).error_code, -1008);
    const records = child(1, 'get_temp_humidity_records').result as Json;
    assert.equal((records.past24h_temp as number[]).length, 96);
    assert.equal((records.past24h_temp as number[])[95], 206);
    assert.deepEqual(child(2, 'get_double_click_info').result, { enable: false });
    assert.equal(child(2, 'set_temperature_unit', { temp_unit: 'celsius' }).error_code, -1001);
  });

  it('a child the hub reports offline is listed so and refuses writes', () => {
    const { call, child, hub: h } = hub(['S210']);
    h.setOnline(1, false);
    const records = (call('get_child_device_list').result as Json).child_device_list as Json[];
    assert.equal(records[0].status, 'offline');
    assert.equal(child(1, 'set_device_info', { device_on: false }).error_code, -1001);
    assert.throws(() => h.toggleSwitch(1), /offline/);
    h.setOnline(1, true);
    assert.equal(child(1, 'set_device_info', { device_on: false }).error_code, 0);
  });
});

describe('emulated hub: trigger logs', () => {
  it('newest first, hub-wide increasing ids with gaps, start_id/page_size paging', () => {
    const { child, hub: h } = hub(['S200B', 'T100']);
    const logged = [];
    for (let i = 0; i < 8; i++) {
      logged.push(h.press('Button', i % 3 === 0 ? 'doubleClick' : 'singleClick'));
      logged.push(h.motion('Motion sensor'));
    }
    const ids = logged.map((e) => e?.id as number);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'ids increase hub-wide');
    const button = ids.filter((_, i) => i % 2 === 0);
    assert.ok(
      button.some((id, i) => i > 0 && id - button[i - 1] > 1),
      'one child sees gaps',
    );
    const first = child(1, 'get_trigger_logs', { start_id: 0, page_size: 3 }).result as Json;
    const page = first.logs as Json[];
    assert.deepEqual(
      page.map((e) => e.id),
      [...button].reverse().slice(0, 3),
    );
    assert.equal(first.start_id, page[0].id);
    assert.equal(first.sum, 8);
    for (const entry of page) {
      assert.match(String(entry.eventId), /^[0-9a-f-]{36}$/);
      assert.equal(typeof entry.timestamp, 'number');
    }
    const older = child(1, 'get_trigger_logs', {
      start_id: page[2].id as number,
      page_size: 3,
    }).result as Json;
    assert.deepEqual(
      (older.logs as Json[]).map((e) => e.id),
      [...button].reverse().slice(2, 5),
      'a non-zero start_id pages from that id down, inclusive',
    );
    const defaults = child(1, 'get_trigger_logs', { start_id: 0 }).result as Json;
    assert.equal((defaults.logs as Json[]).length, 5, 'five per page without page_size');
    for (const bad of [
      {},
      { start_id: -1 },
      { start_id: 0, page_size: 0 },
      { start_id: 0, page_size: 51 },
      { start_id: '0' },
      null,
    ]) {
      assert.equal(child(1, 'get_trigger_logs', bad).error_code, -1008, JSON.stringify(bad));
    }
  });

  it('an empty log answers start_id 0 and sum 0; at most logCapacity entries are kept', () => {
    const { child, hub: h } = hub(['S200B'], {
      edit: (m) => {
        if (m.hub) m.hub.logCapacity = 4;
      },
    });
    assert.deepEqual(child(1, 'get_trigger_logs', { start_id: 0 }).result, {
      logs: [],
      start_id: 0,
      sum: 0,
    });
    const entries = Array.from({ length: 6 }, () => h.press(1));
    const reply = child(1, 'get_trigger_logs', { start_id: 0, page_size: 10 }).result as Json;
    assert.equal(reply.sum, 4);
    assert.deepEqual(
      (reply.logs as Json[]).map((e) => e.id),
      entries
        .slice(2)
        .reverse()
        .map((e) => e?.id),
    );
  });

  it('each kind logs what the real one logs, with its params, and changes its record', () => {
    let now = 1_800_000_000_000;
    const { hub: h } = hub(ALL, { clock: () => now });
    const last = (selector: string) => h.child(selector).log?.all[0];
    h.rotate('Dial', -45);
    assert.deepEqual(last('Dial')?.params, { rotate_deg: -45 });
    assert.equal(last('Dial')?.event, 'rotation');
    h.motion('Motion sensor');
    assert.equal(h.child('Motion sensor').info.detected, true);
    now += 31_000;
    assert.equal(h.child('Motion sensor').info.detected, false, 'detected clears after a while');
    assert.equal(h.contact('Contact sensor', true)?.event, 'open');
    assert.equal(h.contact('Contact sensor', true), undefined, 'no change, nothing logged');
    assert.equal(h.keepOpen('Contact sensor')?.event, 'keepOpen');
    assert.equal(h.child('Contact sensor').info.open, true);
    assert.equal(h.contact('Contact sensor', false)?.event, 'close');
    assert.throws(() => h.keepOpen('Contact sensor'), /closed; open it first/);
    assert.equal(h.leak('Leak sensor', true)?.event, 'waterLeak');
    const leak = h.child('Leak sensor').info;
    assert.equal(leak.water_leak_status, 'water_leak');
    assert.equal(leak.in_alarm, true);
    assert.equal(leak.trigger_timestamp, last('Leak sensor')?.timestamp);
    assert.equal(h.leak('Leak sensor', false)?.event, 'waterDry');
    assert.equal(h.child('Leak sensor').info.water_leak_status, 'water_dry');
    assert.deepEqual(
      h.climate('Climate sensor', { humidity: 62 }).map((e) => e.event),
      ['tooHumid'],
    );
    assert.equal(h.child('Climate sensor').info.current_humidity_exception, 2);
    assert.deepEqual(h.climate('Climate sensor', { humidity: 63 }), [], 'still too humid');
    assert.deepEqual(
      h.climate('Climate sensor', { temperature: 12.34, humidity: 30 }).map((e) => e.event),
      ['tooCold', 'tooDry'],
    );
    assert.equal(h.child('Climate sensor').info.current_temp, 12.3);
    const toggled = h.toggleSwitch('Light switch');
    assert.deepEqual(toggled?.params, { on_off: true });
    assert.equal(h.child('Light switch').info.device_on, true);
    assert.equal(h.setBatteryLow('Button', true)?.event, 'lowBattery');
    assert.equal(h.child('Button').info.at_low_battery, true);
    h.setBatteryLow('Light switch', true);
    assert.equal(h.child('Light switch').info.is_low, true);
    h.climate('Radiator valve', { temperature: 25 });
    assert.equal(h.child('Radiator valve').info.current_temp, 25);
    assert.deepEqual(h.child('Radiator valve').info.trv_states, [], 'warmer than its target');
  });

  it('actions a kind lacks, bad values and unknown children are refused naming what to do', () => {
    const { hub: h } = hub(['S200B', 'S200D', 'T100']);
    assert.throws(() => h.rotate('Button', 30), /S200B \(button\); it takes: press/);
    assert.throws(() => h.rotate('Dial', 0), /not 0/);
    assert.throws(() => h.rotate('Dial', 12.5), /whole number/);
    assert.throws(() => h.press('Motion sensor'), /it takes: motion/);
    assert.throws(() => h.press('Button', 'tripleClick' as never), /singleClick/);
    assert.throws(() => h.press('Porch'), /no paired device "Porch".*1 "Button" \(S200B\)/);
    assert.throws(() => h.climate('Motion sensor', {}), /temperature/);
    assert.equal(h.child('button').alias, 'Button', 'names match in any case');
    assert.equal(h.child(3).alias, 'Motion sensor', 'and by number');
    assert.equal(h.child(h.children[1].id).alias, 'Dial', 'and by id');
  });
});

describe('nested control_child switch (strips and hubs)', () => {
  const batch = (id: string) => ({
    method: 'multipleRequest',
    params: {
      requests: [
        { method: 'get_device_info' },
        {
          method: 'control_child',
          params: { device_id: id, requestData: { method: 'get_device_info' } },
        },
        { method: 'get_child_device_list', params: { start_index: 0 } },
      ],
    },
  });

  for (const [label, make] of [
    ['hub', () => hub(['S200B'])],
    [
      'strip',
      () => {
        const d = new EmulatedSmartDevice(createModel('P300') as SmartModel);
        return { d, raw: (body: Json) => d.handle(JSON.stringify(body)) };
      },
    ],
  ] as const) {
    it(`${label}: accept, slot-error (default), missing, top-level, timeout`, async () => {
      const { d, raw } = make();
      const id = d.hub ? d.hub.children[0].id : d.children[0].id;
      const methods = (reply: string) =>
        (((JSON.parse(reply) as Reply).result as Json).responses as Json[]).map((r) => [
          r.method,
          r.error_code,
        ]);
      assert.equal(d.faults.nestedControlChild, 'slot-error');
      assert.deepEqual(methods(raw(batch(id))), [
        ['get_device_info', 0],
        ['control_child', -1002],
      ]);
      d.faults.nestedControlChild = 'accept';
      assert.deepEqual(methods(raw(batch(id))), [
        ['get_device_info', 0],
        ['control_child', 0],
        ['get_child_device_list', 0],
      ]);
      d.faults.nestedControlChild = 'missing';
      assert.deepEqual(methods(raw(batch(id))), [
        ['get_device_info', 0],
        ['get_child_device_list', 0],
      ]);
      d.faults.nestedControlChild = 'top-level';
      assert.deepEqual(JSON.parse(raw(batch(id))), { error_code: -1003 });
      d.faults.nestedControlChild = 'timeout';
      assert.equal(raw(batch(id)), '', 'no reply');
      const silent = d.respond(JSON.stringify(batch(id)));
      assert.ok(silent instanceof Promise);
      const outcome = await Promise.race([
        silent.then(() => 'answered'),
        new Promise((resolve) => setImmediate(() => resolve('silent'))),
      ]);
      assert.equal(outcome, 'silent');
      // Whatever the mode, control_child on its own and batches without it work.
      const own = JSON.parse(
        raw({
          method: 'control_child',
          params: { device_id: id, requestData: { method: 'get_device_info' } },
        }),
      ) as Reply;
      assert.equal(own.error_code, 0);
      const plain = raw({
        method: 'multipleRequest',
        params: { requests: [{ method: 'get_device_info' }, { method: 'get_child_device_list' }] },
      });
      assert.deepEqual(methods(plain), [
        ['get_device_info', 0],
        ['get_child_device_list', 0],
      ]);
    });
  }
});

describe('emulated hub: pairing and unpairing', () => {
  it('remove_child_device_list drops a child from both lists; pair() adds one with a new id', () => {
    const { call, hub: h } = hub(['S200B', 'T100', 'S200B']);
    const gone = h.child('Button 2').id;
    for (const bad of [
      {},
      { child_device_list: [] },
      { child_device_list: [{ device_id: 'x' }] },
    ]) {
      assert.equal(call('remove_child_device_list', bad).error_code, -1008, JSON.stringify(bad));
    }
    assert.equal(h.children.length, 3, 'a refusal removes nothing');
    const removed = call('remove_child_device_list', { child_device_list: [{ device_id: gone }] });
    assert.equal(removed.error_code, 0);
    const ids = (method: string, key: string) =>
      ((call(method).result as Json)[key] as Json[]).map((r) => r.device_id);
    assert.deepEqual(ids('get_child_device_list', 'child_device_list'), [
      h.children[0].id,
      h.children[1].id,
    ]);
    assert.deepEqual(
      ids('get_child_device_component_list', 'child_component_list'),
      ids('get_child_device_list', 'child_device_list'),
    );
    const added = h.pair('S200B');
    assert.equal(added.alias, 'Button 3', 'a new device, a new name');
    assert.ok(!h.children.slice(0, 2).some((c) => c.id === added.id));
    assert.notEqual(added.id, gone);
    assert.equal((call('get_child_device_list').result as Json).sum, 3);
    assert.ok(h.press('Button 3'), 'the new one logs');
    h.unpair('Motion sensor');
    assert.deepEqual(
      h.children.map((c) => c.alias),
      ['Button', 'Button 3'],
    );
  });
});
