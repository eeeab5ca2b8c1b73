/**
 * Outlets of power strips and multi-outlet plugs (docs/protocols/outlets.md): what one outlet
 * is, how a flow names one (number on the housing, name or id), and the state object a single
 * outlet reports, derived from its strip's state so that one read of the strip serves every
 * outlet.
 */
import { InvalidCommandError, quoteInput } from '../../transport/errors';
import { NO_SETTINGS } from '../capabilities';
import type { Capabilities, LampState, Outlet } from '../types';

/** How a flow names an outlet: its number on the housing, its name (alias) or its id. */
export type OutletSelector = number | string;

/** Longest outlet name or id accepted; real ones are far shorter. */
const MAX_SELECTOR_CHARS = 128;

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

/**
 * The outlet a node property or msg.outlet names, or undefined when it is empty (= the device
 * itself). Anything that cannot name an outlet is refused, saying what can.
 */
export function parseOutletSelector(value: unknown): OutletSelector | undefined {
  if (blank(value)) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 64) {
    return value;
  }
  if (typeof value === 'string' && value.trim().length <= MAX_SELECTOR_CHARS) {
    const text = value.trim();
    return /^\d{1,2}$/.test(text) ? Number(text) : text;
  }
  throw new InvalidCommandError(
    'outlet',
    `outlet must be the outlet's number on the device (1, 2, …), its name or its id; leave it empty for the whole device (got ${quoteInput(value)})`,
  );
}

function list(outlets: readonly Outlet[]): string {
  return outlets.map((o) => `${o.position} "${o.alias}"`).join(', ');
}

/** The outlet `selector` names among a device's outlets; refused (nothing sent) when none does. */
export function findOutlet(state: LampState, selector: OutletSelector): Outlet {
  const outlets = state.outlets;
  const device = `this ${state.model || 'device'}`;
  if (!outlets || outlets.length === 0) {
    throw new InvalidCommandError(
      'outlet',
      `${device} has no outlets; leave outlet empty (got ${quoteInput(selector)})`,
    );
  }
  if (typeof selector === 'number') {
    const found = outlets.find((o) => o.position === selector);
    if (found) return found;
  } else {
    const byId = outlets.find((o) => o.id === selector);
    if (byId) return byId;
    const wanted = selector.toLocaleLowerCase();
    const byName = outlets.filter((o) => o.alias.trim().toLocaleLowerCase() === wanted);
    if (byName.length === 1) return byName[0] as Outlet;
    if (byName.length > 1) {
      throw new InvalidCommandError(
        'outlet',
        `${byName.length} outlets of ${device} are named ${quoteInput(selector)}; use the number instead (${list(byName)})`,
      );
    }
  }
  throw new InvalidCommandError(
    'outlet',
    `${device} has no outlet ${quoteInput(selector)}; it has ${list(outlets)}`,
  );
}

/**
 * One outlet's own state: a full state object like a device's, plus `outlet` (its number) and
 * `parent` (the strip's name). Signal, firmware and the like belong to the strip.
 */
export function outletState(device: LampState, outlet: Outlet): LampState {
  const state: LampState = {
    on: outlet.on,
    online: device.online,
    model: device.model,
    alias: outlet.alias,
    type: outlet.brightness === undefined ? 'plug' : 'bulb',
    outlet: outlet.position,
    parent: device.alias,
    id: outlet.id,
  };
  if (device.firmware) state.firmware = device.firmware;
  if (outlet.brightness !== undefined) state.brightness = outlet.brightness;
  if (outlet.power !== undefined) state.power = outlet.power;
  if (outlet.energyToday !== undefined) state.energyToday = outlet.energyToday;
  if (outlet.energyMonth !== undefined) state.energyMonth = outlet.energyMonth;
  if (outlet.autoOff) state.autoOff = { ...outlet.autoOff };
  return state;
}

/**
 * What one outlet can do: switch, dim where it is a lamp socket, meter where it meters, and
 * what the driver knows it keeps besides (`extra`: its meter's history).
 */
export function outletCapabilities(
  device: Capabilities,
  outlet: Outlet,
  extra: Partial<Pick<Capabilities, 'energyHistory' | 'autoOff'>> = {},
): Capabilities {
  return {
    dialect: device.dialect,
    kind: outlet.brightness === undefined ? 'plug' : 'bulb',
    brightness: outlet.brightness !== undefined,
    color: false,
    colorTemp: null,
    effects: null,
    transition: false,
    energy: outlet.power !== undefined,
    // The strip keeps the LED and firmware settings; an outlet has none of its own.
    ...NO_SETTINGS,
    ...extra,
  };
}

/** A strip's own on/power/energy: on while any outlet is; power and energy add up. */
export function summarise(state: LampState, outlets: Outlet[]): LampState {
  const sorted = [...outlets].sort((a, b) => a.position - b.position);
  const summary: LampState = { ...state, on: sorted.some((o) => o.on), outlets: sorted };
  const metered = sorted.filter((o) => o.power !== undefined);
  if (metered.length > 0) {
    summary.power = Math.round(metered.reduce((sum, o) => sum + (o.power ?? 0), 0) * 1000) / 1000;
    if (metered.some((o) => o.energyToday !== undefined)) {
      summary.energyToday = metered.reduce((sum, o) => sum + (o.energyToday ?? 0), 0);
    }
    if (metered.some((o) => o.energyMonth !== undefined)) {
      summary.energyMonth = metered.reduce((sum, o) => sum + (o.energyMonth ?? 0), 0);
    }
  }
  return summary;
}
