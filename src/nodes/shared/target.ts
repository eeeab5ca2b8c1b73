/**
 * What a node (or one message) is about: the device itself, one outlet of a strip (`outlet`,
 * as before hubs) or one child (`child`: a device paired to a hub by its name or id, or a
 * strip's outlet by its number). The node's own property wins; a message's `msg.child` /
 * `msg.outlet` serves nodes left on the whole device.
 */
import { type OutletSelector, parseOutletSelector } from '../../device/outlets/outlet';
import { InvalidCommandError, quoteInput } from '../../transport/errors';

/** A child by name or id (or, on a strip, by outlet number). */
export type ChildSelector = number | string;

export interface Target {
  outlet?: OutletSelector;
  child?: ChildSelector;
}

/** Longest child name or id accepted; real ones are far shorter. */
const MAX_SELECTOR_CHARS = 128;

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

/**
 * The child a node property or msg.child names, or undefined when empty (the device itself).
 * Digits alone are a strip's outlet number, as for `outlet`.
 */
export function parseChildSelector(value: unknown): ChildSelector | undefined {
  if (blank(value)) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 64) {
    return value;
  }
  if (typeof value === 'string' && value.trim().length <= MAX_SELECTOR_CHARS) {
    const text = value.trim();
    return /^\d{1,2}$/.test(text) ? Number(text) : text;
  }
  throw new InvalidCommandError(
    'child',
    `child must be the name of a device paired to the hub (as the app shows it), its id, or a strip's outlet number; leave it empty for the device itself (got ${quoteInput(value)})`,
  );
}

/** A target from two values, `child` first; either may be invalid (thrown). */
function targetOf(child: unknown, outlet: unknown): Target {
  const c = parseChildSelector(child);
  if (c !== undefined) return { child: c };
  const o = parseOutletSelector(outlet);
  return o !== undefined ? { outlet: o } : {};
}

/**
 * A node's `child` / `outlet` properties: its fixed target (empty: none), or the error every
 * input message then reports.
 */
export function configuredTarget(config: { child?: unknown; outlet?: unknown }): {
  target: Target;
  error?: Error;
} {
  try {
    return { target: targetOf(config.child, config.outlet) };
  } catch (error) {
    return { target: {}, error: error as Error };
  }
}

export function isEmptyTarget(target: Target): boolean {
  return target.child === undefined && target.outlet === undefined;
}

/** The target of one message: the node's own, else the message's `child`, else its `outlet`. */
export function messageTarget(fixed: Target, msg: object): Target {
  if (!isEmptyTarget(fixed)) return fixed;
  const { child, outlet } = msg as { child?: unknown; outlet?: unknown };
  return targetOf(child, outlet);
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.child === b.child && a.outlet === b.outlet;
}

/** "2", "Door button": what the target names, for status texts. */
export function describeTarget(target: Target): string {
  return String(target.child ?? target.outlet ?? '');
}
