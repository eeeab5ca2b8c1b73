import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hubChild } from '../../src/device/hub/child-record';
import { moduleOf, SmartcamProtocol } from '../../src/device/smartcam-protocol';
import { EmulatedHub } from '../../src/emulator/hub';
import { HUB_FACTORIES, pairChildren } from '../../src/emulator/models-hubs';
import { h200, methodsSent } from './h200-support';

const EVERY = ['S200B', 'S200D', 'T100', 'T110', 'T300', 'T315', 'S220', 'KE100', 'D230'] as const;

describe('H200 (smartcam dialect, in memory)', () => {
  it('reads the hub, its siren and every child, with the same state keys as on an H100', async () => {
    const { lamp, device } = h200({ children: [...EVERY], alias: 'Hall hub' });
    const state = await lamp.getState();
    assert.equal(state.model, 'H200');
    assert.equal(state.type, 'hub');
    assert.equal(state.alias, 'Hall hub');
    assert.equal(state.firmware, '1.3.6');
    assert.equal(state.alarm, false);
    assert.ok(state.alarmSounds?.includes('Alarm 1'));
    assert.equal(lamp.dialect, 'smartcam');
    const children = state.children ?? [];
    assert.deepEqual(
      children.map((c) => c.kind),
      ['button', 'dial', 'motion', 'contact', 'leak', 'climate', 'switch', 'thermostat', 'camera'],
    );
    // The H100 maps the same records to the same keys.
    const h100 = HUB_FACTORIES.H100();
    pairChildren(
      h100,
      EVERY.filter((m) => m !== 'D230'),
    );
    const spec = h100.hub as NonNullable<typeof h100.hub>;
    const h100Children = new EmulatedHub(spec, h100.info, Date.now).children.map((c) =>
      hubChild(c.snapshot()),
    );
    for (const [i, child] of h100Children.entries()) {
      assert.deepEqual(
        Object.keys(children[i] ?? {}).sort(),
        Object.keys(child).sort(),
        child.model,
      );
    }
    const doorbell = children[8];
    assert.equal(doorbell?.model, 'D230');
    assert.equal(doorbell?.alias, 'Doorbell');
    assert.equal(doorbell?.battery, 87);
    assert.equal(device.counters.requests > 0, true);
    await lamp.close();
  });

  it('follows the pages of both child lists to their sum', async () => {
    const many = Array.from({ length: 13 }, () => 'T310' as const);
    const { lamp, transport } = h200({ children: many });
    const state = await lamp.getState();
    assert.equal(state.children?.length, 13);
    const pages = transport.requests.flatMap((r) =>
      (
        (r as { params?: { requests?: { method: string; params: unknown }[] } }).params?.requests ??
        []
      )
        .filter(
          (x) => x.method === 'getChildDeviceList' || x.method === 'getChildDeviceComponentList',
        )
        .map((x) => `${x.method}:${JSON.stringify(x.params)}`),
    );
    assert.ok(
      pages.includes('getChildDeviceList:{"childControl":{"start_index":10}}'),
      pages.join(),
    );
    assert.ok(pages.includes('getChildDeviceComponentList:{"childControl":{"start_index":10}}'));
    await lamp.close();
  });

  it('switches a switch through controlChild with request_data, and refuses sensor commands before sending', async () => {
    const { lamp, device, transport } = h200({ children: ['S220', 'T110', 'D230'] });
    await lamp.open();
    const after = await lamp.setState({ on: true }, { child: 'Light switch' });
    assert.equal(after.children?.find((c) => c.kind === 'switch')?.on, true);
    assert.equal(device.hub.children[0]?.info.device_on, true);
    const control = transport.requests
      .flatMap(
        (r) =>
          (r as { params: { requests: { method: string; params: unknown }[] } }).params.requests,
      )
      .find((x) => x.method === 'controlChild') as {
      params: { childControl: Record<string, unknown> };
    };
    assert.deepEqual(control.params.childControl.request_data, {
      method: 'set_device_info',
      params: { device_on: true },
    });
    const sent = transport.sent.length;
    await assert.rejects(
      lamp.setState({ on: true }, { child: 'Contact sensor' }),
      /takes no commands/,
    );
    await assert.rejects(
      lamp.setState({ on: true }, { child: 'Doorbell' }),
      /D230.*takes no commands/,
    );
    assert.equal(transport.sent.length, sent);
    await lamp.close();
  });

  it('sounds and stops the siren (setSirenConfig then setSirenStatus) and checks its sounds', async () => {
    const { lamp, device } = h200({ children: [] });
    const on = await lamp.setState({ alarm: { sound: 'alarm 2', volume: 'low', duration: 20 } });
    assert.equal(on.alarm, true);
    assert.deepEqual(device.sirenConfig, { duration: 20, siren_type: 'Alarm 2', volume: '3' });
    const off = await lamp.setState({ alarm: false });
    assert.equal(off.alarm, false);
    await assert.rejects(
      lamp.setState({ alarm: { sound: 'Foghorn' } }),
      /alarm.sound must be one of/,
    );
    await assert.rejects(lamp.setState({ alarm: { volume: 'mute' } }), /no mute/);
    await lamp.close();
  });

  it("a child's refusal (inside response_data) fails the command, and nothing is asked again", async () => {
    const { lamp, device, transport } = h200({ children: ['S220'] });
    await lamp.open();
    device.hub.setOnline(1, false);
    const before = transport.sent.length;
    await assert.rejects(
      lamp.setState({ on: true }, { child: 'Light switch' }),
      /DEVICE_ERROR|-1001/,
    );
    // One batch: the controlChild and the state's reads; no retry of the write.
    assert.equal(transport.sent.length - before, 1);
    assert.notEqual(device.hub.children[0]?.info.device_on, true);
    await lamp.close();
  });

  it('asks again, one by one, what the hub left unanswered after a failing entry', async () => {
    const { transport } = h200({ children: ['T310'] });
    const protocol = new SmartcamProtocol(transport, '127.0.0.1:443');
    const outcomes = await protocol.callAll([
      { method: 'getSirenStatus', params: { siren: {} } },
      { method: 'getNoSuchThing' },
      { method: 'getConnectionType', params: { network: { get_connection_type: {} } } },
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, true],
    );
    // One batch (the hub stopped at the failure), then the missing entry on its own.
    assert.deepEqual(methodsSent(transport), [
      ['getSirenStatus', 'getNoSuchThing', 'getConnectionType'],
      ['getConnectionType'],
    ]);
    assert.deepEqual(moduleOf((outcomes[2] as { result: unknown }).result, 'network'), {
      link_type: 'ethernet',
    });
  });
});
