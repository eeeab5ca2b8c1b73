/**
 * What a node (or one message) is about: the device itself, one outlet of a strip (`outlet`,
 * as before hubs) or one child (`child`: a device paired to a hub by its name or id, or a
 * strip's outlet by its number). The node's own property wins; a message's `msg.child` /
 * `msg.outlet` serves nodes left on the whole device.
 */
import { type ChildSelector, parseChildSelector } from '../../device/children/child';
import { type OutletSelector, parseOutletSelector } from '../../device/outlets/outlet';

export type { ChildSelector } from '../../device/children/child';

export interface Target {
  outlet?: OutletSelector;
  child?: ChildSelector;
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
