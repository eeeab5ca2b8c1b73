/**
 * The runtime heart of a `klap-device` config node: one LampClient (one KLAP session) shared by
 * every node that uses the device, a registry of those nodes, status fan-out, the last known
 * state, and ONE poller running at the shortest interval any registered status node asks for.
 *
 * Deliberately free of Node-RED types beyond the status shape, so it can be reasoned about (and
 * tested) on its own; klap-device.ts wires it to the node API (i18n, logging, credentials).
 */

import { childState } from '../../device/children/child';
import type { ConnectOptions, Poll, TargetOptions } from '../../device/client';
import { findOutlet, outletState } from '../../device/outlets/outlet';
import type { Capabilities, EnergyPoint, LampState } from '../../device/types';
import type { DiscoveredDevice } from '../../transport/discovery';
import { describeAddress } from '../../transport/errors';
import type { ProtocolChoice } from '../../transport/factory';
import type { Encryption, LoginInfo } from '../../transport/types';
import { EventFeed } from './event-feed';
import type { EventSource } from './event-types';
import { DeviceLocator, type KnownIdentity } from './identity';
import { Poller } from './poller';
import {
  type DeviceStatus,
  errorCode,
  errorStatus,
  isContested,
  isFullState,
  type ReportedState,
  reasonOf,
  sameData,
  sameStatus,
  stateStatus,
  type Translate,
} from './status-mapping';
import { describeTarget, isEmptyTarget, type Target } from './target';

export type { DeviceStatus, ReportedState, Translate } from './status-mapping';

/** A node that uses the device (lamp-control, lamp-status). */
export interface HubUser {
  readonly id: string;
  /** Seconds between polls this user wants (> 0), or 0/undefined for none. */
  readonly pollInterval?: number;
  /**
   * The outlet or child this user is about (states and status are that one's); none or empty =
   * the device.
   */
  readonly target?: Target;
  /** Receives the device-wide status (connecting, on · 80%, offline, ...). */
  setDeviceStatus(status: DeviceStatus): void;
  /**
   * Receives every new device state: after a poll that read it, after a command changed it, and
   * once with `online: false` when the device is lost (the minimal `{ online: false, on: false }`
   * when it was never reached). The user decides whether it changed.
   */
  deviceState?(state: ReportedState): void;
}

/** The part of LampClient the hub uses (lets tests substitute a client). */
export interface HubClient {
  getState(): Promise<LampState>;
  /** LampClient.poll: a mark for the state read, and no state when it is the mark `since`'s. */
  poll?(since?: number): Promise<Poll>;
  setState(payload: unknown, options?: TargetOptions): Promise<LampState>;
  request(method: string, params?: unknown, options?: TargetOptions): Promise<unknown>;
  energyHistory(query: unknown, options?: TargetOptions): Promise<EnergyPoint[]>;
  capabilities(): Promise<Capabilities>;
  close(): Promise<void>;
  /** A reader of the device's event logs (hubs); its first read sets the baseline. */
  events?(): EventSource;
  /** The protocol found and how the login matched, once known. */
  readonly encryption?: Encryption | undefined;
  readonly login?: LoginInfo | null;
  /** Who answered at negotiation (MAC, device id), once known. */
  readonly identity?: KnownIdentity | undefined;
  /** HTTPS protocols: the device certificate's SHA-256 fingerprint. */
  readonly certificateFingerprint?: string | null;
}

/** What Test connection reports about the link; never a secret. */
export interface LinkInfo {
  protocol: Encryption | undefined;
  variant: string | undefined;
  credentials: LoginInfo['credential'] | undefined;
  /** HTTPS (sslaes) only: the SHA-256 fingerprint of the device's self-signed certificate. */
  certificateFingerprint?: string;
}

export interface HubOptions {
  host: string;
  /** Undefined: the protocol's default. */
  port?: number;
  /** Default 'auto'. */
  protocol?: ProtocolChoice;
  timeoutMs: number;
  username?: string;
  password?: string;
  /** i18n lookup in the klap-device catalog. */
  t: Translate;
  warn(text: string): void;
  log(text: string): void;
  /** Makes the client from what the hub hands it (LampClient's own ConnectOptions). */
  createClient(options: ConnectOptions): HubClient;
  /** Poll delay after the device refused the login (don't lock the account). Default 30 s. */
  authBackoffMs?: number;
  /** Upper bound of the exponential back-off while the device is unreachable. Default 30 s. */
  maxBackoffMs?: number;
  /** The configured MAC (any notation); blank: learned at the first connection. */
  mac?: string;
  /**
   * Finds the device by MAC on the network (discovery); without it a moved device is not
   * followed and a `host` given as a MAC is never found.
   */
  findByMac?: (mac: string) => Promise<DiscoveredDevice | null>;
  /** Shortest time between two searches while the device is missing. Default 60 s. */
  searchIntervalMs?: number;
}

/** Sessions taken by another app are logged again only after this long without one. */
const CONTEST_LOG_QUIET_MS = 10 * 60_000;

/** Failures of our own input: they say nothing about the device or the link. */
const LOCAL_CODES = new Set(['INVALID_COMMAND', 'UNSUPPORTED']);

export class DeviceHub {
  private readonly options: HubOptions;
  /** Which device this is and where it answers now (identity.ts). */
  private readonly locator: DeviceLocator;
  private readonly users = new Map<string, HubUser>();
  private client: HubClient | undefined;
  private lastState: ReportedState | undefined;
  /** undefined until the first answer or failure. */
  private online: boolean | undefined;
  private readonly poller: Poller;
  /** The ONE event reader of this device, shared by its lamp-event nodes. */
  readonly events: EventFeed;
  private outageLogged = false;
  /** A streak of device errors (the device answers, but refuses) has been logged. */
  private deviceErrorLogged = false;
  /** When another app last took the session (monotonic ms): the log says it once per streak. */
  private contestedAt: number | undefined;
  /** "moved to B — update Host", kept on the status until the node is redeployed. */
  private moveNote: string | undefined;
  /** Bumped by every successful command, so an older poll result never overwrites it. */
  private generation = 0;
  private status: DeviceStatus = {};
  /** The state behind the current status, when it comes from one (not from an error). */
  private stateForStatus: LampState | undefined;
  /** The last state accept() fanned out (it is lastState until a failure replaces that). */
  private accepted: LampState | undefined;
  /** The client and poll mark `accepted` came from, if a poll read it (see LampClient.poll). */
  private acceptedPoll: { client: HubClient; mark: number } | undefined;
  /** The users that have been handed `accepted`: a poll that reads it again skips them. */
  private readonly informed = new Set<HubUser>();
  /** What each user was last shown, so polls that change nothing do not flood the editor. */
  private readonly shown = new Map<string, DeviceStatus>();
  private started = false;
  private closed = false;
  /** Clients being closed after the last user left; close() waits for them too. */
  private readonly retiring = new Set<Promise<void>>();

  constructor(options: HubOptions) {
    this.options = options;
    this.locator = new DeviceLocator({
      host: options.host,
      mac: options.mac,
      find: (mac) => options.findByMac?.(mac) ?? Promise.resolve(null),
      searchIntervalMs: options.searchIntervalMs,
    });
    this.poller = new Poller({
      interval: () => this.pollIntervalMs,
      // The poller keeps nothing of the state: it needs no copy of it.
      read: () => this.read(undefined, false),
      active: () => !this.closed && this.users.size > 0,
      authBackoffMs: options.authBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });
    this.events = new EventFeed({
      open: () => {
        // The child list, so a node naming a child the hub lacks says so (one read, at start).
        if (!this.lastState) this.refresh().catch(() => undefined);
        return this.followingReader();
      },
      t: options.t,
      warn: options.warn,
      log: options.log,
      released: () => this.releaseClientIfUnused(),
      children: () => this.lastState?.children,
      authBackoffMs: options.authBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });
  }

  /** Where the device answers now (the configured host until it moved, or a MAC not found yet). */
  get host(): string {
    return this.locator.host ?? this.options.host;
  }

  /** host[:port] for messages. */
  get address(): string {
    return describeAddress(this.host, this.options.port ?? 80);
  }

  /** The device's MAC ("AA:BB:…", configured or learned) and id, once known. */
  identity(): { mac: string | null; deviceId: string } {
    return { mac: this.locator.mac, deviceId: this.locator.deviceId };
  }

  /**
   * Last known state (with `online`), if the device ever answered; the minimal
   * `{ online: false, on: false }` if it was unreachable from the start.
   */
  get state(): ReportedState | undefined {
    return this.lastState ? { ...this.lastState } : undefined;
  }

  get currentStatus(): DeviceStatus {
    return { ...this.status };
  }

  /** The status `user` was last shown (its outlet's, for an outlet user). */
  statusOf(user: HubUser): DeviceStatus {
    return { ...(this.shown.get(user.id) ?? this.status) };
  }

  get isOnline(): boolean | undefined {
    return this.online;
  }

  /** The poll period in ms, or undefined when no registered user polls. */
  get pollIntervalMs(): number | undefined {
    let min: number | undefined;
    for (const user of this.users.values()) {
      const seconds = user.pollInterval;
      if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) {
        const ms = Math.max(50, Math.round(seconds * 1000));
        if (min === undefined || ms < min) min = ms;
      }
    }
    return min;
  }

  /** Delay before the next poll (back-off included), or undefined without a poller. */
  get nextPollDelayMs(): number | undefined {
    return this.poller.nextDelay();
  }

  /** No poll running or armed (for tests and diagnostics). */
  get idle(): boolean {
    return this.poller.idle;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get userCount(): number {
    return this.users.size;
  }

  register(user: HubUser): void {
    if (this.closed) return;
    const replaced = this.users.get(user.id);
    if (replaced) this.informed.delete(replaced);
    this.users.set(user.id, user);
    this.shown.delete(user.id);
    if (this.status.text) this.show(user, this.status);
    const known = this.lastState;
    if (known && user.deviceState) {
      // After the constructor has returned, so the node can send.
      setImmediate(() => {
        if (!this.closed && this.users.get(user.id) === user && this.lastState === known) {
          this.deliver(user, known);
        }
      });
    }
    if (!this.started) {
      // Connect at deploy: shows "on · 80%" / "auth failed" at once, and gives status nodes
      // their first state. Coalesced with other nodes registering in the same tick.
      this.started = true;
      this.poller.readNow();
    } else {
      this.poller.reschedule();
    }
  }

  deregister(user: HubUser): void {
    if (this.users.get(user.id) === user) {
      this.users.delete(user.id);
      this.shown.delete(user.id);
    }
    this.informed.delete(user);
    if (this.users.size === 0) {
      // Nobody uses the device any more: free the session and the timer (MQTT-broker style).
      this.poller.pause();
      this.started = false;
      this.releaseClientIfUnused();
    } else {
      this.poller.reschedule();
    }
  }

  /** Closes the client when no node uses it and the event feed holds no reader on it. */
  private releaseClientIfUnused(): void {
    if (this.users.size > 0 || this.events.holdsClient) return;
    this.retire();
  }

  /**
   * The event feed's reader, read through call() so that a hub that stops answering is looked
   * for by its MAC like any request. A reader belongs to one client: after a move it is opened
   * anew on the client at the new address, whose first read sets a fresh baseline (nothing old
   * is replayed; what was logged during the move itself is not delivered).
   */
  private followingReader(): EventSource {
    // Bound at the first read, inside call(): a hub given by MAC has an address only then.
    let bound: HubClient | undefined;
    let current: EventSource | undefined;
    return {
      read: () =>
        this.call((now) => {
          if (now !== bound || !current) {
            if (!now.events) {
              throw Object.assign(new Error(this.options.t('klap-device.errors.noEvents')), {
                code: 'UNSUPPORTED',
              });
            }
            bound = now;
            current = now.events();
          }
          return current.read();
        }),
    };
  }

  /**
   * Sends a msg.payload-grammar command, to one outlet or child if given; the resulting state
   * of the whole device is shared with every user (outlet and child users see theirs of it).
   */
  async command(payload: unknown, target: Target = {}): Promise<LampState> {
    try {
      const state = await this.call((client) => client.setState(payload, { ...target }));
      this.generation++;
      return this.accept(state);
    } catch (err) {
      this.fail(err, false);
      throw err;
    }
  }

  /** Raw request for power users, to one outlet or child if given; the decoded response. */
  async request(method: string, params?: unknown, target: Target = {}): Promise<unknown> {
    try {
      return await this.call((client) => client.request(method, params, { ...target }));
    } catch (err) {
      this.fail(err, false);
      throw err;
    }
  }

  /** An energy history query (msg.payload.energyHistory): the `[{ t, wh }]` the meter kept. */
  async energyHistory(query: unknown, target: Target = {}): Promise<EnergyPoint[]> {
    try {
      return await this.call((client) => client.energyHistory(query, { ...target }));
    } catch (err) {
      this.fail(err, false);
      throw err;
    }
  }

  /**
   * Reads the state now. Every user except `origin` hears about it (origin emits it itself).
   * Failures are rethrown; a link failure marks the device offline, a device error does not.
   */
  refresh(origin?: HubUser): Promise<LampState> {
    return this.read(origin, true);
  }

  /** refresh(), handing out a copy of the state only when `copy` (the caller keeps it). */
  private async read(origin: HubUser | undefined, copy: boolean): Promise<LampState> {
    const generation = this.generation;
    try {
      let from: HubClient | undefined;
      const read = await this.call<{ mark?: number; state?: LampState }>((client) => {
        from = client;
        if (!client.poll) return client.getState().then((state) => ({ state }));
        const held = this.acceptedPoll;
        return client.poll(held?.client === client ? held.mark : undefined);
      });
      const last = this.lastState;
      if (generation !== this.generation && last && isFullState(last)) {
        // A command finished while we read: its result is newer than ours.
        return { ...last };
      }
      // No state: the client read the very state accepted from its mark again.
      const state = read.state ?? (this.accepted as LampState);
      const accepted = this.accept(state, origin, read.state === undefined, copy);
      // The state just accepted is that mark's (accept() clears what it replaced).
      const held = this.acceptedPoll;
      if (read.mark === undefined || !from || this.closed) return accepted;
      if (held?.client === from) held.mark = read.mark;
      else this.acceptedPoll = { client: from, mark: read.mark };
      return accepted;
    } catch (err) {
      this.fail(err, true);
      throw err;
    }
  }

  async capabilities(): Promise<Capabilities> {
    return this.call((client) => client.capabilities());
  }

  /** Which protocol the shared session speaks and how it logged in (after a first exchange). */
  link(): LinkInfo {
    return linkInfo(this.client);
  }

  /**
   * The state as a user of `target` sees it: that outlet's or child's own state, or the
   * device's when none is named. A state of a device never reached keeps the outlet's number.
   * Throws INVALID_COMMAND when the device has no such outlet or child.
   */
  viewFor<T extends ReportedState>(state: T, target: Target | undefined): ReportedState {
    if (!target || isEmptyTarget(target)) return { ...state };
    const asked = target.child ?? target.outlet;
    // Never reached: nothing is known but the number asked for. A device without outlets
    // (an outlet set on a lamp's node) is refused by findOutlet.
    if (!isFullState(state)) {
      return typeof asked === 'number' ? { ...state, outlet: asked } : { ...state };
    }
    // A sensor's state has no `on`: child states pass on as the library derives them.
    if (target.child !== undefined) return childState(state, target.child) as ReportedState;
    return outletState(state, findOutlet(state, target.outlet as NonNullable<Target['outlet']>));
  }

  /** Status for an error of this device (used by the nodes for their own red ring). */
  errorStatus(err: unknown): DeviceStatus {
    return errorStatus(this.options.t, err);
  }

  /** Stops the poller and closes the client (sockets, queued work). Bounded by `limitMs`. */
  async close(limitMs = 4000): Promise<void> {
    this.closed = true;
    this.poller.stop();
    this.events.close();
    this.users.clear();
    const client = this.client;
    this.client = undefined;
    const closing = [...this.retiring];
    if (client) closing.push(client.close().catch(() => undefined));
    if (closing.length === 0) return;
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closing),
      new Promise<void>((resolve) => {
        guard = setTimeout(resolve, limitMs);
        guard.unref();
      }),
    ]);
    if (guard) clearTimeout(guard);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Runs `work` on the client at the device's address. When the device is missing there (or
   * another device answers) and discovery finds it elsewhere, moves there and runs it once more.
   */
  private async call<T>(work: (client: HubClient) => Promise<T>): Promise<T> {
    // The address known (always, but while a device given by MAC is searched for): no wait.
    const host = this.locator.host ?? (await this.locator.resolve());
    const client = this.getClient(host);
    try {
      const result = await work(client);
      this.locator.learn(client.identity);
      return result;
    } catch (err) {
      if (this.closed) throw err;
      // Queued on a client that a move retired meanwhile: nothing was sent, run it there.
      const retired = errorCode(err) === 'CLOSED' && client !== this.client;
      if (!retired && !this.locator.worthSearching(err)) throw err;
      if (!retired && this.locator.host === host) {
        const found = await this.locator.relocate();
        if (this.closed) throw err;
        // A concurrent call that failed the same way may have moved already.
        if (found && this.locator.host === host) this.move(found.host);
      }
      const now = this.locator.host;
      if (now === undefined || now === host) throw err;
      const next = this.getClient(now);
      const result = await work(next);
      this.locator.learn(next.identity);
      return result;
    }
  }

  /** The device answers at `host` now: a new session there, said once in the log and status. */
  private move(host: string): void {
    const from = this.address;
    this.locator.moveTo(host);
    const to = this.address;
    this.retire();
    this.options.warn(this.options.t('klap-device.log.moved', { from, to }));
    this.moveNote = this.options.t('klap-device.status.moved', { to });
    this.fanStatus({ fill: 'yellow', shape: 'ring', text: this.moveNote });
  }

  /** Closes the current client in the background (close() still waits for it). */
  private retire(): void {
    const client = this.client;
    this.client = undefined;
    this.acceptedPoll = undefined;
    if (client) {
      const closing = client.close().catch(() => undefined);
      this.retiring.add(closing);
      void closing.then(() => this.retiring.delete(closing));
    }
  }

  private getClient(host: string): HubClient {
    if (this.closed) {
      throw Object.assign(new Error(this.options.t('klap-device.errors.closed')), {
        code: 'CLOSED',
      });
    }
    if (!this.client) {
      const { port, protocol, timeoutMs, username, password } = this.options;
      const mac = this.locator.mac ?? undefined;
      this.client = this.options.createClient({
        host,
        port,
        protocol,
        timeoutMs,
        username,
        password,
        ...(mac ? { mac } : {}),
      });
      if (this.online === undefined) {
        this.fanStatus({
          fill: 'yellow',
          shape: 'ring',
          text: this.options.t('klap-device.status.connecting'),
        });
      }
    }
    return this.client;
  }

  /** `same`: `state` is `accepted` itself, which the client read again (nothing to compare). */
  private accept(state: LampState, origin?: HubUser, same = false, copy = true): LampState {
    // A poll of a device that changed nothing since the last state fanned out: status, logs
    // and back-off are as that state left them; only users not yet handed it hear of it. (The
    // client's states are its own copies, online already.)
    if (!this.closed && state.online === true && this.unchanged(state, same)) {
      // The hub answered: an event reader backing off after a failure is due again.
      this.events.hubAnswered();
      for (const user of this.users.values()) {
        if (user !== origin && !this.informed.has(user)) this.inform(user, state);
      }
      return same && copy ? { ...state } : state;
    }
    const fresh: LampState = { ...state, online: true };
    if (this.closed) return { ...fresh };
    this.accepted = fresh;
    this.acceptedPoll = undefined;
    this.informed.clear();
    this.lastState = fresh;
    this.online = true;
    this.deviceErrorLogged = false;
    if (this.outageLogged) {
      this.outageLogged = false;
      this.options.log(this.options.t('klap-device.log.online', { address: this.address }));
    }
    // Back from failures through a command or an input: end the back-off at once (the event
    // reader's too).
    this.poller.succeeded();
    this.events.hubAnswered();
    const status = stateStatus(this.options.t, fresh);
    if (this.moveNote) status.text = `${status.text} · ${this.moveNote}`;
    this.fanStatus(status, fresh);
    for (const user of [...this.users.values()]) {
      if (user !== origin) this.inform(user, fresh);
    }
    return copy ? { ...fresh } : fresh;
  }

  /**
   * Whether `fresh` equals the state last fanned out and nothing happened since (no failure
   * took its place as the last state, its status still shows): then accepting it again would
   * change nothing but hand every user an equal state once more.
   */
  private unchanged(fresh: LampState, same: boolean): boolean {
    const last = this.accepted;
    return (
      last !== undefined &&
      this.lastState === last &&
      this.stateForStatus === last &&
      this.online === true &&
      !this.outageLogged &&
      !this.deviceErrorLogged &&
      (same || sameData(fresh, last))
    );
  }

  private inform(user: HubUser, state: LampState): void {
    this.informed.add(user);
    this.deliver(user, state);
  }

  private fail(err: unknown, reading: boolean): void {
    if (this.closed) return;
    const code = errorCode(err);
    if (code === 'CLOSED') return;
    if (code !== undefined && LOCAL_CODES.has(code)) return;
    // A refused command (DEVICE_ERROR) or an unknown command failure says nothing about the
    // device or the link; failed reads count towards the back-off (device errors included).
    if (!reading && (code === 'DEVICE_ERROR' || code === undefined)) return;
    this.poller.failed(err);
    if (isContested(err)) {
      // The device answers, but another app keeps taking its session: online, and said once.
      this.online = true;
      this.fanStatus({
        fill: 'yellow',
        shape: 'ring',
        text: this.options.t('klap-device.status.contested'),
      });
      const now = performance.now();
      if (this.contestedAt === undefined || now - this.contestedAt > CONTEST_LOG_QUIET_MS) {
        this.options.warn(this.options.t('klap-device.log.contested', { address: this.address }));
      }
      this.contestedAt = now;
      return;
    }
    if (code === 'DEVICE_ERROR') {
      // The device answered (rate limited, busy, ...): it is online. Back off, show the error,
      // log the streak once; the last state stays valid and is not reported as lost.
      this.online = true;
      this.fanStatus(this.errorStatus(err));
      if (!this.deviceErrorLogged) {
        this.deviceErrorLogged = true;
        this.options.warn(
          this.options.t('klap-device.log.deviceError', {
            address: this.address,
            reason: reasonOf(err),
          }),
        );
      }
      return;
    }
    this.deviceErrorLogged = false;
    const wasOnline = this.online !== false;
    this.online = false;
    this.fanStatus(this.errorStatus(err));
    if (!this.outageLogged) {
      this.outageLogged = true;
      this.options.warn(
        this.options.t('klap-device.log.offline', { address: this.address, reason: reasonOf(err) }),
      );
    }
    let lost: ReportedState | undefined;
    if (wasOnline && this.lastState) {
      lost = { ...this.lastState, online: false };
    } else if (wasOnline && (code === 'UNREACHABLE' || code === 'TIMEOUT')) {
      // Never reached since deploy (off at the wall): flows that alert on online:false still
      // hear about it. Nothing else is known, so nothing else is claimed (no alias, no model).
      lost = { online: false, on: false };
    }
    if (lost) {
      this.lastState = lost;
      for (const user of [...this.users.values()]) this.deliver(user, lost);
    }
  }

  private deliver(user: HubUser, state: ReportedState): void {
    if (!user.deviceState) return;
    let view: ReportedState;
    try {
      view = this.viewFor(state, user.target);
    } catch {
      return; // no such outlet or child: the user's status says so (fanStatus)
    }
    try {
      user.deviceState(view);
    } catch {
      // A user's handler must never break the hub (or the other users).
    }
  }

  /**
   * The device status to every user; `state`, when the status comes from one, gives users of
   * an outlet or child their own ("off" while the strip is "on", "open" for a door contact).
   */
  private fanStatus(status: DeviceStatus, state?: LampState): void {
    this.status = status;
    this.stateForStatus = state;
    for (const user of [...this.users.values()]) this.show(user, status);
  }

  private show(user: HubUser, deviceStatus: DeviceStatus): void {
    let status = deviceStatus;
    const state = this.stateForStatus;
    const target = user.target;
    if (target && !isEmptyTarget(target) && state) {
      try {
        status = stateStatus(this.options.t, this.viewFor(state, target));
      } catch {
        const child = target.child !== undefined;
        status = {
          fill: 'red',
          shape: 'ring',
          text: this.options.t(`klap-device.status.${child ? 'noChild' : 'noOutlet'}`, {
            [child ? 'child' : 'outlet']: describeTarget(target),
          }),
        };
      }
    }
    const last = this.shown.get(user.id);
    if (last && sameStatus(last, status)) return; // polls that change nothing must not flood the editor
    this.shown.set(user.id, status);
    try {
      user.setDeviceStatus({ ...status });
    } catch {
      // ignore: status is cosmetic
    }
  }
}

export function linkInfo(client: HubClient | undefined): LinkInfo {
  const fingerprint = client?.certificateFingerprint;
  return {
    protocol: client?.encryption,
    variant: client?.login?.variant,
    credentials: client?.login?.credential,
    ...(fingerprint ? { certificateFingerprint: fingerprint } : {}),
  };
}
