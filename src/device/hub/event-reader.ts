/**
 * Reading the events a hub's children log (button presses, dial turns, motion, contact, leak,
 * comfort warnings, wall-switch presses) exactly once and in order (docs/protocols/hubs.md §4.3, §10).
 *
 * Each child keeps a trigger log on the hub, newest first, with ids that grow but skip. For each
 * child the reader keeps the largest id it has handed out; an entry with a larger id is new.
 * The first read sets that mark for every child and hands out nothing, so nothing logged before
 * the reader started is replayed. When a whole page is new, older pages are read until an old
 * entry shows up. The marks move only when a read completes, so a read that fails (a dropped
 * connection, a re-login, a hub rebooting) loses nothing: the next one reads the same entries.
 *
 * The request budget: each read costs one request for the child list plus one per child whose
 * log is read. Buttons and dials leave no trace in the list, so their logs are read every time;
 * the others' logs only when their record changed (motion detected, opened, wet, switched,
 * battery low, comfort warning…), and one of them in turn every `sweepEvery` reads, for events
 * that leave no lasting trace in the record.
 */
import {
  DeviceError,
  InvalidCommandError,
  MalformedResponseError,
  quoteInput,
} from '../../transport/errors';
import type { ChildKind, HubChild } from '../types';
import { childId, hubChild } from './child-record';
import type { HubLogSource, Info } from './log-source';
import { type ListedState, listedState, stateEventNames } from './state-events';

/** One logged event, as `lamp-event` hands it on (`msg.event`). */
export interface HubEvent {
  /** The event's name as the device logs it: singleClick, rotation, motion, open, … */
  name: string;
  /** The log entry's id (grows with every event on the hub, with gaps). */
  id: number;
  /** When it was logged, ISO 8601. */
  time: string;
  child: { id: string; alias: string; model: string; kind: ChildKind };
  /** The entry's params as logged ({} when none). */
  params: Record<string, unknown>;
  /** A dial's turn in degrees: negative = anticlockwise. */
  degrees?: number;
  /** A wall switch's press: the state it switched to. */
  on?: boolean;
  /**
   * Where the event was found: `log` (the child's trigger log; `id` is the entry's) or `state`
   * (a change in the hub's child list, e.g. a contact opening; `id` is 0).
   */
  source: 'log' | 'state';
}

export interface EventReaderOptions {
  /** Only this child's events: its name or id (empty: every child). */
  child?: unknown;
  /** Entries asked per page of a log; default 10. */
  pageSize?: number;
  /** Every how many reads one child without a press log is read in turn; default 4. */
  sweepEvery?: number;
}

/** Runs a job with the hub's log source, after the client's earlier work (its queue). */
export type HubRunner = <T>(job: (hub: HubLogSource) => Promise<T>) => Promise<T>;

/** Kinds whose events leave no trace in the child list: their logs are read every time. */
const PRESS_KINDS: ReadonlySet<ChildKind> = new Set(['button', 'dial']);
/** Record fields whose change means a new log entry may be there. */
const TELLING_FIELDS = [
  'detected',
  'open',
  'water_leak_status',
  'in_alarm',
  'trigger_timestamp',
  'device_on',
  'at_low_battery',
  'is_low',
  'current_temp_exception',
  'current_humidity_exception',
  'status',
] as const;
/** Older pages read at most per child and read: a burst of hundreds is still read whole. */
const MAX_PAGES = 50;
/** The page asked for when a hub ignores start_id (as large as we ask; real limits unknown). */
const WIDE_PAGE = 50;
/** Event ids remembered per child, to tell a restarted log's entries from ones handed out. */
const REMEMBERED_IDS = 64;

interface Mark {
  /** The largest entry id handed out (or seen at the baseline). */
  lastId: number;
  /** eventIds of the newest entries handed out, newest last. */
  recent: string[];
  /** The telling fields of the child's record at the last read. */
  signature: string;
}

function signature(record: Info): string {
  return JSON.stringify(TELLING_FIELDS.map((field) => record[field] ?? null));
}

function entryId(entry: Info): number {
  return typeof entry.id === 'number' ? entry.id : Number.NaN;
}

function eventId(entry: Info): string {
  return typeof entry.eventId === 'string' ? entry.eventId : '';
}

function toEvent(entry: Info, child: HubChild): HubEvent {
  const params =
    typeof entry.params === 'object' && entry.params !== null && !Array.isArray(entry.params)
      ? { ...(entry.params as Record<string, unknown>) }
      : {};
  const seconds = typeof entry.timestamp === 'number' ? entry.timestamp : 0;
  const event: HubEvent = {
    name: typeof entry.event === 'string' ? entry.event : '',
    id: entryId(entry),
    time: new Date(seconds * 1000).toISOString(),
    child: { id: child.id, alias: child.alias, model: child.model, kind: child.kind },
    params,
    source: 'log',
  };
  if (typeof params.rotate_deg === 'number') event.degrees = params.rotate_deg;
  if (typeof params.on_off === 'boolean') event.on = params.on_off;
  return event;
}

export class EventReader {
  private readonly marks = new Map<string, Mark>();
  /** Each child's listed state (open, motion, leak) at the last read. */
  private readonly listed = new Map<string, ListedState>();
  /**
   * State events handed out for a child whose log could not be read then: the same change in
   * its log, found later, is not handed out again.
   */
  private readonly unmatched = new Map<string, string[]>();
  private readonly selector: string | undefined;
  private readonly pageSize: number;
  private readonly sweepEvery: number;
  private reads = 0;
  private sweepNext = 0;

  constructor(
    private readonly run: HubRunner,
    options: EventReaderOptions = {},
  ) {
    const child = options.child;
    if (child === undefined || child === null || (typeof child === 'string' && !child.trim())) {
      this.selector = undefined;
    } else if ((typeof child === 'string' && child.length <= 128) || typeof child === 'number') {
      this.selector = String(child).trim();
    } else {
      throw new InvalidCommandError(
        'child',
        `child must be a child's name or id; leave it empty for every child (got ${quoteInput(child)})`,
      );
    }
    this.pageSize = Math.max(1, Math.min(50, Math.round(options.pageSize ?? 10)));
    this.sweepEvery = Math.max(1, Math.round(options.sweepEvery ?? 4));
  }

  /** Whether the first read (which only sets the baseline) has been done. */
  get started(): boolean {
    return this.reads > 0;
  }

  /**
   * The events logged since the last read, in logged order (by id). The first read returns
   * none: it marks where each child's log stands.
   */
  read(): Promise<HubEvent[]> {
    return this.run((hub) => this.readWith(hub));
  }

  private async readWith(hub: HubLogSource): Promise<HubEvent[]> {
    const all = this.selected(await hub.readRecords());
    const records = all.filter((r) => hub.hasLog(childId(r)));
    const first = this.reads === 0;
    const marks = new Map<string, Mark>();
    const events: HubEvent[] = [];
    /** Per child whose log was read: the names of the events its log gave. */
    const logged = new Map<string, string[]>();
    const due = first ? records : this.due(records);
    const ahead = due.map(childId).filter((id) => this.marks.has(id));
    // Always asked (also with nothing due), so no page read ahead for an earlier read is left.
    if (hub.prefetchLogs) await hub.prefetchLogs(ahead, this.pageSize);
    for (const record of due) {
      const id = childId(record);
      const mark = this.marks.get(id);
      try {
        if (!mark) {
          // A child seen for the first time (at start, or paired since): its log so far is old.
          marks.set(id, await this.baseline(hub, record));
          continue;
        }
        const { entries, next } = await this.newEntries(hub, id, mark);
        next.signature = signature(record);
        marks.set(id, next);
        const child = hubChild(record);
        const names: string[] = [];
        const unmatched = [...(this.unmatched.get(id) ?? [])];
        for (const entry of entries) {
          const event = toEvent(entry, child);
          // Already handed out from the child list while the log could not be read.
          const earlier = unmatched.indexOf(event.name);
          if (earlier >= 0) {
            unmatched.splice(earlier, 1);
            continue;
          }
          names.push(event.name);
          events.push(event);
        }
        logged.set(id, names);
      } catch (error) {
        // One child's log refused (the hub's error for it) holds up no other child: its mark
        // stays, and a later read finds its entries. A failing link fails the whole read.
        if (!(error instanceof DeviceError || error instanceof MalformedResponseError)) throw error;
      }
    }
    const fromState = this.stateEvents(all, first, logged);
    // Only now, with every log read, do the marks move: a failed read changes nothing.
    for (const [id, mark] of marks) this.marks.set(id, mark);
    for (const id of logged.keys()) this.unmatched.delete(id);
    for (const [id, names] of fromState.unmatched) {
      this.unmatched.set(id, [...(this.unmatched.get(id) ?? []), ...names].slice(-8));
    }
    for (const [id, state] of fromState.listed) this.listed.set(id, state);
    this.reads += 1;
    return [...events.sort((a, b) => a.id - b.id), ...fromState.events];
  }

  /**
   * The events the child list shows changed since the last read (contact, motion, leak), one
   * per change, except those whose log gave the same event in this read.
   */
  private stateEvents(
    records: Info[],
    first: boolean,
    logged: ReadonlyMap<string, string[]>,
  ): { events: HubEvent[]; listed: Map<string, ListedState>; unmatched: Map<string, string[]> } {
    const events: HubEvent[] = [];
    const listed = new Map<string, ListedState>();
    const unmatched = new Map<string, string[]>();
    const time = new Date().toISOString();
    for (const record of records) {
      const child = hubChild(record);
      const now = listedState(child);
      listed.set(child.id, now);
      const before = this.listed.get(child.id);
      if (first || !before) continue;
      const fromLog = [...(logged.get(child.id) ?? [])];
      for (const name of stateEventNames(before, now)) {
        const same = fromLog.indexOf(name);
        if (same >= 0) {
          fromLog.splice(same, 1);
          continue;
        }
        if (!logged.has(child.id))
          unmatched.set(child.id, [...(unmatched.get(child.id) ?? []), name]);
        events.push({
          name,
          id: 0,
          time,
          child: { id: child.id, alias: child.alias, model: child.model, kind: child.kind },
          params: {},
          source: 'state',
        });
      }
    }
    return { events, listed, unmatched };
  }

  private selected(records: Info[]): Info[] {
    const wanted = this.selector;
    if (wanted === undefined) return records;
    const byId = records.filter((r) => childId(r) === wanted);
    if (byId.length > 0) return byId;
    const name = wanted.toLocaleLowerCase();
    const byName = records.filter((r) => hubChild(r).alias.trim().toLocaleLowerCase() === name);
    if (byName.length === 0) {
      const has = records.map((r) => `"${hubChild(r).alias}"`).join(', ') || 'none';
      throw new InvalidCommandError(
        'child',
        `the hub has no child ${quoteInput(wanted)}; it has ${has}`,
      );
    }
    return byName;
  }

  /** The children whose logs this read looks at (see the file's comment). */
  private due(records: Info[]): Info[] {
    const due = new Set<Info>();
    const quiet: Info[] = [];
    for (const record of records) {
      const mark = this.marks.get(childId(record));
      if (!mark || PRESS_KINDS.has(hubChild(record).kind) || mark.signature !== signature(record)) {
        due.add(record);
      } else {
        quiet.push(record);
      }
    }
    if (quiet.length > 0 && this.reads % this.sweepEvery === 0) {
      due.add(quiet[this.sweepNext % quiet.length] as Info);
      this.sweepNext += 1;
    }
    return records.filter((r) => due.has(r));
  }

  private async baseline(hub: HubLogSource, record: Info): Promise<Mark> {
    const page = await hub.readLog(childId(record), this.pageSize, 0);
    const newest = page.logs.map(entryId).filter(Number.isFinite);
    return {
      lastId: Math.max(page.startId, ...newest, 0),
      recent: page.logs.map(eventId).filter(Boolean).reverse().slice(-REMEMBERED_IDS),
      signature: signature(record),
    };
  }

  /**
   * The entries of one child's log newer than its mark, oldest first, reading older pages
   * while every entry of a page is new; and the mark after them.
   */
  private async newEntries(
    hub: HubLogSource,
    id: string,
    mark: Mark,
  ): Promise<{ entries: Info[]; next: Mark }> {
    const seen = new Set(mark.recent);
    let page = await hub.readLog(id, this.pageSize, 0);
    // A log whose newest id is below the mark was cleared or restarted (a hub reset): its
    // entries are new unless handed out before (by eventId).
    // The entries' own ids say it, whatever the reply's start_id echoes.
    const newestNow = Math.max(0, ...page.logs.map(entryId).filter(Number.isFinite));
    const restarted = page.logs.length > 0 && newestNow < mark.lastId;
    const floor = restarted ? Number.NEGATIVE_INFINITY : mark.lastId;
    const isNew = (entry: Info) => entryId(entry) > floor && !seen.has(eventId(entry));
    const found: Info[] = [];
    let entries = page.logs;
    let read = entries.length;
    let widened = false;
    for (let pages = 1; ; pages++) {
      const fresh = entries.filter(isNew);
      found.push(...fresh);
      const oldest = entries[entries.length - 1];
      if (
        !oldest ||
        fresh.length < entries.length ||
        read >= page.sum ||
        pages >= MAX_PAGES ||
        !Number.isFinite(entryId(oldest))
      ) {
        break;
      }
      // Whether start_id itself is included is unknown: ask from the oldest seen, keep older.
      const below = entryId(oldest);
      page = await hub.readLog(id, this.pageSize, below);
      entries = page.logs.filter((e) => entryId(e) < below);
      if (entries.length === 0 && !widened && read < page.sum) {
        // A hub that answers the newest page whatever the start_id: one wide page instead.
        widened = true;
        page = await hub.readLog(id, WIDE_PAGE, 0);
        entries = page.logs.filter((e) => entryId(e) < below);
      }
      read += entries.length;
    }
    // Oldest first; one entry per id even if a page overlapped.
    const byId = new Map<number, Info>();
    for (const entry of found) byId.set(entryId(entry), entry);
    const ordered = [...byId.values()].sort((a, b) => entryId(a) - entryId(b));
    const last = ordered[ordered.length - 1];
    return {
      entries: ordered,
      next: {
        lastId: last
          ? Math.max(entryId(last), restarted ? 0 : mark.lastId)
          : restarted
            ? newestNow
            : mark.lastId,
        recent: [...mark.recent, ...ordered.map(eventId).filter(Boolean)].slice(-REMEMBERED_IDS),
        signature: mark.signature,
      },
    };
  }
}
