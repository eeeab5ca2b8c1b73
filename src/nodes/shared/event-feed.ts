/**
 * The ONE event reader of a hub, shared by every `lamp-event` node of that hub (a config node
 * owns it through its DeviceHub): started when the first lamp-event node registers, read at the
 * shortest interval any of them asks for, and stopped when the last one goes.
 *
 * A "modified nodes" redeploy closes a lamp-event node and starts its replacement moments later
 * while the config node (and so this feed) stays. The reader is therefore kept, paused, for a
 * grace period after the last node leaves: a node that registers within it continues from the
 * reader's position, so events logged in between are delivered (not lost), and nothing read
 * before is delivered again. After the grace period the reader is dropped; the next node starts
 * a new one whose first read only sets the baseline (old logs are never replayed).
 *
 * The same holds for one node replaced while others of the hub keep listening: the feed keeps
 * the events of the last grace period, numbered, and remembers how far each node id got, so a
 * node that comes back under the same id (a redeploy keeps ids) gets exactly what it missed.
 * A node with a new id starts with the next event read.
 *
 * The library's reader does the exactly-once work per read (paging, re-logins); this class
 * decides who hears what and keeps failures away from Node-RED (docs/architecture.md §7).
 */

import { namesChild } from '../../device/children/child';
import type { EventSource, HubEventLike } from './event-types';
import { Poller } from './poller';
import { type DeviceStatus, errorStatus, type Translate } from './status-mapping';

/** Smallest interval between two reads a node may ask for, in seconds (README, "Hubs": lamp-event). */
export const MIN_EVENT_INTERVAL = 0.5;
/** How long a reader outlives its last node (a redeploy's close → start). */
const DEFAULT_GRACE_MS = 10_000;
/** Most events kept for nodes coming back (a burst larger than this in one grace is absurd). */
const MAX_KEPT = 2000;

interface Numbered {
  seq: number;
  at: number;
  event: HubEventLike;
}

/** A lamp-event node as the feed sees it. */
export interface EventUser {
  readonly id: string;
  /** Seconds between reads this node wants (at least MIN_EVENT_INTERVAL). */
  readonly interval: number;
  /** Only this child's events (its id or name, case-insensitive); undefined: every child. */
  readonly child?: string;
  /** Only these event names; undefined or empty: all. */
  readonly events?: ReadonlySet<string>;
  /** One event, in logged order. */
  deliver(event: HubEventLike): void;
  setStatus(status: DeviceStatus): void;
}

export interface EventFeedOptions {
  /** A new reader on the hub's shared client (its first read sets the baseline). */
  open(): EventSource;
  t: Translate;
  /** The feed has let go of its reader: the hub may close an unused client. */
  released(): void;
  /**
   * The hub's children as its last state lists them, when known: a node asking for a child
   * the hub does not have then shows so instead of listening in vain.
   */
  children?(): readonly { id: string; alias: string }[] | undefined;
  warn(text: string): void;
  log(text: string): void;
  graceMs?: number;
  authBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Whether `event` is one `user` asked for. */
export function wants(user: Pick<EventUser, 'child' | 'events'>, event: HubEventLike): boolean {
  if (user.events && user.events.size > 0 && !user.events.has(event.name)) return false;
  return user.child === undefined || namesChild(user.child, event.child);
}

export class EventFeed {
  private readonly users = new Map<string, EventUser>();
  private readonly poller: Poller;
  private reader: EventSource | undefined;
  private grace: NodeJS.Timeout | undefined;
  /** Events of the last grace period, oldest first, numbered by `seq`. */
  private kept: Numbered[] = [];
  private seq = 0;
  /** How far each node that left got (the last seq it was given), and when it left. */
  private readonly left = new Map<string, { seq: number; at: number }>();
  /** Nodes whose missed events are still to be sent: what arrives meanwhile queues behind. */
  private readonly catchingUp = new Map<string, HubEventLike[]>();
  private status: DeviceStatus = {};
  private failureLogged = false;
  private closed = false;
  /** Reads made by this feed (for diagnostics and tests). */
  reads = 0;

  constructor(private readonly options: EventFeedOptions) {
    this.poller = new Poller({
      interval: () => this.intervalMs,
      read: () => this.read(),
      active: () => !this.closed && this.users.size > 0 && this.reader !== undefined,
      authBackoffMs: options.authBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });
  }

  /** The read period in ms (the shortest any node asks for), or undefined without nodes. */
  get intervalMs(): number | undefined {
    let min: number | undefined;
    for (const user of this.users.values()) {
      const seconds = Math.max(MIN_EVENT_INTERVAL, user.interval);
      const ms = Math.round(seconds * 1000);
      if (min === undefined || ms < min) min = ms;
    }
    return min;
  }

  /** A reader exists (running, or paused within the grace period): the client must stay. */
  get holdsClient(): boolean {
    return this.reader !== undefined;
  }

  /** Nodes listening now. */
  get userCount(): number {
    return this.users.size;
  }

  /** The last read succeeded: its baseline is set and events flow (the green ring). */
  get listening(): boolean {
    return this.status.fill === 'green';
  }

  /** No read running or armed. */
  get idle(): boolean {
    return this.poller.idle;
  }

  register(user: EventUser): void {
    if (this.closed) return;
    this.users.set(user.id, user);
    if (this.grace) {
      clearTimeout(this.grace);
      this.grace = undefined;
    }
    if (this.status.text) this.show(user, this.status);
    if (this.listening) this.flagMissingChildren([user]);
    this.catchUp(user);
    if (!this.reader) {
      try {
        this.reader = this.options.open();
      } catch (err) {
        this.fanStatus(errorStatus(this.options.t, err));
        return;
      }
      this.fanStatus({
        fill: 'yellow',
        shape: 'ring',
        text: this.options.t('klap-device.status.connecting'),
      });
    }
    // The first read of a new reader sets its baseline; a kept reader's first read delivers
    // what was logged while no node listened.
    this.poller.readNow();
  }

  deregister(user: EventUser): void {
    if (this.users.get(user.id) === user) {
      this.users.delete(user.id);
      this.left.set(user.id, { seq: this.seq, at: Date.now() });
    }
    if (this.users.size > 0) {
      this.poller.reschedule();
      return;
    }
    this.poller.pause();
    if (!this.reader || this.closed) return;
    if (this.grace) clearTimeout(this.grace);
    this.grace = setTimeout(() => this.drop(), this.graceMs);
    this.grace.unref();
  }

  /**
   * The hub answered something else (a poll, a command): a read backing off after failures
   * (a hub reboot, a dropped link) is due again at the normal interval, not up to 30 s later.
   */
  hubAnswered(): void {
    if (!this.closed && this.reader && this.users.size > 0) this.poller.succeeded();
  }

  /** The config node goes: no more reads, nothing kept. */
  close(): void {
    this.closed = true;
    this.poller.stop();
    this.users.clear();
    if (this.grace) clearTimeout(this.grace);
    this.grace = undefined;
    this.reader = undefined;
    this.kept = [];
    this.left.clear();
    this.catchingUp.clear();
  }

  // ---------------------------------------------------------------------------------------------

  private drop(): void {
    this.grace = undefined;
    if (this.users.size > 0) return;
    this.reader = undefined;
    this.status = {};
    this.kept = [];
    this.left.clear();
    this.options.released();
  }

  /**
   * A node back under an id that left within the grace period gets, after its constructor has
   * returned, the events read since it left that it asks for; a new id gets nothing old.
   */
  private catchUp(user: EventUser): void {
    const left = this.left.get(user.id);
    this.left.delete(user.id);
    if (!left || Date.now() - left.at > this.graceMs) return;
    const missed = this.kept.filter((k) => k.seq > left.seq && wants(user, k.event));
    if (missed.length === 0) return;
    const queue = missed.map((k) => k.event);
    this.catchingUp.set(user.id, queue);
    setImmediate(() => {
      if (this.catchingUp.get(user.id) !== queue) return;
      this.catchingUp.delete(user.id);
      if (this.closed || this.users.get(user.id) !== user) return;
      for (const event of queue) this.give(user, event);
    });
  }

  private get graceMs(): number {
    return this.options.graceMs ?? DEFAULT_GRACE_MS;
  }

  /** Remembers events for nodes coming back; forgets what is older than the grace period. */
  private keep(events: readonly HubEventLike[]): void {
    const now = Date.now();
    for (const event of events) this.kept.push({ seq: ++this.seq, at: now, event });
    const horizon = now - this.graceMs;
    let drop = 0;
    while (drop < this.kept.length && (this.kept[drop] as Numbered).at < horizon) drop++;
    drop = Math.max(drop, this.kept.length - MAX_KEPT);
    if (drop > 0) this.kept.splice(0, drop);
    for (const [id, left] of this.left) if (left.at < horizon) this.left.delete(id);
  }

  private give(user: EventUser, event: HubEventLike): void {
    const queue = this.catchingUp.get(user.id);
    if (queue) {
      queue.push(event); // after the missed ones, in order
      return;
    }
    try {
      user.deliver(event);
    } catch {
      // One node's failure must not keep the event from the others.
    }
  }

  private async read(): Promise<void> {
    const reader = this.reader;
    if (!reader) return;
    let events: readonly HubEventLike[];
    this.reads++;
    try {
      events = await reader.read();
    } catch (err) {
      if (this.closed || reader !== this.reader) return;
      this.poller.failed(err);
      this.fanStatus(errorStatus(this.options.t, err));
      if (!this.failureLogged) {
        this.failureLogged = true;
        this.options.warn(
          this.options.t('klap-device.log.eventsFailed', {
            reason: err instanceof Error ? err.message : String(err),
          }),
        );
      }
      throw err;
    }
    if (this.closed || reader !== this.reader) return;
    this.poller.succeeded();
    if (this.failureLogged) {
      this.failureLogged = false;
      this.options.log(this.options.t('klap-device.log.eventsBack'));
    }
    if (this.status.fill !== 'green') {
      this.fanStatus({
        fill: 'green',
        shape: 'ring',
        text: this.options.t('klap-device.status.listening'),
      });
      this.flagMissingChildren();
    }
    // Numbered and kept first, so a node that left during this read (a redeploy) gets them
    // when it comes back; then in logged order to every node that asked for them.
    this.keep(events);
    for (const event of events) {
      for (const user of [...this.users.values()]) {
        if (wants(user, event)) this.give(user, event);
      }
    }
  }

  /** A red ring on each node whose child the hub (as last read) does not have. */
  private flagMissingChildren(users: Iterable<EventUser> = this.users.values()): void {
    const children = this.options.children?.();
    if (!children) return;
    for (const user of users) {
      const child = user.child;
      if (child === undefined) continue;
      if (!children.some((c) => namesChild(child, c))) {
        this.show(user, {
          fill: 'red',
          shape: 'ring',
          text: this.options.t('klap-device.status.noChild', { child }),
        });
      }
    }
  }

  private fanStatus(status: DeviceStatus): void {
    this.status = status;
    for (const user of [...this.users.values()]) this.show(user, status);
  }

  private show(user: EventUser, status: DeviceStatus): void {
    try {
      user.setStatus({ ...status });
    } catch {
      // status is cosmetic
    }
  }
}
