/**
 * `lamp-event`: one message per event a hub logs (button presses, dial turns, wall-switch
 * presses, motion, contact, leak, comfort warnings, low battery), exactly once and in logged
 * order. It reads nothing itself: it registers with its `klap-device`, whose ONE shared event
 * reader (shared/event-feed.ts) serves every lamp-event node of that hub.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { findDevice } from '../shared/config';
import { type EventUser, MIN_EVENT_INTERVAL } from '../shared/event-feed';
import type { HubEventLike } from '../shared/event-types';
import { eventMessage, parseEventFilter, parseEventInterval } from './options';

interface LampEventDef extends NodeDef {
  device?: string;
  /** Empty: every child of the device. */
  child?: string;
  /** Event names separated by commas; empty: all. */
  events?: string;
  interval?: number | string;
}

export = (RED: NodeAPI) => {
  const t = (key: string, vars?: Record<string, string | number>): string => RED._(key, vars);

  function LampEvent(this: Node, config: LampEventDef) {
    RED.nodes.createNode(this, config);
    const device = findDevice(RED, config.device);
    const interval = parseEventInterval(config.interval);
    if (interval.replaced) {
      this.warn(
        t('lamp-event.warn.interval', {
          asked: String(config.interval),
          min: MIN_EVENT_INTERVAL,
          used: interval.seconds,
        }),
      );
    }
    const child =
      typeof config.child === 'string' && config.child.trim() ? config.child.trim() : undefined;
    const user: EventUser = {
      id: this.id,
      interval: interval.seconds,
      child,
      events: parseEventFilter(config.events),
      deliver: (event: HubEventLike) => {
        this.send(eventMessage(event));
        this.status({
          fill: 'green',
          shape: 'dot',
          text: t('lamp-event.status.last', { event: event.name, child: event.child.alias }),
        });
      },
      setStatus: (status) => this.status(status),
    };

    if (device) {
      device.hub.events.register(user);
    } else {
      this.status({ fill: 'red', shape: 'ring', text: t('lamp-event.status.noDevice') });
    }

    this.on('close', (_removed: boolean, done: () => void) => {
      device?.hub.events.deregister(user);
      done();
    });
  }

  RED.nodes.registerType('lamp-event', LampEvent);
};
