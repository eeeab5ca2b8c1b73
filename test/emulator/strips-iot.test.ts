/**
 * Emulated Kasa power strips (KP303, HS300): sysinfo children, `context.child_ids` aiming a
 * request at outlets in both id forms, unknown ids, the strip-wide relay switch, per-outlet
 * on_time and meters. Once through the legacy XOR protocol on 127.0.0.1; the rest against the
 * JSON side directly.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import { EmulatedIotDevice } from '../../src/emulator/iot-device';
import { createModel, type IotModel } from '../../src/emulator/models';
import { XorTransport } from '../../src/transport/xor/xor-transport';

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field and asserted
type Json = Record<string, any>;

const running: EmulatedDevice[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.close()));
});

function strip(name: 'KP303' | 'HS300', clock?: () => number) {
  const d = new EmulatedIotDevice(createModel(name) as IotModel, { clock });
  const send = (request: unknown): Json => JSON.parse(d.handle(JSON.stringify(request)));
  const children = () => d.info.children as Json[];
  const deviceId = String(d.info.deviceId);
  const sysinfo = () => send({ system: { get_sysinfo: {} } }).system.get_sysinfo;
  return { d, send, children, deviceId, sysinfo };
}

const relay = (state: 0 | 1, ids?: string[]) => ({
  ...(ids ? { context: { child_ids: ids } } : {}),
  system: { set_relay_state: { state } },
});
const BAD = { err_code: -3, err_msg: 'invalid argument' };

describe('emulated Kasa strip: outlets in sysinfo', () => {
  it('KP303 lists three named outlets with full ids, child_num, and no relay of its own', () => {
    const { sysinfo, deviceId } = strip('KP303');
    const info = sysinfo();
    assert.equal(info.model, 'KP303(US)');
    assert.equal(info.child_num, 3);
    assert.ok(!('relay_state' in info) && !('on_time' in info));
    assert.deepEqual(
      info.children.map((c: Json) => [c.id, c.alias, c.state]),
      [
        [`${deviceId}00`, 'Bedside lamp', 1],
        [`${deviceId}01`, 'Fairy lights', 0],
        [`${deviceId}02`, 'Humidifier', 0],
      ],
    );
    for (const child of info.children) {
      assert.deepEqual(Object.keys(child).sort(), [
        'alias',
        'id',
        'next_action',
        'on_time',
        'state',
      ]);
      assert.equal(child.id.length, 42);
    }
  });

  it('each outlet counts its own on_time from when it was switched on', () => {
    let now = 1_000_000;
    const { send, sysinfo, deviceId } = strip('KP303', () => now);
    now += 5000;
    send(relay(1, [`${deviceId}01`]));
    now += 7000;
    assert.deepEqual(
      sysinfo().children.map((c: Json) => c.on_time),
      [12, 7, 0],
    );
    send(relay(0, ['00']));
    assert.deepEqual(
      sysinfo().children.map((c: Json) => c.on_time),
      [0, 7, 0],
    );
  });
});

describe('emulated Kasa strip: context.child_ids', () => {
  it('aims set_relay_state at one outlet, by its full id or its two digits', () => {
    const { send, children, deviceId } = strip('KP303');
    const states = () => children().map((c) => c.state);
    assert.deepEqual(send(relay(1, [`${deviceId}02`])), {
      system: { set_relay_state: { err_code: 0 } },
    });
    assert.deepEqual(states(), [1, 0, 1]);
    send(relay(0, ['00']));
    assert.deepEqual(states(), [0, 0, 1]);
    send(relay(1, ['1']));
    assert.deepEqual(states(), [0, 1, 1], 'one digit means 0 and that digit');
  });

  it('set_relay_state without a context switches every outlet', () => {
    const { send, children } = strip('KP303');
    send(relay(1));
    assert.deepEqual(
      children().map((c) => c.state),
      [1, 1, 1],
    );
    send(relay(0));
    assert.deepEqual(
      children().map((c) => c.state),
      [0, 0, 0],
    );
  });

  it('set_dev_alias renames the outlet a context names, else the strip', () => {
    const { send, sysinfo, deviceId } = strip('KP303');
    send({ context: { child_ids: ['01'] }, system: { set_dev_alias: { alias: 'Star lamp' } } });
    send({ system: { set_dev_alias: { alias: 'Bedroom strip' } } });
    const info = sysinfo();
    assert.equal(info.alias, 'Bedroom strip');
    assert.deepEqual(
      info.children.map((c: Json) => c.alias),
      ['Bedside lamp', 'Star lamp', 'Humidifier'],
    );
    assert.equal(info.children[1].id, `${deviceId}01`);
  });

  it('an id the strip lacks fails every module of the request and changes nothing', () => {
    const { send, children, deviceId } = strip('KP303');
    const before = structuredClone(children());
    for (const ids of [['07'], [`${deviceId}09`], ['00', 'nope'], [], 'not-a-list']) {
      const reply = send({
        context: { child_ids: ids },
        system: { set_relay_state: { state: 1 }, get_sysinfo: {} },
      });
      assert.deepEqual(reply, { system: BAD }, JSON.stringify(ids));
    }
    assert.deepEqual(children(), before);
  });

  it('a context naming several outlets switches each of them', () => {
    const { send, children } = strip('KP303');
    send(relay(1, ['01', '02']));
    assert.deepEqual(
      children().map((c) => c.state),
      [1, 1, 1],
    );
  });

  it('LED and sysinfo stay the strip’s own under a context', () => {
    const { send, d } = strip('KP303');
    const reply = send({ context: { child_ids: ['00'] }, system: { set_led_off: { off: 0 } } });
    assert.deepEqual(reply.system.set_led_off, { err_code: 0 });
    assert.equal(d.info.led_off, 0);
  });
});

describe('emulated Kasa strip: energy per outlet (HS300)', () => {
  it('get_realtime reads the outlet a context names, with its slot_id; without one, outlet 1', () => {
    const { send } = strip('HS300');
    const realtime = (ids?: string[]) =>
      send({ ...(ids ? { context: { child_ids: ids } } : {}), emeter: { get_realtime: {} } }).emeter
        .get_realtime;
    const first = realtime(['00']);
    assert.deepEqual(Object.keys(first).sort(), [
      'current_ma',
      'err_code',
      'power_mw',
      'slot_id',
      'total_wh',
      'voltage_mv',
    ]);
    assert.deepEqual([first.power_mw, first.slot_id, first.voltage_mv], [9000, 0, 120_100]);
    assert.deepEqual([realtime(['04']).power_mw, realtime(['04']).slot_id], [7000, 4]);
    assert.deepEqual([realtime(['01']).power_mw, realtime(['01']).slot_id], [0, 1]);
    assert.deepEqual(realtime(), first);
    send(relay(1, ['01']));
    assert.equal(realtime(['01']).power_mw, 25_000);
    assert.equal(realtime(['00']).power_mw, 9000, 'outlet 1 draws what it drew');
  });

  it('each outlet books its own energy by day and month', () => {
    let now = new Date(2026, 10, 25, 8, 0, 0).getTime();
    const { send } = strip('HS300', () => now);
    const today = (id: string) =>
      send({
        context: { child_ids: [id] },
        emeter: { get_daystat: { year: 2026, month: 11 } },
      }).emeter.get_daystat.day_list.find((day: Json) => day.day === 25)?.energy_wh ?? 0;
    const before = [today('00'), today('01'), today('05')];
    now += 2 * 3_600_000;
    assert.deepEqual(
      [today('00') - before[0], today('01') - before[1], today('05') - before[2]],
      [18, 0, 10],
    );
    const month = send({
      context: { child_ids: ['05'] },
      emeter: { get_monthstat: { year: 2026 } },
    }).emeter.get_monthstat.month_list.find((m: Json) => m.month === 11);
    assert.ok(month.energy_wh >= today('05'));
  });

  it('KP303 has no meter', () => {
    const { send } = strip('KP303');
    assert.deepEqual(send({ context: { child_ids: ['00'] }, emeter: { get_realtime: {} } }), {
      emeter: { err_code: -1, err_msg: 'module not support' },
    });
  });
});

describe('emulated Kasa strip over the legacy protocol', () => {
  it('HS300 on XOR: an outlet switched by its two digits, read back with its full id', async () => {
    const device = await startEmulator({ model: 'HS300' });
    running.push(device);
    assert.deepEqual(
      [device.protocol, device.dialect, device.description],
      ['legacy', 'iot', 'HS300 Kasa power strip, 6 metered outlets'],
    );
    const wire = new XorTransport({ host: device.host, port: device.port, timeoutMs: 3000 });
    const ask = async (request: unknown): Promise<Json> =>
      JSON.parse(await wire.send(JSON.stringify(request)));
    try {
      const info = (await ask({ system: { get_sysinfo: {} } })).system.get_sysinfo;
      assert.equal(info.child_num, 6);
      const printer = info.children[3];
      assert.deepEqual([printer.alias, printer.state], ['Printer', 0]);
      const set = await ask({
        context: { child_ids: ['03'] },
        system: { set_relay_state: { state: 1 } },
      });
      assert.deepEqual(set, { system: { set_relay_state: { err_code: 0 } } });
      const reading = await ask({
        context: { child_ids: [printer.id] },
        emeter: { get_realtime: {} },
      });
      assert.deepEqual(
        [reading.emeter.get_realtime.power_mw, reading.emeter.get_realtime.slot_id],
        [30_000, 3],
      );
      assert.deepEqual(
        device.outlets.map((o) => [o.position, o.alias, o.on]),
        [
          [1, 'Desk lamp', true],
          [2, 'Monitor', false],
          [3, 'Speakers', false],
          [4, 'Printer', true],
          [5, 'Router', true],
          [6, 'Phone charger', true],
        ],
      );
      assert.equal(device.outlets[3].id, printer.id);
    } finally {
      await wire.close();
    }
  });
});

describe('emulated Kasa strip from a description', () => {
  it('outlets listed by their two digits answer to the full id and to the digits', () => {
    const model = createModel('KP303') as IotModel;
    const deviceId = String(model.sysinfo.deviceId);
    for (const child of model.sysinfo.children as Json[]) child.id = String(child.id).slice(-2);
    const d = new EmulatedIotDevice(model);
    const send = (request: unknown): Json => JSON.parse(d.handle(JSON.stringify(request)));
    send(relay(0));
    send(relay(1, [`${deviceId}01`]));
    send(relay(1, ['02']));
    assert.deepEqual(
      (d.info.children as Json[]).map((c) => [c.id, c.state]),
      [
        ['00', 0],
        ['01', 1],
        ['02', 1],
      ],
    );
    assert.deepEqual(send(relay(1, [`${deviceId}03`])), { system: BAD });
  });
});
