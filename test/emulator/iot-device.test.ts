import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmulatedIotDevice } from '../../src/emulator/iot-device';
import { createModel, type IotModel } from '../../src/emulator/models';

function hs100(clock?: () => number) {
  const d = new EmulatedIotDevice(createModel('HS100') as IotModel, { clock });
  const send = (request: unknown) => JSON.parse(d.handle(JSON.stringify(request)));
  return { d, send };
}

describe('emulated Kasa IOT device (HS100)', () => {
  it('get_sysinfo looks like an HS100(UK) with a plain-text alias', () => {
    const { send } = hs100();
    const info = send({ system: { get_sysinfo: {} } }).system.get_sysinfo;
    assert.equal(info.model, 'HS100(UK)');
    assert.equal(info.alias, 'Kitchen lamp plug');
    assert.equal(info.mic_type, 'IOT.SMARTPLUGSWITCH');
    assert.equal(info.relay_state, 0);
    assert.equal(info.err_code, 0);
    assert.match(info.mac, /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
    assert.equal(
      new EmulatedIotDevice(createModel('HS100') as IotModel, { alias: 'Kettle' }).info.alias,
      'Kettle',
    );
  });

  it('relay, alias and LED setters, several methods in one request, on_time counts', () => {
    let now = 1_000_000;
    const { d, send } = hs100(() => now);
    const reply = send({ system: { set_relay_state: { state: 1 }, get_sysinfo: {} } });
    assert.deepEqual(reply.system.set_relay_state, { err_code: 0 });
    assert.equal(reply.system.get_sysinfo.relay_state, 1);
    now += 5000;
    assert.equal(send({ system: { get_sysinfo: {} } }).system.get_sysinfo.on_time, 5);
    send({ system: { set_relay_state: { state: 0 } } });
    assert.equal(send({ system: { get_sysinfo: {} } }).system.get_sysinfo.on_time, 0);
    assert.deepEqual(
      send({ system: { set_relay_state: { state: 2 } } }).system.set_relay_state.err_code,
      -3,
    );
    send({ system: { set_dev_alias: { alias: 'Lamp' } } });
    assert.equal(d.info.alias, 'Lamp');
    assert.equal(
      send({ system: { set_dev_alias: { alias: 'x'.repeat(40) } } }).system.set_dev_alias.err_code,
      -3,
    );
    send({ system: { set_led_off: { off: 1 } } });
    assert.equal(d.info.led_off, 1);
    assert.equal(send({ system: { set_led_off: {} } }).system.set_led_off.err_code, -3);
    assert.equal(d.counters.methods['system.get_sysinfo'], 3);
  });

  it('unknown module -1 "module not support", unknown method -2; SMART envelopes read as modules', () => {
    const { send } = hs100();
    assert.deepEqual(send({ emeter: { get_realtime: {} } }), {
      emeter: { err_code: -1, err_msg: 'module not support' },
    });
    assert.deepEqual(send({ system: { fly: {} } }), {
      system: { fly: { err_code: -2, err_msg: 'method not support' } },
    });
    const smart = send({ method: 'component_nego', request_time_milis: 1, terminal_uuid: 'u' });
    assert.equal(smart.method.err_code, -1);
    assert.equal(smart.error_code, undefined);
  });

  it('garbage, injected faults, reboot', async () => {
    const { d, send } = hs100();
    assert.equal(JSON.parse(d.handle('nope')).err_code, -3);
    assert.equal(JSON.parse(d.handle('[1]')).err_code, -3);
    d.faults.errorCodes.push(-7);
    assert.equal(send({ system: { get_sysinfo: {} } }).system.err_code, -7);
    let rebooted = false;
    d.onReboot = () => {
      rebooted = true;
    };
    assert.deepEqual(send({ system: { reboot: { delay: 1 } } }).system.reboot, { err_code: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rebooted, true);
  });
});
