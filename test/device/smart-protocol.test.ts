import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_BATCH_SIZE,
  NotSmartReplyError,
  SmartProtocol,
  smartErrorMeaning,
  unwrap,
} from '../../src/device/smart-protocol';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { createModel, type SmartModel } from '../../src/emulator/models';
import { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { DeviceError, MalformedResponseError } from '../../src/transport/errors';

function setup(reply?: (request: Record<string, unknown>) => unknown) {
  const device = new EmulatedSmartDevice(createModel('L530') as SmartModel);
  const transport = new MemoryTransport((text) =>
    reply ? JSON.stringify(reply(JSON.parse(text))) : device.handle(text),
  );
  const protocol = new SmartProtocol(transport, '127.0.0.1:9', {
    terminalUuid: 'uuid-1',
    now: () => 1717000000000,
  });
  return { device, transport, protocol };
}

describe('SMART envelope', () => {
  it('carries method, request_time_milis and a stable terminal_uuid; params only when non-empty', async () => {
    const { transport, protocol } = setup();
    await protocol.call('get_device_info');
    await protocol.call('set_device_info', { device_on: true });
    await protocol.call('get_device_info', {});
    await protocol.call('get_countdown_rules');
    assert.deepEqual(transport.requests, [
      { method: 'get_device_info', request_time_milis: 1717000000000, terminal_uuid: 'uuid-1' },
      {
        method: 'set_device_info',
        request_time_milis: 1717000000000,
        terminal_uuid: 'uuid-1',
        params: { device_on: true },
      },
      { method: 'get_device_info', request_time_milis: 1717000000000, terminal_uuid: 'uuid-1' },
      {
        method: 'get_countdown_rules',
        request_time_milis: 1717000000000,
        terminal_uuid: 'uuid-1',
        params: {},
      },
    ]);
  });

  it('generates a base64 terminal_uuid once per protocol instance and uses the clock', async () => {
    const transport = new MemoryTransport(() => '{"error_code":0}');
    const protocol = new SmartProtocol(transport, 'x');
    await protocol.call('a');
    await protocol.call('b');
    const [first, second] = transport.requests as {
      terminal_uuid: string;
      request_time_milis: number;
    }[];
    assert.match(first.terminal_uuid, /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(first.terminal_uuid, second.terminal_uuid);
    assert.ok(Math.abs(first.request_time_milis - Date.now()) < 60_000);
    assert.notEqual(new SmartProtocol(transport, 'x').terminalUuid, protocol.terminalUuid);
  });

  it('returns {} for setters without result, maps errors to readable DeviceErrors', async () => {
    const { protocol, device } = setup();
    assert.deepEqual(await protocol.call('set_device_info', { device_on: true }), {});
    await assert.rejects(protocol.call('set_device_info', { brightness: 140 }), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.equal(e.deviceCode, -1008);
      assert.equal(e.method, 'set_device_info');
      assert.match(
        e.message,
        /127\.0\.0\.1:9 refused set_device_info: invalid parameters .* \(error -1008\)/,
      );
      return true;
    });
    await assert.rejects(
      protocol.call('get_energy_usage'),
      /method not supported by this device \(error -1002\)/,
    );
    device.faults.errorCodes.push(-1301);
    await assert.rejects(protocol.call('get_device_info'), /rate limited: slow down/);
  });

  it('knows the codes of the SMART error table and says so for unknown ones', () => {
    assert.match(smartErrorMeaning(-1008), /invalid parameters/);
    assert.match(smartErrorMeaning(-1301), /rate limited/);
    assert.match(smartErrorMeaning(-1002), /not supported/);
    assert.match(smartErrorMeaning(9999), /session/);
    assert.equal(smartErrorMeaning(-123456), 'unknown device error');
  });

  it('asks the transport to re-login on 9999 and -40401 (sessionDead) and retries once', async () => {
    for (const code of [9999, -40401]) {
      const { transport, protocol, device } = setup();
      device.faults.errorCodes.push(code);
      const info = (await protocol.call('get_device_info')) as { model: string };
      assert.equal(info.model, 'L530');
      assert.equal(transport.handshakes, 2);
      assert.equal(transport.sent.length, 2);
    }
  });

  it('refuses replies that are not JSON, and flags non-SMART replies', async () => {
    const bad = new SmartProtocol(new MemoryTransport(() => 'garbage'), 'x');
    await assert.rejects(bad.call('get_device_info'), MalformedResponseError);
    const iot = new SmartProtocol(new MemoryTransport(() => '{"method":{"err_code":-1}}'), 'x');
    await assert.rejects(iot.call('component_nego'), NotSmartReplyError);
    const arr = new SmartProtocol(new MemoryTransport(() => '[1]'), 'x');
    await assert.rejects(arr.call('component_nego'), NotSmartReplyError);
  });
});

describe('multipleRequest batching', () => {
  it('batches at most 5 per multipleRequest, results in order', async () => {
    const { transport, protocol } = setup();
    const requests = Array.from({ length: 7 }, (_, i) => ({
      method: i % 2 ? 'get_device_usage' : 'get_device_info',
    }));
    const outcomes = await protocol.callAll(requests);
    assert.equal(MAX_BATCH_SIZE, 5);
    const sent = transport.requests as {
      method: string;
      params?: { requests: { method: string }[] };
    }[];
    assert.deepEqual(
      sent.map((r) => r.method),
      ['multipleRequest', 'multipleRequest'],
    );
    assert.equal(sent[0].params?.requests.length, 5);
    assert.equal(sent[1].params?.requests.length, 2);
    assert.deepEqual(
      outcomes.map((o) => o.method),
      requests.map((r) => r.method),
    );
    assert.ok(outcomes.every((o) => o.ok));
    // sub-requests carry params only when given
    assert.deepEqual(sent[0].params?.requests[0], { method: 'get_device_info' });
  });

  it('keeps per-method errors and re-queries the methods the device skipped after one', async () => {
    const { transport, protocol } = setup();
    const outcomes = await protocol.callAll([
      { method: 'get_device_info' },
      { method: 'get_energy_usage' },
      { method: 'get_device_usage' },
      { method: 'get_connect_cloud_state' },
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, true, true],
    );
    const failed = outcomes[1];
    assert.ok(!failed.ok && failed.error.deviceCode === -1002);
    assert.throws(() => unwrap(failed), DeviceError);
    const methods = (transport.requests as { method: string }[]).map((r) => r.method);
    assert.deepEqual(methods, ['multipleRequest', 'get_device_usage', 'get_connect_cloud_state']);
  });

  it('with requeryMissing false, skipped methods get the first error instead', async () => {
    const { transport, protocol } = setup();
    const outcomes = await protocol.callAll(
      [{ method: 'set_device_info', params: { brightness: 0 } }, { method: 'get_device_info' }],
      { requeryMissing: false },
    );
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [false, false],
    );
    assert.equal(transport.sent.length, 1);
  });

  it('without re-query, single mode also stops at the first failure', async () => {
    const { transport, protocol } = setup();
    protocol.batchSize = 1;
    const outcomes = await protocol.callAll(
      [
        { method: 'set_device_info', params: { brightness: 0 } },
        { method: 'set_dynamic_light_effect_rule_enable', params: { enable: false } },
        { method: 'get_device_info' },
      ],
      { requeryMissing: false },
    );
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? 'ok' : o.error.deviceCode)),
      [-1008, -1008, -1008],
    );
    assert.equal(transport.sent.length, 1);
  });

  it('falls back to single requests for good on -1003', async () => {
    const { transport, protocol, device } = setup();
    device.faults.refuseBatches = true;
    const outcomes = await protocol.callAll([
      { method: 'component_nego' },
      { method: 'get_device_info' },
    ]);
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(protocol.batchSize, 1);
    await protocol.callAll([{ method: 'get_device_info' }, { method: 'get_device_usage' }]);
    const methods = (transport.requests as { method: string }[]).map((r) => r.method);
    assert.deepEqual(methods, [
      'multipleRequest',
      'component_nego',
      'get_device_info',
      'get_device_info',
      'get_device_usage',
    ]);
  });

  it('also falls back on unknown batch failures, but throws known ones like rate limiting', async () => {
    const unknown = setup((r) =>
      r.method === 'multipleRequest'
        ? { error_code: -77777 }
        : { error_code: 0, result: { m: r.method } },
    );
    const outcomes = await unknown.protocol.callAll([{ method: 'a' }, { method: 'b' }]);
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? o.result : null)),
      [{ m: 'a' }, { m: 'b' }],
    );
    assert.equal(unknown.protocol.batchSize, 1);
    const limited = setup();
    limited.device.faults.errorCodes.push(-1301);
    await assert.rejects(
      limited.protocol.callAll([{ method: 'a' }, { method: 'b' }]),
      /rate limited/,
    );
    assert.equal(limited.protocol.batchSize, 5);
  });

  it('pairs repeated methods in order and refuses a reply without a responses list', async () => {
    const { protocol } = setup((r) => {
      const reqs = (r.params as { requests: { method: string }[] }).requests;
      return {
        error_code: 0,
        result: {
          responses: reqs.map((q, i) => ({ method: q.method, error_code: 0, result: { i } })),
        },
      };
    });
    const outcomes = await protocol.callAll([{ method: 'x' }, { method: 'x' }]);
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? o.result : null)),
      [{ i: 0 }, { i: 1 }],
    );
    const broken = setup(() => ({ error_code: 0, result: {} }));
    await assert.rejects(
      broken.protocol.callAll([{ method: 'x' }, { method: 'y' }]),
      MalformedResponseError,
    );
  });

  it('a single request is not wrapped', async () => {
    const { transport, protocol } = setup();
    const [outcome] = await protocol.callAll([{ method: 'get_device_info' }]);
    assert.ok(outcome.ok);
    assert.equal((transport.requests[0] as { method: string }).method, 'get_device_info');
  });
});
