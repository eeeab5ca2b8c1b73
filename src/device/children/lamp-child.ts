/**
 * One child of a device (a strip's outlet, a device paired to a hub), seen through its
 * device's client: LampClient.child(selector). Commands: on/off/toggle on switches, outlets and
 * valves, targetTemperature on valves.
 */
import type { LampState } from '../types';
import { type ChildSelector, type ChildState, childState, parseChildSelector } from './child';
import { DevicePart, type PartHost, type PartKind } from './device-part';

/** What a child needs of its device's client. */
export type ChildHost = PartHost<'child', ChildSelector>;

const CHILD: PartKind<'child', ChildSelector, ChildState> = {
  property: 'child',
  parse: parseChildSelector,
  view: (device: LampState, selector) => childState(device, selector),
  usage: 'child() needs a child name, id or outlet number',
};

export class LampChild extends DevicePart<'child', ChildSelector, ChildState> {
  constructor(host: ChildHost, selector: ChildSelector) {
    super(host, selector, CHILD);
  }
}
