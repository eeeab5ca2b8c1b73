/**
 * What the nodes need of a hub's event reader (the library's `client.events()`): one read
 * returns the events logged since the previous read, in logged order, each exactly once; the
 * first read sets the baseline and returns nothing older. Kept apart so the config node, the
 * feed and lamp-event share the shape without importing one another.
 */
import type { HubEvent } from '../../device/hub/event-reader';

/** One logged event (README "Hubs": `msg.event`); `source` where the reader tells log from state. */
export type HubEventLike = HubEvent & { source?: string };

export interface EventSource {
  read(): Promise<readonly HubEventLike[]>;
}
