/**
 * One outlet of a multi-outlet device, seen through its strip's client: LampClient.outlet(n).
 * Refusals name the property `outlet`, as flows saved before `child` existed expect.
 */
import { DevicePart, type PartHost, type PartKind } from '../children/device-part';
import type { LampState } from '../types';
import { findOutlet, type OutletSelector, outletState, parseOutletSelector } from './outlet';

/** What an outlet needs of its strip's client. */
export type OutletHost = PartHost<'outlet', OutletSelector>;

const OUTLET: PartKind<'outlet', OutletSelector, LampState> = {
  property: 'outlet',
  parse: parseOutletSelector,
  view: (device, selector) => outletState(device, findOutlet(device, selector)),
  usage: 'outlet() needs an outlet number, name or id',
};

export class LampOutlet extends DevicePart<'outlet', OutletSelector, LampState> {
  constructor(client: OutletHost, selector: number | string) {
    super(client, selector, OUTLET);
  }
}
