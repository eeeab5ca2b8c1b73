/**
 * One outlet of a multi-outlet device, seen through its strip's client: LampClient.outlet(n).
 * The outlet is looked up at each call, so a renamed one is found by its new name.
 */
import { InvalidCommandError } from '../../transport/errors';
import type { LampState } from '../types';
import { findOutlet, type OutletSelector, outletState, parseOutletSelector } from './outlet';

/** What an outlet needs of its strip's client (kept narrow: no import of the client). */
export interface OutletHost {
  getState(): Promise<LampState>;
  setState(payload: unknown, options: { outlet: OutletSelector }): Promise<LampState>;
  request(method: string, params: unknown, options: { outlet: OutletSelector }): Promise<unknown>;
}

export class LampOutlet {
  constructor(
    private readonly client: OutletHost,
    readonly selector: number | string,
  ) {}

  /** The outlet's state, read with its whole strip. */
  async getState(): Promise<LampState> {
    const device = await this.client.getState();
    return outletState(device, findOutlet(device, this.parsed()));
  }

  /** on/off/toggle (and brightness on lamp sockets); answers with the outlet's state. */
  async setState(payload: unknown): Promise<LampState> {
    const selector = this.parsed();
    const device = await this.client.setState(payload, { outlet: selector });
    return outletState(device, findOutlet(device, selector));
  }

  /** A raw request addressed to this outlet. */
  request(method: string, params?: unknown): Promise<unknown> {
    return this.client.request(method, params, { outlet: this.selector });
  }

  private parsed(): OutletSelector {
    const selector = parseOutletSelector(this.selector);
    if (selector === undefined) {
      throw new InvalidCommandError('outlet', 'outlet() needs an outlet number, name or id');
    }
    return selector;
  }
}
