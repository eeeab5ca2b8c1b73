/**
 * One child's own state from its parent's: a device paired to a hub, or a strip's outlet
 * named through `child`. Derived from the parent's one poll (the library's childState), so
 * every child node of a hub is served by one read.
 */
import { childState } from '../../device/children/child';
import type { LampState } from '../../device/types';
import type { ReportedState } from './status-mapping';
import type { ChildSelector } from './target';

export function childView(state: LampState, child: ChildSelector): ReportedState {
  // A sensor's state has no `on`; the nodes pass states on as they are.
  return childState(state, child) as ReportedState;
}
