/**
 * What LampClient needs from a dialect: read the state, apply a validated command in one
 * device request, pass raw requests through. One implementation per dialect (SMART, IOT).
 */
import type { HubLogSource } from './hub/log-source';
import type {
  Capabilities,
  Dialect,
  EnergyHistoryQuery,
  EnergyPoint,
  HubChild,
  LampCommand,
  LampState,
  Outlet,
} from './types';

export interface ApplyOptions {
  /**
   * The command is one frame of a flood (several merged): a painting may be shown without being
   * saved on the device (docs/protocols/segments.md §4). The client saves the last one.
   */
  preview?: boolean;
}

/**
 * Called with the device's own description (SMART get_device_info, IOT sysinfo) as soon as it
 * arrives at negotiation, before anything else is sent; throwing ends the negotiation.
 */
export type Identify = (info: Record<string, unknown>) => void;

export interface DeviceDriver {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** Model without region, for messages ("this L530 ..."). */
  readonly model: string;
  /**
   * The state now. The very object of the read before it when nothing changed (the client then
   * hands a poller no copy); a new object whenever anything did.
   */
  readState(): Promise<LampState>;
  /** Apply a command already checked against `capabilities`; returns the state after it. */
  apply(command: LampCommand, options?: ApplyOptions): Promise<LampState>;
  /** Raw request in the dialect's own naming; returns the decoded result. */
  request(method: string, params?: unknown): Promise<unknown>;
  /**
   * Multi-outlet devices: a command checked against the outlet's own capabilities; returns the
   * state of the whole device (whose `outlets` include this one).
   */
  applyToOutlet?(command: LampCommand, outlet: Outlet): Promise<LampState>;
  /** Multi-outlet devices: a raw request addressed to one outlet. */
  requestToOutlet?(outlet: Outlet, method: string, params?: unknown): Promise<unknown>;
  /**
   * A checked command with `preset` replaced by that preset's light fields (from the presets
   * last read, read first if never read); throws InvalidCommandError for a preset the device
   * does not have, before the command is sent.
   */
  resolve(command: LampCommand): Promise<LampCommand>;
  /** The energy history of a query already checked against `capabilities`. */
  energyHistory(query: EnergyHistoryQuery, now: number, outlet?: Outlet): Promise<EnergyPoint[]>;
  /** Multi-outlet devices: what one outlet can do (its meter's history included). */
  outletCapabilities?(outlet: Outlet): Capabilities;
  /** Hubs: refuses (InvalidCommandError / UnsupportedFeatureError) what the child cannot take. */
  checkChildCommand?(command: LampCommand, child: HubChild): LampCommand;
  /** Hubs: a checked command to one child; returns the hub's state (whose children include it). */
  applyToChild?(command: LampCommand, child: HubChild): Promise<LampState>;
  /** Hubs: the children's list and logs, for the event reader. */
  readonly hub?: HubLogSource;
  /** Devices with children: a raw request addressed to one child by its id. */
  requestToChild?(id: string, method: string, params?: unknown): Promise<unknown>;
}

/** Whether a command touches power or light at all (settings-only commands do not). */
export function touchesLight(command: LampCommand): boolean {
  return (
    command.on !== undefined ||
    command.toggle === true ||
    command.effect !== undefined ||
    command.transition !== undefined ||
    changesLight(command)
  );
}

/**
 * The light fields of a command as both dialects name them: brightness, hue, saturation and
 * color_temp. A non-zero color_temp wins over hue/saturation on the device, so a colour also
 * sends color_temp 0, which selects colour mode.
 */
export function lightFields(command: LampCommand): Record<string, number> {
  const light: Record<string, number> = {};
  if (command.brightness !== undefined) light.brightness = command.brightness;
  if (command.hue !== undefined || command.saturation !== undefined) {
    if (command.hue !== undefined) light.hue = command.hue;
    if (command.saturation !== undefined) light.saturation = command.saturation;
    light.color_temp = 0;
  }
  if (command.colorTemp !== undefined) light.color_temp = command.colorTemp;
  return light;
}

/** Whether a command changes the light (so it also switches the lamp on, as devices do). */
export function changesLight(command: LampCommand): boolean {
  return (
    command.segments !== undefined ||
    command.brightness !== undefined ||
    command.hue !== undefined ||
    command.saturation !== undefined ||
    command.colorTemp !== undefined
  );
}
