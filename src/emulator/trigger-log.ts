/**
 * A hub child's trigger log (docs/emulator-hubs.md §4): what get_trigger_logs answers. Entries
 * are kept newest first; ids come from one counter per hub, so they increase but skip numbers,
 * per child and overall; the oldest entries go once a child holds `capacity` of them.
 */
import { randomUUID } from 'node:crypto';
import type { TriggerLogEntry } from './hub-types';
import { isObject } from './json';
import { type Answer, fail, ok, PARAMS_ERROR } from './smart-envelope';

/** Entries one reply carries when the request names no page_size (unknown on real hubs). */
export const DEFAULT_LOG_PAGE = 5;
/** The largest page_size taken; more is refused (-1008) rather than guessed at. */
export const MAX_LOG_PAGE = 50;
/** Entries a child's log keeps by default. */
export const DEFAULT_LOG_CAPACITY = 200;

/**
 * The hub's log id counter. Each new id is larger than every earlier one by 1 to 3: real hubs
 * leave gaps (dumps show 28763, 28748, 28746 for one sensor), so clients must not expect +1.
 */
export class HubLogIds {
  private count = 0;

  constructor(private last: number) {}

  next(): number {
    this.count++;
    this.last += 1 + (this.count % 3);
    return this.last;
  }

  /** Moves the counter past ids already logged (a dump's). */
  seen(id: number): void {
    this.last = Math.max(this.last, id);
  }
}

function wholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export class TriggerLog {
  /** Newest first. */
  private readonly entries: TriggerLogEntry[];

  constructor(
    private readonly ids: HubLogIds,
    private readonly capacity: number,
    initial: TriggerLogEntry[] = [],
  ) {
    this.entries = structuredClone(initial).sort((a, b) => b.id - a.id);
    for (const entry of this.entries) ids.seen(entry.id);
  }

  /** Every entry kept, newest first (for assertions). */
  get all(): readonly TriggerLogEntry[] {
    return this.entries;
  }

  append(event: string, timestampMs: number, params?: Record<string, unknown>): TriggerLogEntry {
    const entry: TriggerLogEntry = {
      event,
      eventId: randomUUID(),
      id: this.ids.next(),
      timestamp: Math.floor(timestampMs / 1000),
      ...(params ? { params } : {}),
    };
    this.entries.unshift(entry);
    this.entries.length = Math.min(this.entries.length, this.capacity);
    return entry;
  }

  /**
   * get_trigger_logs `{start_id, page_size?}`: start_id 0 = the newest entries; otherwise the
   * entries from that id down (inclusive), newest first, at most page_size of them. The reply's
   * start_id is the first returned entry's id (0 when none), `sum` every entry kept.
   */
  page(params: unknown): Answer {
    if (!isObject(params)) return fail(PARAMS_ERROR);
    const { start_id: start, page_size: size } = params;
    if (!wholeNumber(start, 0, Number.MAX_SAFE_INTEGER)) return fail(PARAMS_ERROR);
    if (size !== undefined && !wholeNumber(size, 1, MAX_LOG_PAGE)) return fail(PARAMS_ERROR);
    const from = start === 0 ? this.entries : this.entries.filter((entry) => entry.id <= start);
    const logs = structuredClone(from.slice(0, size ?? DEFAULT_LOG_PAGE));
    return ok({ logs, start_id: logs[0]?.id ?? 0, sum: this.entries.length });
  }
}
