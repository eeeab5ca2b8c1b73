/**
 * Children of a device, whatever the device: the outlets of a power strip and the devices
 * paired to a hub. How a flow names one (`child`: its name as the app shows it, its id, or on a
 * strip the outlet's number), and the state of one child derived from its device's state, so
 * that one read of the device serves every child.
 */
import { InvalidCommandError, quoteInput } from '../../transport/errors';
import {
  findOutlet,
  type OutletSelector,
  outletState,
  parseOutletSelector,
} from '../outlets/outlet';
import type { HubChild, HubChildState, LampState, Outlet } from '../types';

/** How a flow names a child: a strip outlet's number, or a child's name or id. */
export type ChildSelector = number | string;

/** A child's state: an outlet's (a state like a device's) or a hub child's. */
export type ChildState = LampState | HubChildState;

/** What a selector found: one outlet of a strip, or one device paired to a hub. */
export type ChildTarget =
  | { outlet: Outlet; child?: undefined }
  | { child: HubChild; outlet?: undefined };

/**
 * The child a node property or msg.child names, or undefined when it is empty (= the device
 * itself). Anything that cannot name a child is refused, saying what can.
 */
export function parseChildSelector(value: unknown): ChildSelector | undefined {
  try {
    return parseOutletSelector(value);
  } catch {
    throw new InvalidCommandError(
      'child',
      `child must be a child's name (as the app shows it) or id, or a strip outlet's number; leave it empty for the device itself (got ${quoteInput(value)})`,
    );
  }
}

function list(children: readonly HubChild[]): string {
  return children.map((c) => `"${c.alias}" (${c.model})`).join(', ');
}

/** Whether `selector` (an id, or a name in any case) names `child`. */
export function namesChild(selector: string, child: { id: string; alias: string }): boolean {
  if (child.id === selector) return true;
  return (
    typeof child.alias === 'string' &&
    child.alias.trim().toLocaleLowerCase() === selector.trim().toLocaleLowerCase()
  );
}

/** The hub child `selector` names: by id, else by name (any case); refused when none or several. */
function findHubChild(state: LampState, selector: ChildSelector): HubChild {
  const children = state.children ?? [];
  const device = `this ${state.model || 'hub'}`;
  const text = String(selector);
  const byId = children.find((c) => c.id === text);
  if (byId) return byId;
  const byName = children.filter((c) => namesChild(text, c));
  if (byName.length === 1) return byName[0] as HubChild;
  if (byName.length > 1) {
    throw new InvalidCommandError(
      'child',
      `${byName.length} children of ${device} are named ${quoteInput(text)}; use the id instead (${byName.map((c) => c.id).join(', ')})`,
    );
  }
  const has = children.length === 0 ? 'it has no children paired' : `it has ${list(children)}`;
  throw new InvalidCommandError('child', `${device} has no child ${quoteInput(text)}; ${has}`);
}

/** The child `selector` names on the device whose state this is; refused when none does. */
export function findChild(state: LampState, selector: ChildSelector): ChildTarget {
  if (state.children) return { child: findHubChild(state, selector) };
  if (state.outlets && state.outlets.length > 0) {
    try {
      return { outlet: findOutlet(state, selector) };
    } catch (error) {
      if (!(error instanceof InvalidCommandError)) throw error;
      throw new InvalidCommandError('child', error.message);
    }
  }
  throw new InvalidCommandError(
    'child',
    `this ${state.model || 'device'} has no children (it is not a hub or a power strip); leave child empty (got ${quoteInput(selector)})`,
  );
}

/** A hub child's own state: as the hub lists it, plus `parent`; offline with its hub. */
export function hubChildState(device: LampState, child: HubChild): HubChildState {
  return { ...child, online: device.online && child.online, parent: device.alias };
}

/**
 * One child's state from its device's state (pure: the config node serves every child from one
 * poll). Throws INVALID_COMMAND naming what exists when nothing matches.
 */
export function childState(device: LampState, selector: unknown): ChildState {
  const parsed = parseChildSelector(selector);
  if (parsed === undefined) {
    throw new InvalidCommandError('child', 'childState needs a child name, id or outlet number');
  }
  const target = findChild(device, parsed);
  return target.outlet ? outletState(device, target.outlet) : hubChildState(device, target.child);
}

/** The target of a call's options after parsing: at most one of outlet and child. */
export interface ParsedTarget {
  outlet?: OutletSelector;
  child?: ChildSelector;
}

/** `{ outlet?, child? }` of a command or request: each parsed, and not both at once. */
export function parseTarget(
  options: { outlet?: unknown; child?: unknown } | undefined,
): ParsedTarget {
  const outlet = parseOutletSelector(options?.outlet);
  const child = parseChildSelector(options?.child);
  if (outlet !== undefined && child !== undefined) {
    throw new InvalidCommandError('child', 'give outlet or child, not both (child covers outlets)');
  }
  return child === undefined ? { outlet } : { child };
}
