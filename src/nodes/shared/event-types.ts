/**
 * What the nodes need of a hub's event reader (the library's `client.events()`): one read
 * returns the events logged since the previous read, in logged order, each exactly once; the
 * first read sets the baseline and returns nothing older. Kept apart so the config node, the
 * feed and lamp-event share the shape without importing one another.
 */
export interface HubEventLike {
  name: string;
  id: number;
  time: string;
  child: { id: string; alias: string; model: string; kind: string };
  params?: Record<string, unknown>;
  degrees?: number;
  on?: boolean;
  source?: string;
}

export interface EventSource {
  read(): Promise<readonly HubEventLike[]>;
}
