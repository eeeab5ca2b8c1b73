/**
 * One part of a device seen through the device's client: a strip's outlet
 * (LampClient.outlet) or any child, outlets included (LampClient.child). The part is looked up
 * at each call, so a renamed one is found by its new name. The two kinds differ only in the
 * property that names them (refusals name it too) and in the state they answer with.
 */
import { InvalidCommandError } from '../../transport/errors';
import type { LampState } from '../types';

/** What a part needs of its device's client (kept narrow: no import of the client). */
export interface PartHost<K extends string, S> {
  getState(): Promise<LampState>;
  setState(payload: unknown, options: Record<K, S>): Promise<LampState>;
  request(method: string, params: unknown, options: Record<K, S>): Promise<unknown>;
}

/** A kind of part: the property naming it, how a selector is read, and the part's own state. */
export interface PartKind<K extends string, S, V> {
  property: K;
  parse(selector: unknown): S | undefined;
  view(device: LampState, selector: S): V;
  /** What to give instead when the selector is none (the refusal's message). */
  usage: string;
}

export class DevicePart<K extends string, S, V> {
  constructor(
    private readonly host: PartHost<K, S>,
    readonly selector: number | string,
    private readonly kind: PartKind<K, S, V>,
  ) {}

  /** The part's state, read with its whole device (one request for all its parts). */
  async getState(): Promise<V> {
    return this.kind.view(await this.host.getState(), this.parsed());
  }

  /**
   * A command to the part; answers with the part's state after it. Refused before sending
   * where the part cannot take it.
   */
  async setState(payload: unknown): Promise<V> {
    const selector = this.parsed();
    return this.kind.view(await this.host.setState(payload, this.target(selector)), selector);
  }

  /** A raw request addressed to this part (through control_child). */
  request(method: string, params?: unknown): Promise<unknown> {
    return this.host.request(method, params, this.target(this.selector as S));
  }

  private target(selector: S): Record<K, S> {
    return { [this.kind.property]: selector } as Record<K, S>;
  }

  private parsed(): S {
    const selector = this.kind.parse(this.selector);
    if (selector === undefined) throw new InvalidCommandError(this.kind.property, this.kind.usage);
    return selector;
  }
}
