/**
 * LampClient: the library API (docs/architecture.md §3). One client per device. It works out the dialect
 * (SMART or IOT) and the capabilities once, then validates every command against them before
 * anything is sent. Operations run one at a time (a client-level queue) so that a "toggle"
 * (read, then write) is never interleaved with another command from the same client.
 */
import {
  ClosedError,
  DeviceMismatchError,
  describeAddress,
  InvalidCommandError,
  LampError,
  quoteInput,
  UnsupportedFeatureError,
} from '../transport/errors';
import { createTransport, PROTOCOL_CHOICES, type ProtocolChoice } from '../transport/factory';
import { deviceIdOfInfo, macOfInfo, normaliseMac } from '../transport/mac';
import { SharedFailure } from '../transport/shared-failure';
import type { DiscoveryHint, LoginInfo, Transport } from '../transport/types';
import { type ChildSelector, findChild, type ParsedTarget, parseTarget } from './children/child';
import { LampChild } from './children/lamp-child';
import { checkCommand, parseCommand } from './command';
import type { DeviceDriver } from './driver';
import { checkEnergyHistory, parseEnergyHistory } from './features/energy-history';
import { endsPainting } from './features/segments';
import { EventReader, type EventReaderOptions } from './hub/event-reader';
import {
  type Identification,
  IdentityGuard,
  iotIdentification,
  smartIdentification,
} from './identity-guard';
import { IotDriver } from './iot-driver';
import { IotProtocol } from './iot-protocol';
import { mergeCommands } from './merge';
import { LampOutlet } from './outlets/lamp-outlet';
import { findOutlet, type OutletSelector, outletCapabilities } from './outlets/outlet';
import { SmartDriver } from './smart-driver';
import { NotSmartReplyError, SmartProtocol } from './smart-protocol';
import { SmartcamDriver } from './smartcam-driver';
import { carriesSmartcam, SmartcamProtocol, speaksNoSmartcam } from './smartcam-protocol';
import { cloneState } from './state';
import type { Capabilities, EnergyPoint, HubChild, LampCommand, LampState, Outlet } from './types';

export interface ConnectOptions {
  host: string;
  /**
   * What the device speaks; default 'auto' (found by probing, remembered for the client's
   * life). An explicit protocol uses only that one.
   */
  protocol?: ProtocolChoice;
  /** Default: the protocol's own (80, 443 for sslaes, 9999 for legacy); `auto` tries 80, 443, 9999. */
  port?: number;
  /** TP-Link / Tapo account e-mail, case-sensitive. */
  username?: string;
  password?: string;
  /** Per network step; default 5000 ms. */
  timeoutMs?: number;
  /**
   * UDP discovery port for the wake-up probe sent when the device refuses the connection (P110
   * fw 1.4.6 opens port 80 only after one). Default 20002; null turns the wake-up off.
   */
  discoveryPort?: number | null;
  /** Wait between wake-up probe and retry; default 1500 ms. */
  wakeUpDelayMs?: number;
  /** What discovery said about the device (`DiscoveredDevice.hint`), for `protocol: auto`. */
  hint?: DiscoveryHint;
  /**
   * The device's MAC (any notation): a device with another MAC at `host` is refused with
   * DEVICE_MISMATCH after its identification, before anything else is sent.
   */
  mac?: string;
}

/** What poll() answers: a mark for the state read, and that state unless the caller holds it. */
export interface Poll {
  readonly mark: number;
  /** Absent when the state is the one of the mark the caller passed. */
  readonly state?: LampState;
}

/**
 * Who the device is, as it says at negotiation; never a secret. Frozen: the client hands out
 * the one it holds.
 */
export interface DeviceIdentity {
  /** "AA:BB:CC:DD:EE:FF", or null when the device reports none. */
  readonly mac: string | null;
  /** SMART device_id / IOT deviceId; "" when missing. */
  readonly deviceId: string;
}

/**
 * Failures of the link or the login, as opposed to a refusal of one request: while one of these
 * stands, operations queued behind it would only meet it again (see LampClient.linkFailure).
 */
const LINK_FAILURES: ReadonlySet<string> = new Set([
  'UNREACHABLE',
  'TIMEOUT',
  'AUTH_FAILED',
  'THIRD_PARTY_DISABLED',
  'NOT_KLAP',
  'WRONG_PROTOCOL',
  'UNSUPPORTED_PROTOCOL',
  'HANDSHAKE_FAILED',
  'DEVICE_MISMATCH',
]);

/** Link failures after which the address may belong to another device when it answers again. */
const LOST_DEVICE: ReadonlySet<string> = new Set(['UNREACHABLE', 'TIMEOUT']);

/** What a queued job does: a command (mergeable), a read (shareable), or any other task. */
interface CommandWork {
  kind: 'command';
  command: LampCommand;
  /** The outlet it is for; undefined for the device itself. */
  outlet?: OutletSelector;
  /** The child it is for (a hub's paired device, or a strip's outlet); undefined for neither. */
  child?: ChildSelector;
}

/** Options of a command or raw request to a multi-outlet device or a hub. */
export interface TargetOptions {
  /** The outlet's number on the device, its name or its id; empty for the device itself. */
  outlet?: unknown;
  /**
   * A child: a device paired to a hub by its name (as the app shows it, any case) or id, or a
   * strip's outlet by number, name or id; empty for the device itself.
   */
  child?: unknown;
}

type Work =
  | CommandWork
  | { kind: 'read'; poll?: boolean; since?: number }
  | { kind: 'task'; task: () => Promise<unknown> };
type Job = Work & {
  ticket: number;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
};

/** Kept here too: the library exported it from this module before it had a module of its own. */
export { LampOutlet };

export class LampClient {
  /** host[:port], for messages. */
  readonly address: string;
  private readonly transport: Transport;
  private driver: DeviceDriver | undefined;
  private readonly jobs: Job[] = [];
  private draining = false;
  /**
   * Link or login failures (LINK_FAILURES) shared by the operations already queued when they
   * happened: a backlog to an unplugged lamp costs one timeout, not one per message.
   */
  private readonly linkFailure = new SharedFailure();
  private closed = false;
  private state: LampState | undefined;
  /** Names the state kept in `state`; see remember() and poll(). */
  private stateMark = 0;
  private expectedMac: string | null;
  /** The dialect to ask the device who it is in (set at negotiation; none for the H200). */
  private identifyBy: SmartProtocol | 'iot' | undefined;
  private identity_: DeviceIdentity | undefined;

  constructor(options: ConnectOptions, transport?: Transport) {
    checkAddress(options);
    this.address = describeAddress(options.host, options.port ?? 80);
    this.expectedMac = normaliseMac(options.mac);
    // Requests resent after a new login first check that the same device answers.
    this.transport = new IdentityGuard(
      transport ?? createTransport(options),
      () => (this.expectedMac ? this.identification() : undefined),
      (info) => this.identify(info),
    );
  }

  /** Who answered at negotiation (MAC, device id); undefined before it. */
  get identity(): DeviceIdentity | undefined {
    return this.identity_;
  }

  /** The protocol in use ('KLAP', 'AES', 'XOR' …), once known. */
  get encryption(): Transport['encryption'] {
    return this.transport.encryption;
  }

  /** How the last login matched (credential kind, protocol variant); null before it. */
  get login(): LoginInfo | null {
    return this.transport.lastLogin ?? null;
  }

  /** HTTPS protocols (sslaes): the device certificate's SHA-256 fingerprint; else null. */
  get certificateFingerprint(): string | null {
    return this.transport.certificateFingerprint ?? null;
  }

  /** The state from the last successful exchange with the device; undefined before the first. */
  get lastState(): LampState | undefined {
    return this.state ? cloneState(this.state) : undefined;
  }

  /** 'smart' or 'iot' once known. */
  get dialect(): DeviceDriver['dialect'] | undefined {
    return this.driver?.dialect;
  }

  /** Runs `task` after every earlier operation of this client has finished. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    return this.enqueue<T>({ kind: 'task', task });
  }

  /** Queues `work` (a fresh object each caller makes, which becomes the job itself). */
  private enqueue<T>(work: Work): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job = work as Job;
      job.ticket = this.linkFailure.ticket();
      job.resolve = resolve as (value: unknown) => void;
      job.reject = reject;
      this.jobs.push(job);
      void this.drain();
    });
  }

  /**
   * One group of jobs at a time, in arrival order. Commands that queued up together become one
   * device request (see merge.ts) and reads that queued up together share one read; anything
   * else runs alone. A job arriving at an idle client starts at once: nothing waits to merge.
   */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let head = this.jobs.shift(); head; head = this.jobs.shift()) {
        const group = [head];
        if (head.kind !== 'task') {
          // Commands merge only with commands for the same outlet (or the device itself).
          while (this.jobs[0]?.kind === head.kind && sameTarget(this.jobs[0], head)) {
            group.push(this.jobs.shift() as Job);
          }
        }
        await this.runGroup(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: Job[]): Promise<void> {
    // Work that was already waiting when the link failed shares that failure (linkFailure).
    const live: Job[] = [];
    for (const job of group) {
      try {
        if (this.closed) throw new ClosedError(this.address);
        this.linkFailure.check(job.ticket);
        live.push(job);
      } catch (error) {
        job.reject(error);
      }
    }
    if (live.length === 0) return;
    try {
      const first = live[0] as Job;
      if (first.kind === 'task') {
        first.resolve(await first.task());
      } else if (first.kind === 'read') {
        const state = await this.readState();
        const mark = this.stateMark;
        for (const job of live) {
          // poll() hears of the mark; one that holds the state of this mark needs no copy again.
          const poll = (job as { poll?: boolean; since?: number }).poll === true;
          if (!poll) job.resolve(cloneState(state));
          else
            job.resolve(
              (job as { since?: number }).since === mark
                ? { mark }
                : { mark, state: cloneState(state) },
            );
        }
      } else {
        await this.applyCommands(live as (Job & CommandWork)[]);
      }
      this.linkFailure.clear();
    } catch (error) {
      // A dropped connection (ConnectionResetError, `transient`) concerns one exchange: the
      // next call opens a new connection, so it is not shared.
      const transient = (error as { transient?: unknown }).transient === true;
      if (error instanceof LampError && LINK_FAILURES.has(error.code) && !transient) {
        this.linkFailure.record(error);
        // Nobody answered: whoever answers next may be another device that took the address
        // (a new DHCP lease), so the next operation identifies the device again first.
        if (LOST_DEVICE.has(error.code) && this.expectedMac) this.driver = undefined;
      }
      for (const job of live) job.reject(error);
    }
  }

  private async readState(): Promise<LampState> {
    // Negotiation remembers the state it read itself.
    const { driver, state } = await this.ensureDriver();
    return state ?? this.remember(await driver.readState());
  }

  /**
   * Checks each queued command against the device on its own (a refused one fails alone and
   * sends nothing), merges the rest in order and applies them as one request. Every command
   * merged completes with the state that request produced, or fails with its error.
   */
  private async applyCommands(jobs: (Job & CommandWork)[]): Promise<void> {
    const { driver } = await this.ensureDriver();
    const selector = jobs[0]?.outlet;
    let outlet: ReturnType<typeof findOutlet> | undefined;
    let child: HubChild | undefined;
    try {
      if (selector !== undefined) outlet = findOutlet(this.known(driver), selector);
      const named = jobs[0]?.child;
      if (named !== undefined) ({ outlet, child } = findChild(this.known(driver), named));
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    // A hub child is checked against its kind, anything else against the device's (or the
    // outlet's) capabilities; either way a refused command fails alone and sends nothing.
    const capabilities = outlet ? capabilitiesOf(driver, outlet) : driver.capabilities;
    const check = async (command: LampCommand): Promise<LampCommand> => {
      if (!child) return driver.resolve(checkCommand(command, capabilities, driver.model));
      if (!driver.checkChildCommand) throw new InvalidCommandError('child', 'not a hub');
      return driver.checkChildCommand(command, child);
    };
    const accepted: Job[] = [];
    let merged: LampCommand | undefined;
    for (const job of jobs) {
      try {
        const checked = await check(job.command);
        merged = merged ? mergeCommands(merged, checked) : checked;
        accepted.push(job);
      } catch (error) {
        job.reject(error);
      }
    }
    if (!merged) return;
    try {
      // A painting merged from a flood is shown as a preview, which the strip does not save;
      // once nothing more waits, the last one is saved (docs/protocols/segments.md §4).
      const preview = merged.segments !== undefined && accepted.length > 1 && !outlet && !child;
      const applied =
        child && driver.applyToChild
          ? driver.applyToChild(merged, child)
          : outlet && driver.applyToOutlet
            ? driver.applyToOutlet(merged, outlet)
            : driver.apply(merged, { preview });
      let state = await applied;
      if (preview && !this.jobs.some((job) => job.kind === 'command' && replacesPainting(job))) {
        state = await driver.apply(savedPainting(merged, state));
      }
      state = this.remember(state);
      for (const job of accepted) job.resolve(cloneState(state));
    } catch (error) {
      for (const job of accepted) job.reject(error);
      throw error;
    }
  }

  /** The last state read; after negotiation there always is one. */
  private known(driver: DeviceDriver): LampState {
    return this.state ?? { on: false, online: true, model: driver.model, alias: '', type: 'plug' };
  }

  /**
   * Keeps `state` as the last known and returns it, not a copy: the driver may hand out the
   * same object again for an unchanged reply, so whatever leaves the client is a cloneState.
   */
  private remember(state: LampState): LampState {
    // The mark moves with every new state; a driver hands out the same object only unchanged.
    if (state !== this.state) this.stateMark += 1;
    this.state = state;
    return state;
  }

  /**
   * Detects the dialect once per client: SMART unless the device answers the SMART negotiation
   * in another shape, which Kasa IOT devices do (an err_code per "module", no error_code).
   */
  private async connectDriver(): Promise<{ driver: DeviceDriver; state: LampState }> {
    // Logging in first tells which protocol answered; Kasa's legacy protocol only carries IOT.
    await this.transport.open?.();
    const identify = (info: Record<string, unknown>) => this.identify(info);
    const iot = () => {
      this.identifyBy = 'iot';
      return IotDriver.open(new IotProtocol(this.transport, this.address), undefined, identify);
    };
    if (this.transport.encryption === 'XOR') return await iot();
    if (carriesSmartcam(this.transport)) {
      // HTTPS carries the camera dialect on the H200; a device that answers its methods as
      // unknown (a SMART device behind the same login) is spoken to in SMART instead. The
      // camera dialect has no get_device_info to identify a device by after each login, so an
      // H200 is not checked against a MAC (docs/architecture.md §7).
      try {
        return await SmartcamDriver.open(new SmartcamProtocol(this.transport, this.address));
      } catch (error) {
        if (!speaksNoSmartcam(error)) throw error;
      }
    }
    try {
      const smart = new SmartProtocol(this.transport, this.address);
      this.identifyBy = smart;
      return await SmartDriver.open(smart, identify);
    } catch (error) {
      if (!(error instanceof NotSmartReplyError)) throw error;
      return await iot();
    }
  }

  /** How to ask who answers after a new login (made when asked: that is about once a day). */
  private identification(): Identification | undefined {
    const by = this.identifyBy;
    if (by === undefined) return undefined;
    if (by === 'iot') return iotIdentification();
    return smartIdentification(() => by.envelope('get_device_info'));
  }

  /** Learns who answered; refuses a device whose MAC is not the expected one. */
  private identify(info: Record<string, unknown>): void {
    const mac = macOfInfo(info);
    if (this.expectedMac && mac !== this.expectedMac) {
      throw new DeviceMismatchError(this.address, this.expectedMac, mac ?? '');
    }
    // Frozen, and so handed out as it is (the hub asks for it after every call).
    this.identity_ = Object.freeze({ mac, deviceId: deviceIdOfInfo(info) });
    // A client stays bound to the device it first identified.
    this.expectedMac ??= mac;
  }

  /** The driver, negotiating first if needed; `state` is set when negotiation just read it. */
  private async ensureDriver(): Promise<{ driver: DeviceDriver; state?: LampState }> {
    if (this.driver) return { driver: this.driver };
    const opened = await this.connectDriver();
    this.driver = opened.driver;
    this.remember(opened.state);
    return opened;
  }

  /** Log in, detect dialect and capabilities, return the first state. */
  open(): Promise<LampState> {
    return this.serial(async () => cloneState(await this.readState()));
  }

  /**
   * The state, fresh from the device (opens lazily). Reads that queue up behind busy work share
   * one answer.
   */
  getState(): Promise<LampState> {
    return this.enqueue<LampState>({ kind: 'read' });
  }

  /**
   * A poll for a caller that keeps what it was handed (the config node): getState, but with a
   * mark for the state read, and no state when it is the state of the mark `since` once more
   * (the device answered byte for byte the same; nothing was copied or mapped for it).
   */
  poll(since?: number): Promise<Poll> {
    return this.enqueue<Poll>({ kind: 'read', poll: true, since });
  }

  /**
   * Apply a payload (the msg.payload grammar). Invalid payloads are refused before anything is
   * sent (InvalidCommandError / UnsupportedFeatureError); a valid one costs one device request
   * that also reads the new state back ("toggle" reads the power first). Commands that queue up
   * while the device is busy are merged into one request (see merge.ts).
   */
  setState(payload: unknown, options: TargetOptions = {}): Promise<LampState> {
    let command: ReturnType<typeof parseCommand>;
    let target: ParsedTarget;
    try {
      // Device-independent checks first, so a malformed payload does not even open a session.
      command = parseCommand(payload);
      target = parseTarget(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue<LampState>({ kind: 'command', command, ...target });
  }

  /**
   * One outlet of a power strip or multi-outlet plug, by its number on the device, its name or
   * its id: the same calls as the device's, answering with the outlet's own state. The outlet
   * is looked up at each call, so a renamed one is found by its new name.
   */
  outlet(selector: number | string): LampOutlet {
    return new LampOutlet(this, selector);
  }

  /**
   * One child: a device paired to a hub, by its name (as the app shows it, any case) or id,
   * or a strip's outlet by number, name or id. The same calls as the device's, answering with
   * the child's own state.
   */
  child(selector: number | string): LampChild {
    return new LampChild(this, selector);
  }

  /**
   * A reader of the events a hub's children log: each read() returns what was logged since the
   * last one, exactly once and in order; the first sets the baseline and returns nothing.
   * Reads run in this client's queue, over its session. `{ child }` keeps one child's events.
   */
  events(options: EventReaderOptions = {}): EventReader {
    return new EventReader(
      (job) =>
        this.serial(async () => {
          const { driver } = await this.ensureDriver();
          if (!driver.hub) {
            throw new UnsupportedFeatureError(
              'events',
              `this ${driver.model || 'device'} is not a hub: events come from the devices paired to a Tapo H100, H200 or Kasa KH100`,
            );
          }
          return job(driver.hub);
        }),
      options,
    );
  }

  /**
   * A raw device request, for power users. SMART: the method name (`get_device_info`), result
   * returned as the device sent it (`{}` for setters). IOT: `"module.method"`
   * (`system.get_sysinfo`), the method's result without its err_code.
   */
  request(method: string, params?: unknown, options: TargetOptions = {}): Promise<unknown> {
    // Raw requests come from flows (msg.request), so the name is checked like any payload:
    // a name, not text that happens to be a string (nor one that names an object's prototype).
    if (!isMethodName(method)) {
      return Promise.reject(
        new InvalidCommandError(
          'method',
          `method must be a device method name, e.g. "get_device_info" (Kasa: "system.get_sysinfo") (got ${quoteInput(method)})`,
        ),
      );
    }
    let target: ParsedTarget;
    try {
      target = parseTarget(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.serial(async () => {
      const { driver } = await this.ensureDriver();
      if (target.child !== undefined) {
        const found = findChild(this.known(driver), target.child);
        const id = found.outlet ? found.outlet.id : found.child.id;
        if (found.outlet && driver.requestToOutlet) {
          return driver.requestToOutlet(found.outlet, method, params);
        }
        if (driver.requestToChild) return driver.requestToChild(id, method, params);
        return driver.request(method, params);
      }
      if (target.outlet === undefined) return driver.request(method, params);
      const outlet = findOutlet(this.known(driver), target.outlet);
      if (!driver.requestToOutlet) return driver.request(method, params);
      return driver.requestToOutlet(outlet, method, params);
    });
  }

  /**
   * The meter's history: `{ interval: "hour" | "day" | "month", start?, end? }` (ISO dates) ->
   * `[{ t, wh }]`, t = each interval's start (ISO), oldest first. Refused before anything is
   * sent when malformed or when the device keeps no such history.
   */
  energyHistory(query: unknown, options: TargetOptions = {}): Promise<EnergyPoint[]> {
    let parsed: ReturnType<typeof parseEnergyHistory>;
    let target: ParsedTarget;
    try {
      parsed = parseEnergyHistory(query, Date.now());
      target = parseTarget(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.serial(async () => {
      const { driver } = await this.ensureDriver();
      // An outlet's history is its own meter's; one that does not meter is refused by name.
      const outlet = this.outletOf(driver, target);
      const capabilities = outlet ? capabilitiesOf(driver, outlet) : driver.capabilities;
      const name = outlet ? `${driver.model} outlet ${outlet.position}` : driver.model;
      checkEnergyHistory(parsed, capabilities, name);
      return driver.energyHistory(parsed, Date.now(), outlet);
    });
  }

  /** The outlet a target names (an outlet, or a child that is one); hub children meter nothing. */
  private outletOf(driver: DeviceDriver, target: ParsedTarget): Outlet | undefined {
    if (target.outlet !== undefined) return findOutlet(this.known(driver), target.outlet);
    if (target.child === undefined) return undefined;
    const found = findChild(this.known(driver), target.child);
    if (found.outlet) return found.outlet;
    throw new UnsupportedFeatureError(
      'energyHistory',
      `this ${found.child.model} (${found.child.kind}) has no energy meter`,
    );
  }

  /** What the device can do (opens lazily). */
  capabilities(): Promise<Capabilities> {
    return this.serial(async () => {
      const { driver } = await this.ensureDriver();
      return structuredClone(driver.capabilities);
    });
  }

  /** Ends the session; later calls fail with ClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport.close();
  }
}

/** Whether a queued command paints anew or ends the painting (so saving the last is moot). */
function replacesPainting(job: CommandWork): boolean {
  return job.command.segments !== undefined || endsPainting(job.command);
}

/** The painting a flood ended on, to save: its colours and brightness, the power it left. */
function savedPainting(merged: LampCommand, state: LampState): LampCommand {
  const saved: LampCommand = { segments: merged.segments, on: state.on };
  if (merged.brightness !== undefined) saved.brightness = merged.brightness;
  return saved;
}

/** What one outlet can do, as its driver knows it (its meter's history included). */
function capabilitiesOf(driver: DeviceDriver, outlet: Outlet): Capabilities {
  return driver.outletCapabilities?.(outlet) ?? outletCapabilities(driver.capabilities, outlet);
}

function sameTarget(a: Work, b: Work): boolean {
  const outlet = (w: Work) => (w.kind === 'command' ? w.outlet : undefined);
  const child = (w: Work) => (w.kind === 'command' ? w.child : undefined);
  return outlet(a) === outlet(b) && child(a) === child(b);
}

/** Longest raw method name accepted; real ones are far shorter. */
const MAX_METHOD_CHARS = 128;
/** Identifiers, dot-separated for Kasa's "module.method". */
const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function isMethodName(method: unknown): method is string {
  return (
    typeof method === 'string' &&
    method.length <= MAX_METHOD_CHARS &&
    METHOD_NAME.test(method) &&
    !method.split('.').some((part) => PROTOTYPE_NAMES.has(part))
  );
}

/**
 * Refuses a host or port that cannot name a device, before anything is sent. Without this an
 * unset host (`connect({ host: process.env.LAMP_IP })`) would quietly talk to localhost.
 */
function checkAddress(options: ConnectOptions): void {
  const { host, port, protocol } = (options ?? {}) as Partial<ConnectOptions>;
  if (protocol !== undefined && !PROTOCOL_CHOICES.includes(protocol)) {
    throw new InvalidCommandError(
      'protocol',
      `protocol must be one of ${PROTOCOL_CHOICES.join(', ')} (got ${quoteInput(protocol)})`,
    );
  }
  if (typeof host !== 'string' || host.trim() === '') {
    throw new InvalidCommandError(
      'host',
      `host must be the device's IP address or host name, e.g. "192.168.1.50" (got ${quoteInput(host)})`,
    );
  }
  const { mac } = options as Partial<ConnectOptions>;
  if (mac !== undefined && mac !== '' && normaliseMac(mac) === null) {
    throw new InvalidCommandError(
      'mac',
      `mac must be the device's MAC address, e.g. "5C:E9:31:AA:BB:CC", or left out (got ${quoteInput(mac)})`,
    );
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new InvalidCommandError(
      'port',
      `port must be a whole number from 1 to 65535, usually 80 (got ${quoteInput(port)})`,
    );
  }
}

/** Construct a client and open it: `const lamp = await connect({ host, username, password })`. */
export async function connect(options: ConnectOptions): Promise<LampClient> {
  const client = new LampClient(options);
  try {
    await client.open();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
