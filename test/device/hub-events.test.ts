/**
 * The event reader (client.events()) against the emulated hub over real HTTP: nothing old
 * replayed at start, a burst between two reads all once and in order (older pages fetched),
 * dial degrees and switch states, a child filter, drops, re-logins and hub reboots that neither
 * lose nor repeat, and the request budget for a hub with 2 buttons, motion, contact, climate
 * and a switch read once a second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import type { HubEvent } from '../../src/device/hub/event-reader';
import { createDevice } from '../../src/emulator';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { createModel, type SmartModel } from '../../src/emulator/models';
import { pairChildren } from '../../src/emulator/models-hubs';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { hub } from './hub-support';

const names = (events: HubEvent[]) => events.map((e) => `${e.child.alias}:${e.name}`);

function ascending(events: HubEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok((events[i] as HubEvent).id > (events[i - 1] as HubEvent).id, 'logged order');
  }
}

describe('hub events: exactly once, in order', () => {
  it('starts from now: events logged before the first read are not replayed', async () => {
    const { device, lamp } = await hub();
    device.hub.press('Button');
    device.hub.contact('Contact sensor', true);
    const reader = lamp.events();
    assert.deepEqual(await reader.read(), [], 'the first read is the baseline');
    assert.deepEqual(await reader.read(), [], 'and nothing old comes later');
    device.hub.press('Button', 'doubleClick');
    const events = await reader.read();
    assert.deepEqual(names(events), ['Button:doubleClick']);
    const [event] = events as [HubEvent];
    assert.deepEqual(event.child, {
      id: device.hub.child('Button').id,
      alias: 'Button',
      model: 'S200B',
      kind: 'button',
    });
    assert.match(event.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    assert.deepEqual(event.params, {});
    assert.deepEqual(await reader.read(), [], 'once');
  });

  it('reads a burst of 37 presses between two reads once each, in order, over several pages', async () => {
    const { device, lamp } = await hub(['S200B', 'S200D']);
    const reader = lamp.events();
    await reader.read();
    const logged: number[] = [];
    for (let i = 0; i < 37; i++) {
      const entry =
        i % 3 === 0 ? device.hub.rotate('Dial', i % 2 ? 30 : -45) : device.hub.press('Button');
      logged.push(entry?.id as number);
    }
    const events = await reader.read();
    assert.deepEqual(
      events.map((e) => e.id),
      logged,
    );
    ascending(events);
    const turns = events.filter((e) => e.name === 'rotation');
    assert.ok(turns.length > 0);
    for (const turn of turns) assert.equal(turn.degrees, turn.params.rotate_deg);
    assert.ok(
      turns.some((t) => (t.degrees as number) < 0),
      'anticlockwise is negative',
    );
    assert.deepEqual(await reader.read(), []);
  });

  it("carries a wall switch's new state, and each sensor's events once its record changes", async () => {
    const { device, lamp } = await hub();
    const reader = lamp.events();
    await reader.read();
    device.hub.toggleSwitch('Light switch');
    device.hub.motion('Motion sensor');
    device.hub.contact('Contact sensor', true);
    device.hub.leak('Leak sensor', true);
    const events = await reader.read();
    assert.deepEqual(names(events), [
      'Light switch:singleClick',
      'Motion sensor:motion',
      'Contact sensor:open',
      'Leak sensor:waterLeak',
    ]);
    assert.equal(events[0]?.on, true);
    device.hub.toggleSwitch('Light switch');
    device.hub.contact('Contact sensor', false);
    const more = await reader.read();
    assert.deepEqual(names(more), ['Light switch:singleClick', 'Contact sensor:close']);
    assert.equal(more[0]?.on, false);
  });

  it('finds events that leave no trace in the record by reading each log in turn', async () => {
    const { device, lamp } = await hub(['S200B', 'T100']);
    const reader = lamp.events();
    await reader.read();
    device.hub.motion('Motion sensor');
    assert.deepEqual(names(await reader.read()), ['Motion sensor:motion']);
    // Motion again while the sensor still reports detected: the record does not change.
    device.hub.motion('Motion sensor');
    const seen: HubEvent[] = [];
    for (let i = 0; i < 8 && seen.length === 0; i++) seen.push(...(await reader.read()));
    assert.deepEqual(names(seen), ['Motion sensor:motion']);
  });

  it('keeps to one child with { child }', async () => {
    const { device, lamp } = await hub(['S200B', 'S200B']);
    const reader = lamp.events({ child: 'button 2' });
    await reader.read();
    device.hub.press('Button');
    device.hub.press('Button 2', 'doubleClick');
    assert.deepEqual(names(await reader.read()), ['Button 2:doubleClick']);
    await assert.rejects(lamp.events({ child: 'Porch' }).read(), /the hub has no child "Porch"/);
  });

  it('a second reader starts from its own start and does not replay', async () => {
    const { device, lamp } = await hub(['S200B']);
    const first = lamp.events();
    await first.read();
    device.hub.press('Button');
    const second = lamp.events();
    assert.deepEqual(await second.read(), []);
    device.hub.press('Button', 'doubleClick');
    assert.deepEqual(names(await second.read()), ['Button:doubleClick']);
    assert.deepEqual(names(await first.read()), ['Button:singleClick', 'Button:doubleClick']);
  });
});

describe('hub events: drops, re-logins and reboots', () => {
  it('a dropped connection loses nothing and repeats nothing', async () => {
    const { device, lamp } = await hub(['S200B', 'T110']);
    const reader = lamp.events();
    await reader.read();
    const got: HubEvent[] = [];
    for (let round = 0; round < 4; round++) {
      device.hub.press('Button');
      device.hub.contact('Contact sensor', round % 2 === 0);
      device.server.faults.dropConnections = 1 + round;
      try {
        got.push(...(await reader.read()));
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'UNREACHABLE', String(error));
      }
    }
    device.server.faults.dropConnections = 0;
    got.push(...(await reader.read()));
    assert.deepEqual(
      names(got),
      Array.from({ length: 4 }, (_, i) => [
        'Button:singleClick',
        `Contact sensor:${i % 2 === 0 ? 'open' : 'close'}`,
      ]).flat(),
    );
    ascending(got);
  });

  it('a lost session (re-login) and a hub reboot lose nothing and repeat nothing', async () => {
    const { device, lamp } = await hub(['S200B']);
    const reader = lamp.events();
    await reader.read();
    device.hub.press('Button');
    device.server.forgetSessions();
    const afterRelogin = await reader.read();
    assert.deepEqual(names(afterRelogin), ['Button:singleClick']);

    device.hub.press('Button', 'doubleClick');
    await device.unplug();
    await assert.rejects(reader.read());
    device.hub.press('Button');
    await device.plugIn();
    const afterReboot = await reader.read();
    assert.deepEqual(names(afterReboot), ['Button:doubleClick', 'Button:singleClick']);
    assert.deepEqual(await reader.read(), []);
  });
});

describe('hub events: one child refused', () => {
  it("a child whose log the hub refuses holds up no other child's events", async () => {
    const { device, lamp } = await hub(['S200B', 'S200B']);
    const reader = lamp.events();
    await reader.read();
    // The emulator has no switch for this; its child answers an error to every request.
    const refusing = device.hub.child('Button 2');
    const respond = refusing.respond.bind(refusing);
    refusing.respond = () => ({ error_code: -1001 });
    device.hub.press('Button 2', 'doubleClick');
    device.hub.press('Button');
    assert.deepEqual(names(await reader.read()), ['Button:singleClick']);
    refusing.respond = respond;
    assert.deepEqual(names(await reader.read()), ['Button 2:doubleClick'], 'found later, once');
    assert.deepEqual(await reader.read(), []);
  });
});

describe('hub events: a hub that will not list components', () => {
  it('judges by kind which children keep logs: buttons and sensors yes, valves no', async () => {
    const model = pairChildren(createModel('H100') as SmartModel, ['S200B', 'T110', 'KE100']);
    const device = createDevice(model) as EmulatedSmartDevice;
    const asked: string[] = [];
    // In memory, with the hub refusing get_child_device_component_list (-1002).
    const transport = new MemoryTransport((text) => {
      const method = (JSON.parse(text) as { method: string }).method;
      asked.push(method);
      return method === 'get_child_device_component_list'
        ? JSON.stringify({ error_code: -1002 })
        : device.handle(text);
    });
    const lamp = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
    const reader = lamp.events();
    await reader.read();
    assert.ok(asked.includes('get_child_device_component_list'));
    device.hub?.press('Button');
    device.hub?.contact('Contact sensor', true);
    assert.deepEqual(names(await reader.read()), ['Button:singleClick', 'Contact sensor:open']);
    await lamp.close();
  });
});

describe('hub events: the request budget', () => {
  it('2 buttons, motion, contact, climate and a switch: at most 4 requests a read on average', async () => {
    const { device, lamp } = await hub(['S200B', 'S200B', 'T100', 'T110', 'T315', 'S220']);
    const reader = lamp.events();
    await reader.read();
    const reads = 60;
    const before = device.server.counters.requests;
    let events = 0;
    for (let i = 0; i < reads; i++) {
      // A lively minute: presses on both buttons, a door, motion, a switch, a climate change.
      if (i % 5 === 0) device.hub.press(i % 10 === 0 ? 'Button' : 'Button 2');
      if (i % 15 === 3) device.hub.contact('Contact sensor', i % 30 === 3);
      if (i % 20 === 7) device.hub.motion('Motion sensor');
      if (i % 20 === 11) device.hub.toggleSwitch('Light switch');
      if (i === 30) device.hub.climate('Climate display', { humidity: 25 });
      events += (await reader.read()).length;
    }
    const perRead = (device.server.counters.requests - before) / reads;
    assert.ok(perRead <= 4, `${perRead.toFixed(2)} requests per read`);
    assert.ok(events >= 12 + 4 + 3 + 3, `${events} events read`);
  });

  it('a press is in the very next read after it is logged', async () => {
    const { device, lamp } = await hub(['S200B', 'S200B', 'T100', 'T110', 'T315', 'S220']);
    const reader = lamp.events();
    await reader.read();
    for (let i = 0; i < 10; i++) {
      await reader.read();
      const entry = device.hub.press(i % 2 ? 'Button' : 'Button 2');
      const events = await reader.read();
      assert.deepEqual(
        events.map((e) => e.id),
        [entry?.id],
      );
    }
  });
});
