/**
 * One child of a device (a strip's outlet, a device paired to a hub), seen through its device's
 * client: LampClient.child(selector). The child is looked up at each call, so a renamed one is
 * found by its new name.
 */
import { InvalidCommandError } from '../../transport/errors';
import type { LampState } from '../types';
import { type ChildSelector, type ChildState, childState, parseChildSelector } from './child';

/** What a child needs of its device's client (kept narrow: no import of the client). */
export interface ChildHost {
  getState(): Promise<LampState>;
  setState(payload: unknown, options: { child: ChildSelector }): Promise<LampState>;
  request(method: string, params: unknown, options: { child: ChildSelector }): Promise<unknown>;
}

export class LampChild {
  constructor(
    private readonly host: ChildHost,
    readonly selector: ChildSelector,
  ) {}

  /** The child's state, read with its whole device (one request for all children). */
  async getState(): Promise<ChildState> {
    return childState(await this.host.getState(), this.parsed());
  }

  /**
   * A command to the child (on/off/toggle on switches, outlets and valves; targetTemperature on
   * valves); answers with the child's state after it. Refused before sending where the child
   * cannot take it.
   */
  async setState(payload: unknown): Promise<ChildState> {
    const selector = this.parsed();
    return childState(await this.host.setState(payload, { child: selector }), selector);
  }

  /** A raw request addressed to this child (through control_child). */
  request(method: string, params?: unknown): Promise<unknown> {
    return this.host.request(method, params, { child: this.selector });
  }

  private parsed(): ChildSelector {
    const selector = parseChildSelector(this.selector);
    if (selector === undefined) {
      throw new InvalidCommandError('child', 'child() needs a child name, id or outlet number');
    }
    return selector;
  }
}
