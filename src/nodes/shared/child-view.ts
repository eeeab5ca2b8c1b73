/**
 * One child's own state from its parent's: a device paired to a hub, or a strip's outlet
 * named through `child`. Derived from the parent's one poll, so every child node of a hub is
 * served by one read.
 */
import { findOutlet, outletState } from '../../device/outlets/outlet';
import type { LampState } from '../../device/types';
import type { ReportedState } from './status-mapping';
import type { ChildSelector } from './target';

export function childView(state: LampState, child: ChildSelector): ReportedState {
  return outletState(state, findOutlet(state, child));
}
