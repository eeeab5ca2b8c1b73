import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { startH200 } from '../../src/emulator/h200';

const USER = 'hub@example.com';
const PASS = 'H200-Pass1';

describe('H200 over sslaes (HTTPS on loopback)', () => {
  const closing: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it('connects, lists the children, switches a switch and reads a contact from the list', async () => {
    const hub = await startH200({
      username: USER,
      password: PASS,
      children: ['S220', 'T110', 'S200B', 'D230'],
    });
    closing.push(() => hub.close());
    const lamp = await connect({
      host: hub.host,
      port: hub.port,
      username: USER,
      password: PASS,
      protocol: 'sslaes',
    });
    closing.push(() => lamp.close());
    const state = await lamp.getState();
    assert.equal(lamp.dialect, 'smartcam');
    assert.equal(lamp.encryption, 'SSLAES');
    assert.deepEqual(
      state.children?.map((c) => c.kind),
      ['switch', 'contact', 'button', 'camera'],
    );
    const switched = await lamp.setState('toggle', { child: 'Light switch' });
    assert.equal(switched.children?.[0]?.on, true);
    const reader = lamp.events();
    await reader.read();
    hub.device.hub.setUnloggedKinds(['button', 'dial', 'contact']);
    hub.hub.contact('Contact sensor', true);
    const events = await reader.read();
    assert.deepEqual(
      events.map((e) => [e.name, e.source]),
      [['open', 'state']],
    );
    assert.equal(hub.server.counters.logins >= 1, true);
  });

  it('is found by protocol auto on its port, and speaks smartcam then', async () => {
    const hub = await startH200({ username: USER, password: PASS, children: ['T110'] });
    closing.push(() => hub.close());
    const lamp = await connect({ host: hub.host, port: hub.port, username: USER, password: PASS });
    closing.push(() => lamp.close());
    const state = await lamp.getState();
    assert.equal(state.model, 'H200');
    assert.equal(lamp.encryption, 'SSLAES');
    assert.equal(lamp.dialect, 'smartcam');
  });
});
