/**
 * The lamp-event node's settings read from the editor's values, and the message it sends for
 * one event. Pure, so the rules (the interval's floor, the filter's spelling) are tested alone.
 */
import type { NodeMessage } from 'node-red';
import { MIN_EVENT_INTERVAL } from '../shared/event-feed';
import type { HubEventLike } from '../shared/event-types';

/** Default seconds between reads of the hub's logs (README, "Hubs": lamp-event). */
export const DEFAULT_EVENT_INTERVAL = 1;

/**
 * Seconds between reads: blank → the default; below the floor → the floor, and anything that
 * is not a positive number → the default, both with `replaced` so the node can say so.
 */
export function parseEventInterval(value: unknown): { seconds: number; replaced: boolean } {
  const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
  if (text === '') return { seconds: DEFAULT_EVENT_INTERVAL, replaced: false };
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) return { seconds: DEFAULT_EVENT_INTERVAL, replaced: true };
  if (n < MIN_EVENT_INTERVAL) return { seconds: MIN_EVENT_INTERVAL, replaced: true };
  return { seconds: n, replaced: false };
}

/** "singleClick, doubleClick" → the set of names; blank → undefined (all events). */
export function parseEventFilter(value: unknown): ReadonlySet<string> | undefined {
  if (typeof value !== 'string') return undefined;
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? new Set(names) : undefined;
}

/** One event as the flow gets it: payload = its name, topic = the child's name, msg.event. */
export function eventMessage(event: HubEventLike): NodeMessage {
  const copy: Record<string, unknown> = {
    name: event.name,
    id: event.id,
    time: event.time,
    child: { ...event.child },
    params: event.params ? structuredClone(event.params) : {},
  };
  if (event.degrees !== undefined) copy.degrees = event.degrees;
  if (event.on !== undefined) copy.on = event.on;
  if (event.source !== undefined) copy.source = event.source;
  return { payload: event.name, topic: event.child.alias, event: copy } as NodeMessage;
}
