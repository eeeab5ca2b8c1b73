/**
 * Events read from the child list itself (docs/protocols/smartcam.md §5): a contact opening or
 * closing, a motion sensor turning to "detected", a leak sensor turning wet or dry. Real H200s
 * are reported to keep some children's trigger logs empty, so these changes are what a flow
 * can see there; the event reader hands one out per change, unless the same change is also in
 * the child's log (then the log's entry is handed out, once).
 */
import type { HubChild } from '../types';

/** What the list says now, for the kinds whose state changes are events. */
export interface ListedState {
  open?: boolean;
  motion?: boolean;
  leak?: boolean;
}

export function listedState(child: HubChild): ListedState {
  switch (child.kind) {
    case 'contact':
      return { open: child.open };
    case 'motion':
      return { motion: child.motion };
    case 'leak':
      return { leak: child.leak };
    default:
      return {};
  }
}

/** The event names one change of the listed state stands for (as the child's log names them). */
export function stateEventNames(before: ListedState, after: ListedState): string[] {
  const names: string[] = [];
  if (before.open !== undefined && after.open !== undefined && before.open !== after.open) {
    names.push(after.open ? 'open' : 'close');
  }
  if (before.motion === false && after.motion === true) names.push('motion');
  if (before.leak !== undefined && after.leak !== undefined && before.leak !== after.leak) {
    names.push(after.leak ? 'waterLeak' : 'waterDry');
  }
  return names;
}
