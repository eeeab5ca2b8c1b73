/**
 * lamp-event's settings as the node reads them (the interval's floor, the event filter) and
 * the message it makes of one event; which events a node asks for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  eventMessage,
  parseEventFilter,
  parseEventInterval,
} from '../../src/nodes/lamp-event/options';
import { MIN_EVENT_INTERVAL, wants } from '../../src/nodes/shared/event-feed';
import type { HubEventLike } from '../../src/nodes/shared/event-types';

const press: HubEventLike = {
  name: 'singleClick',
  id: 41,
  time: '2026-12-07T13:00:00.000Z',
  child: { id: '80AB', alias: 'Door button', model: 'S200B', kind: 'button' },
  params: {},
  source: 'log',
};

describe('lamp-event settings', () => {
  it('reads every second by default and never faster than every half second', () => {
    assert.equal(MIN_EVENT_INTERVAL, 0.5);
    assert.deepEqual(parseEventInterval(undefined), { seconds: 1, replaced: false });
    assert.deepEqual(parseEventInterval(''), { seconds: 1, replaced: false });
    assert.deepEqual(parseEventInterval('2'), { seconds: 2, replaced: false });
    assert.deepEqual(parseEventInterval(0.5), { seconds: 0.5, replaced: false });
    assert.deepEqual(parseEventInterval('0.1'), { seconds: 0.5, replaced: true });
    assert.deepEqual(parseEventInterval(0), { seconds: 1, replaced: true });
    assert.deepEqual(parseEventInterval('soon'), { seconds: 1, replaced: true });
  });

  it('filters by comma-separated names; blank means all', () => {
    assert.equal(parseEventFilter(''), undefined);
    assert.equal(parseEventFilter(' , '), undefined);
    assert.equal(parseEventFilter(undefined), undefined);
    assert.deepEqual(
      [...(parseEventFilter(' singleClick,doubleClick , ') ?? [])],
      ['singleClick', 'doubleClick'],
    );
    assert.equal(wants({ events: new Set(['doubleClick']) }, press), false);
    assert.equal(wants({ events: new Set(['singleClick']) }, press), true);
    assert.equal(wants({}, press), true);
  });

  it('picks one child by id or by name, whatever the case', () => {
    assert.equal(wants({ child: '80AB' }, press), true);
    assert.equal(wants({ child: 'door BUTTON' }, press), true);
    assert.equal(wants({ child: 'Hall switch' }, press), false);
  });

  it('sends the name in payload, the child in topic and a copy of the event in msg.event', () => {
    const turn: HubEventLike = {
      ...press,
      name: 'rotation',
      child: { ...press.child, model: 'S200D', kind: 'dial' },
      params: { rotate_deg: -30 },
      degrees: -30,
    };
    const msg = eventMessage(turn) as { payload: unknown; topic: unknown; event: HubEventLike };
    assert.equal(msg.payload, 'rotation');
    assert.equal(msg.topic, 'Door button');
    assert.deepEqual(msg.event, {
      name: 'rotation',
      id: 41,
      time: '2026-12-07T13:00:00.000Z',
      child: { id: '80AB', alias: 'Door button', model: 'S200D', kind: 'dial' },
      params: { rotate_deg: -30 },
      degrees: -30,
      source: 'log',
    });
    (msg.event.params as Record<string, unknown>).rotate_deg = 0;
    assert.equal(turn.params?.rotate_deg, -30, 'a flow changing msg.event leaves the source alone');
  });
});
