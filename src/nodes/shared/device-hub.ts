/**
 * The runtime heart of a `klap-device` config node: one LampClient (one KLAP session) shared by
 * every node that uses the device, a registry of those nodes, status fan-out, the last known
 * state, and ONE poller running at the shortest interval any registered status node asks for.
 *
 * Deliberately free of Node-RED types beyond the status shape, so it can be reasoned about (and
 * tested) on its own; klap-device.ts wires it to the node API (i18n, logging, credentials).
 */
import type { ConnectOptions } from '../../device/client';
import type { Capabilities, EnergyPoint, LampState } from '../../device/types';
import { describeAddress } from '../../transport/errors';
import type { ProtocolChoice } from '../../transport/factory';
import type { Encryption, LoginInfo } from '../../transport/types';

export type StatusFill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';

export interface DeviceStatus {
  fill?: StatusFill;
  shape?: 'ring' | 'dot';
  text?: string;
}

/**
 * A state as the hub reports it to its users: a full LampState, or, for a device unreachable
 * since deploy, the minimal `{ online: false, on: false }` (nothing else is known).
 */
export type ReportedState = Pick<LampState, 'on' | 'online'> & Partial<LampState>;

function isFullState(state: ReportedState): state is LampState {
  return typeof state.model === 'string' && typeof state.alias === 'string' && !!state.type;
}

/** A node that uses the device (lamp-control, lamp-status). */
export interface HubUser {
  readonly id: string;
  /** Seconds between polls this user wants (> 0), or 0/undefined for none. */
  readonly pollInterval?: number;
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
  setState(payload: unknown): Promise<LampState>;
  request(method: string, params?: unknown): Promise<unknown>;
  energyHistory(query: unknown): Promise<EnergyPoint[]>;
  capabilities(): Promise<Capabilities>;
  close(): Promise<void>;
  /** The protocol found and how the login matched, once known. */
  readonly encryption?: Encryption | undefined;
  readonly login?: LoginInfo | null;
}

/** What Test connection reports about the link; never a secret. */
export interface LinkInfo {
  protocol: Encryption | undefined;
  variant: string | undefined;
  credentials: LoginInfo['credential'] | undefined;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

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
}

/** Failures of our own input: they say nothing about the device or the link. */
const LOCAL_CODES = new Set(['INVALID_COMMAND', 'UNSUPPORTED']);
/** The device refuses us: retrying quickly only risks a lock-out. */
const REFUSAL_CODES = new Set(['AUTH_FAILED', 'THIRD_PARTY_DISABLED', 'NOT_KLAP']);

const STATUS_KEYS: Record<string, string> = {
  UNREACHABLE: 'offline',
  TIMEOUT: 'timeout',
  AUTH_FAILED: 'authFailed',
  THIRD_PARTY_DISABLED: 'thirdParty',
  NOT_KLAP: 'notKlap',
  WRONG_PROTOCOL: 'wrongProtocol',
  UNSUPPORTED_PROTOCOL: 'unsupportedProtocol',
  HANDSHAKE_FAILED: 'handshakeFailed',
  SESSION_EXPIRED: 'sessionExpired',
  INTEGRITY: 'integrity',
  MALFORMED: 'malformed',
  DEVICE_ERROR: 'deviceError',
  INVALID_COMMAND: 'invalidCommand',
  UNSUPPORTED: 'unsupported',
  CLOSED: 'closed',
  NO_HOST: 'noHost',
};

/** The `code` of a LampError (or any error carrying a string code), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Fields compared to decide whether a state "changed"; order fixed so snapshots compare. */
const STATE_KEYS: (keyof LampState)[] = [
  'online',
  'on',
  'brightness',
  'hue',
  'saturation',
  'colorTemp',
  'color',
  'effect',
  'power',
  'energyToday',
  // Settings and the month's energy change rarely; voltage, current and rssi jitter with every
  // reading, so they ride along in the state without making it "changed".
  'energyMonth',
  'presets',
  'autoOff',
  'led',
  'fade',
  'autoUpdate',
  'alias',
  'model',
  'type',
  'firmware',
];

/** A string that is equal for two states exactly when a user would see no difference. */
export function stateSnapshot(state: ReportedState): string {
  return JSON.stringify(
    STATE_KEYS.map((key) => {
      const value = state[key];
      // Energy plugs report power in mW steps that jitter between polls: whole watts matter.
      if (key === 'power' && typeof value === 'number') return Math.round(value);
      return value ?? null;
    }),
  );
}

export class DeviceHub {
  readonly address: string;
  readonly host: string;
  private readonly options: HubOptions;
  private readonly users = new Map<string, HubUser>();
  private client: HubClient | undefined;
  private lastState: ReportedState | undefined;
  /** undefined until the first answer or failure. */
  private online: boolean | undefined;
  private failure: unknown;
  /** Failed reads and link failures in a row (device errors included): drives the back-off. */
  private consecutiveFailures = 0;
  private outageLogged = false;
  /** A streak of device errors (the device answers, but refuses) has been logged. */
  private deviceErrorLogged = false;
  /** Bumped by every successful command, so an older poll result never overwrites it. */
  private generation = 0;
  private status: DeviceStatus = {};
  private started = false;
  /** The connect-at-deploy read is armed; no user change may cancel it. */
  private firstReadArmed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private polling = false;
  private closed = false;
  /** Clients being closed after the last user left; close() waits for them too. */
  private readonly retiring = new Set<Promise<void>>();

  constructor(options: HubOptions) {
    this.options = options;
    this.host = options.host;
    this.address = describeAddress(options.host, options.port ?? 80);
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
    return this.nextDelay();
  }

  /** No poll running or armed (for tests and diagnostics). */
  get idle(): boolean {
    return !this.polling && this.timer === undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get userCount(): number {
    return this.users.size;
  }

  register(user: HubUser): void {
    if (this.closed) return;
    this.users.set(user.id, user);
    if (this.status.text) user.setDeviceStatus({ ...this.status });
    const known = this.lastState;
    if (known && user.deviceState) {
      // After the constructor has returned, so the node can send.
      setImmediate(() => {
        if (!this.closed && this.users.get(user.id) === user && this.lastState === known) {
          user.deviceState?.({ ...known });
        }
      });
    }
    if (!this.started) {
      // Connect at deploy: shows "on · 80%" / "auth failed" at once, and gives status nodes
      // their first state. Coalesced with other nodes registering in the same tick.
      this.started = true;
      this.firstReadArmed = true;
      this.schedule(0);
    } else {
      this.reschedule();
    }
  }

  deregister(user: HubUser): void {
    if (this.users.get(user.id) === user) this.users.delete(user.id);
    if (this.users.size === 0) {
      // Nobody uses the device any more: free the session and the timer (MQTT-broker style).
      this.stopTimer();
      this.started = false;
      this.firstReadArmed = false;
      const client = this.client;
      this.client = undefined;
      if (client) {
        const closing = client.close().catch(() => undefined);
        this.retiring.add(closing);
        void closing.then(() => this.retiring.delete(closing));
      }
    } else {
      this.reschedule();
    }
  }

  /** Sends a msg.payload-grammar command; the resulting state is shared with every user. */
  async command(payload: unknown): Promise<LampState> {
    try {
      const state = await this.getClient().setState(payload);
      this.generation++;
      return this.accept(state);
    } catch (err) {
      this.fail(err, false);
      throw err;
    }
  }

  /** Raw request for power users; the decoded device response. */
  async request(method: string, params?: unknown): Promise<unknown> {
    try {
      return await this.getClient().request(method, params);
    } catch (err) {
      this.fail(err, false);
      throw err;
    }
  }

  /** An energy history query (msg.payload.energyHistory): the `[{ t, wh }]` the meter kept. */
  async energyHistory(query: unknown): Promise<EnergyPoint[]> {
    try {
      return await this.getClient().energyHistory(query);
    } catch (err) {
      this.fail(err, false);
      throw err;
    }
  }

  /**
   * Reads the state now. Every user except `origin` hears about it (origin emits it itself).
   * Failures are rethrown; a link failure marks the device offline, a device error does not.
   */
  async refresh(origin?: HubUser): Promise<LampState> {
    const generation = this.generation;
    try {
      const state = await this.getClient().getState();
      const last = this.lastState;
      if (generation !== this.generation && last && isFullState(last)) {
        // A command finished while we read: its result is newer than ours.
        return { ...last };
      }
      return this.accept(state, origin);
    } catch (err) {
      this.fail(err, true);
      throw err;
    }
  }

  async capabilities(): Promise<Capabilities> {
    return this.getClient().capabilities();
  }

  /** Which protocol the shared session speaks and how it logged in (after a first exchange). */
  link(): LinkInfo {
    return linkInfo(this.client);
  }

  /** Status for an error of this device (used by the nodes for their own red ring). */
  errorStatus(err: unknown): DeviceStatus {
    const key = STATUS_KEYS[errorCode(err) ?? ''] ?? 'error';
    return { fill: 'red', shape: 'ring', text: this.options.t(`klap-device.status.${key}`) };
  }

  stateStatus(state: LampState): DeviceStatus {
    const t = this.options.t;
    if (!state.on) return { fill: 'grey', shape: 'ring', text: t('klap-device.status.off') };
    if (typeof state.brightness === 'number') {
      return {
        fill: 'green',
        shape: 'dot',
        text: t('klap-device.status.onBrightness', { brightness: state.brightness }),
      };
    }
    if (typeof state.power === 'number') {
      return {
        fill: 'green',
        shape: 'dot',
        text: t('klap-device.status.onPower', { power: Math.round(state.power * 10) / 10 }),
      };
    }
    return { fill: 'green', shape: 'dot', text: t('klap-device.status.on') };
  }

  /** Stops the poller and closes the client (sockets, queued work). Bounded by `limitMs`. */
  async close(limitMs = 4000): Promise<void> {
    this.closed = true;
    this.stopTimer();
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

  private getClient(): HubClient {
    if (this.closed) {
      throw Object.assign(new Error(this.options.t('klap-device.errors.closed')), {
        code: 'CLOSED',
      });
    }
    if (!this.client) {
      const { host, port, protocol, timeoutMs, username, password } = this.options;
      this.client = this.options.createClient({
        host,
        port,
        protocol,
        timeoutMs,
        username,
        password,
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

  private accept(state: LampState, origin?: HubUser): LampState {
    const fresh: LampState = { ...state, online: true };
    if (this.closed) return { ...fresh };
    this.lastState = fresh;
    this.online = true;
    this.failure = undefined;
    const backedOff = this.consecutiveFailures > 0;
    this.consecutiveFailures = 0;
    this.deviceErrorLogged = false;
    if (this.outageLogged) {
      this.outageLogged = false;
      this.options.log(this.options.t('klap-device.log.online', { address: this.address }));
    }
    // Back from failures through a command or an input: end the back-off at once.
    if (backedOff) this.reschedule();
    this.fanStatus(this.stateStatus(fresh));
    for (const user of [...this.users.values()]) {
      if (user !== origin) this.deliver(user, fresh);
    }
    return { ...fresh };
  }

  private fail(err: unknown, reading: boolean): void {
    if (this.closed) return;
    const code = errorCode(err);
    if (code === 'CLOSED') return;
    if (code !== undefined && LOCAL_CODES.has(code)) return;
    // A refused command (DEVICE_ERROR) or an unknown command failure says nothing about the
    // device or the link; failed reads count towards the back-off (device errors included).
    if (!reading && (code === 'DEVICE_ERROR' || code === undefined)) return;
    this.consecutiveFailures++;
    this.failure = err;
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
    try {
      user.deviceState({ ...state });
    } catch {
      // A user's handler must never break the hub (or the other users).
    }
  }

  private fanStatus(status: DeviceStatus): void {
    const same =
      this.status.fill === status.fill &&
      this.status.shape === status.shape &&
      this.status.text === status.text;
    if (same) return; // polls that change nothing must not flood the editor
    this.status = status;
    for (const user of [...this.users.values()]) {
      try {
        user.setDeviceStatus({ ...status });
      } catch {
        // ignore: status is cosmetic
      }
    }
  }

  /** Delay until the next poll, with back-off while the device is failing. */
  private nextDelay(): number | undefined {
    const base = this.pollIntervalMs;
    if (base === undefined) return undefined;
    if (this.consecutiveFailures === 0) return base;
    const ceiling = Math.max(base, this.options.maxBackoffMs ?? 30_000);
    const code = errorCode(this.failure);
    if (code !== undefined && REFUSAL_CODES.has(code)) {
      return Math.max(base, this.options.authBackoffMs ?? 30_000);
    }
    const exponent = Math.min(Math.max(this.consecutiveFailures - 1, 0), 16);
    return Math.min(base * 2 ** exponent, ceiling);
  }

  /** Re-evaluates the poller after the set of users changed. */
  private reschedule(): void {
    const delay = this.nextDelay();
    if (delay === undefined) {
      if (!this.firstReadArmed) this.stopTimer();
      return;
    }
    this.schedule(delay);
  }

  /** Arms the poll timer for `delayMs` unless a poll is due sooner or running. */
  private schedule(delayMs: number): void {
    if (this.closed || this.polling) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    this.stopTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delayMs);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    this.firstReadArmed = false;
    if (this.closed || this.polling || this.users.size === 0) return;
    this.polling = true;
    try {
      await this.refresh();
    } catch {
      // recorded by refresh(): status fanned out, outage logged once
    } finally {
      this.polling = false;
    }
    if (this.closed || this.users.size === 0) return;
    // A node that registered while this poll ran (its own first read could not be armed then),
    // e.g. after a redeploy replaced every node of the device mid-read, is owed a read now.
    const delay = this.firstReadArmed ? 0 : this.nextDelay();
    if (delay !== undefined) this.schedule(delay);
  }
}

export function linkInfo(client: HubClient | undefined): LinkInfo {
  return {
    protocol: client?.encryption,
    variant: client?.login?.variant,
    credentials: client?.login?.credential,
  };
}
