/**
 * What LampClient needs from a dialect: read the state, apply a validated command in one
 * device request, pass raw requests through. One implementation per dialect (SMART, IOT).
 */
import type { Capabilities, Dialect, LampCommand, LampState } from './types';

export interface DeviceDriver {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** Model without region, for messages ("this L530 ..."). */
  readonly model: string;
  readState(): Promise<LampState>;
  /** Apply a command already checked against `capabilities`; returns the state after it. */
  apply(command: LampCommand): Promise<LampState>;
  /** Raw request in the dialect's own naming; returns the decoded result. */
  request(method: string, params?: unknown): Promise<unknown>;
}

/** Whether a command changes the light (so it also switches the lamp on, as devices do). */
export function changesLight(command: LampCommand): boolean {
  return (
    command.brightness !== undefined ||
    command.hue !== undefined ||
    command.saturation !== undefined ||
    command.colorTemp !== undefined
  );
}
