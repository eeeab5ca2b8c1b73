import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IotProtocol, iotErrorMeaning } from '../../src/device/iot-protocol';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { DeviceError, MalformedResponseError } from '../../src/transport/errors';

const protocolReplying = (text: string) =>
  new IotProtocol(new MemoryTransport(() => text), 'kasa:9');

describe('IOT protocol', () => {
  it('sends nested requests and strips err_code from results', async () => {
    const transport = new MemoryTransport(
      () => '{"system":{"get_sysinfo":{"alias":"a","err_code":0}}}',
    );
    const protocol = new IotProtocol(transport, 'kasa:9');
    assert.deepEqual(await protocol.call('system', 'get_sysinfo'), { alias: 'a' });
    assert.deepEqual(transport.requests, [{ system: { get_sysinfo: {} } }]);
    await protocol.call('system', 'get_sysinfo', null);
    assert.deepEqual(transport.requests[1], { system: { get_sysinfo: {} } });
  });

  it('module-level and method-level errors become DeviceErrors named module.method', async () => {
    await assert.rejects(
      protocolReplying('{"emeter":{"err_code":-1,"err_msg":"module not support"}}').call(
        'emeter',
        'get_realtime',
      ),
      (e: unknown) => {
        assert.ok(e instanceof DeviceError);
        assert.equal(e.method, 'emeter.get_realtime');
        assert.equal(e.deviceCode, -1);
        assert.match(e.message, /kasa:9 refused emeter.get_realtime: module not supported/);
        return true;
      },
    );
    await assert.rejects(
      protocolReplying('{"system":{"x":{"err_code":-2,"err_msg":"method not support"}}}').call(
        'system',
        'x',
      ),
      /method not supported by this device \(error -2\)/,
    );
    await assert.rejects(
      protocolReplying('{"system":{"x":{"err_code":-99,"err_msg":"weird"}}}').call('system', 'x'),
      /device error: weird \(error -99\)/,
    );
    assert.equal(iotErrorMeaning(-99), 'unknown device error');
    assert.match(iotErrorMeaning(-2001), /module not supported/);
  });

  it('malformed replies', async () => {
    await assert.rejects(
      protocolReplying('nope').call('system', 'get_sysinfo'),
      MalformedResponseError,
    );
    await assert.rejects(protocolReplying('[]').call('system', 'get_sysinfo'), /not a JSON object/);
    await assert.rejects(
      protocolReplying('{}').call('system', 'get_sysinfo'),
      /no answer for system/,
    );
    await assert.rejects(
      protocolReplying('{"system":{}}').call('system', 'get_sysinfo'),
      /no answer for system.get_sysinfo/,
    );
  });
});
