import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { h200, methodsSent } from './h200-support';

const names = (events: { name: string; source: string; child: { alias: string } }[]) =>
  events.map((e) => `${e.child.alias}:${e.name}:${e.source}`);

describe('H200 events (logs and the child list)', () => {
  it('replays nothing at start and reads each contact, motion and leak change once, from the log where it is logged', async () => {
    const { lamp, device } = h200({ children: ['T110', 'T100', 'T300'] });
    device.hub.contact(1, true);
    const reader = lamp.events();
    assert.deepEqual(await reader.read(), []);
    device.hub.contact(1, false);
    device.hub.motion(2);
    device.hub.leak(3, true);
    const events = await reader.read();
    assert.deepEqual(names(events), [
      'Contact sensor:close:log',
      'Motion sensor:motion:log',
      'Leak sensor:waterLeak:log',
    ]);
    assert.deepEqual(await reader.read(), []);
    await lamp.close();
  });

  it('derives open/close, motion and waterLeak/waterDry from the child list when nothing is logged, once per change', async () => {
    const { lamp, device } = h200({ children: ['T110', 'T100', 'T300'] });
    device.hub.setUnloggedKinds(['button', 'dial', 'contact', 'motion', 'leak']);
    const reader = lamp.events();
    assert.deepEqual(await reader.read(), []);
    device.hub.contact(1, true);
    device.hub.motion(2);
    device.hub.leak(3, true);
    const first = await reader.read();
    assert.deepEqual(names(first), [
      'Contact sensor:open:state',
      'Motion sensor:motion:state',
      'Leak sensor:waterLeak:state',
    ]);
    assert.equal(first[0]?.id, 0);
    assert.ok(!Number.isNaN(Date.parse(first[0]?.time ?? '')));
    assert.deepEqual(await reader.read(), []);
    device.hub.contact(1, false);
    device.hub.leak(3, false);
    assert.deepEqual(names(await reader.read()), [
      'Contact sensor:close:state',
      'Leak sensor:waterDry:state',
    ]);
    assert.deepEqual(await reader.read(), []);
    await lamp.close();
  });

  it('reads no button presses by default (real H200s log none) and reads them once the buttons log', async () => {
    const { lamp, device, transport } = h200({ children: ['S200B', 'S200B', 'T110'] });
    const reader = lamp.events();
    await reader.read();
    device.hub.press(1);
    assert.deepEqual(await reader.read(), []);
    device.setLogButtons(true);
    device.hub.press(1, 'doubleClick');
    device.hub.press(2);
    transport.sent.length = 0;
    const events = await reader.read();
    assert.deepEqual(names(events), ['Button:doubleClick:log', 'Button 2:singleClick:log']);
    // The child list, then both buttons' logs in one multipleRequest of two controlChild.
    assert.deepEqual(methodsSent(transport), [
      ['getChildDeviceList'],
      ['controlChild', 'controlChild'],
    ]);
    await lamp.close();
  });

  it('hands out a change once when its log could not be read at the time', async () => {
    const { lamp, device } = h200({ children: ['T110'] });
    const reader = lamp.events();
    await reader.read();
    const child = device.hub.children[0];
    assert.ok(child);
    // The contact's log refuses once (its own error), while the list shows it open.
    const respond = child.respond.bind(child);
    let refuse = 1;
    child.respond = (request) =>
      request.method === 'get_trigger_logs' && refuse-- > 0
        ? { error_code: -1001 }
        : respond(request);
    device.hub.contact(1, true);
    assert.deepEqual(names(await reader.read()), ['Contact sensor:open:state']);
    assert.deepEqual(await reader.read(), []);
    device.hub.contact(1, false);
    assert.deepEqual(names(await reader.read()), ['Contact sensor:close:log']);
    await lamp.close();
  });
});
