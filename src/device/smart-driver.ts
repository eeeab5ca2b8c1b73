/**
 * Tapo SMART devices: capabilities from component_nego + get_device_info, state from
 * get_device_info (+ get_energy_usage on energy plugs), and commands sent together with the read
 * of the new state in one multipleRequest, so a change costs one round trip.
 */
import { DeviceError, MalformedResponseError } from '../transport/errors';
import { componentVersions, smartCapabilities } from './capabilities';
import { childResult, controlChild } from './children/control-child';
import {
  type ApplyOptions,
  changesLight,
  type DeviceDriver,
  type Identify,
  lightFields,
  touchesLight,
} from './driver';
import { BULB_EFFECTS, findStripEffect } from './effects';
import { smartHistoryPlan } from './features/energy-history';
import { resolvePreset } from './features/presets';
import { endsPainting, painting } from './features/segments';
import { SmartSegments } from './features/smart-segments';
import { SmartSettings } from './features/smart-settings';
import { checkHubProperties } from './hub/hub-command';
import { isHubInfo, SmartHub } from './hub/smart-hub';
import { outletCapabilities, summarise } from './outlets/outlet';
import { SmartOutlets } from './outlets/smart-outlets';
import { type SmartOutcome, type SmartProtocol, type SmartRequest, unwrap } from './smart-protocol';
import { modelWithoutRegion, sameMeterReadings, smartState } from './state';
import type {
  Capabilities,
  EnergyHistoryQuery,
  EnergyInterval,
  EnergyPoint,
  HubChild,
  LampCommand,
  LampState,
  Outlet,
} from './types';

type Info = Record<string, unknown>;

/** callAll's options for a poll (one object for every poll). */
const POLL = { sameReply: true } as const;

export class SmartDriver implements DeviceDriver {
  readonly dialect = 'smart' as const;
  readonly model: string;
  /** The last get_device_info, kept to stop the running strip effect by its own id. */
  private info: Info;
  private readonly settings: SmartSettings;
  /**
   * Whether get_emeter_data (voltage, current) is worth asking: energy_monitoring v2 firmware
   * may or may not answer it (docs/features.md §2), so it stops being asked once refused.
   */
  private emeterData: boolean;
  /** The last meter readings (get_energy_usage, get_emeter_data). */
  private energy: Info | undefined;
  private emeter: Info | undefined;
  /** baseReads() as last built, and the emeterData it was built for. */
  private polled: { emeterData: boolean; reads: SmartRequest[] } | undefined;
  /**
   * The last state mapped and what it was mapped from (see toState). Handed out again, the very
   * object, when nothing changed; nothing adds to it (outlets and children go on a copy).
   */
  private mapped:
    | { info: Info; energy?: Info; emeter?: Info; settings: number; state: LampState }
    | undefined;

  private constructor(
    private readonly protocol: SmartProtocol,
    readonly capabilities: Capabilities,
    info: Info,
    versions: ReadonlyMap<string, number>,
    /** Power strips and multi-outlet plugs only. */
    private readonly outlets?: SmartOutlets,
    /** Light strips that paint segments only. */
    private readonly segments?: SmartSegments,
    /** Hubs only: the devices paired to it, its siren and the children's logs. */
    readonly hub?: SmartHub,
  ) {
    this.info = info;
    this.model = modelWithoutRegion(info.model);
    this.settings = new SmartSettings(capabilities, versions.get('preset') ?? 0);
    this.emeterData = capabilities.energy && (versions.get('energy_monitoring') ?? 0) >= 2;
  }

  /**
   * Negotiate: component_nego and get_device_info in one batch. Throws NotSmartReplyError (from
   * the protocol) when the device answers in another dialect.
   */
  static async open(
    protocol: SmartProtocol,
    identify?: Identify,
  ): Promise<{ driver: SmartDriver; state: LampState }> {
    const [nego, info] = await protocol.callAll([
      { method: 'component_nego' },
      { method: 'get_device_info' },
    ]);
    // Very old firmware lacks component_nego; fall back to what get_device_info shows.
    const components = nego.ok ? componentVersions(nego.result) : new Map<string, number>();
    const deviceInfo = deviceInfoOf(unwrap(info), protocol.address);
    // Who answers decides whether anything more is sent (a different device is refused).
    identify?.(deviceInfo);
    if (!nego.ok) guessComponents(components, deviceInfo);
    const capabilities = smartCapabilities(components, deviceInfo);
    let outlets: SmartOutlets | undefined;
    let hub: SmartHub | undefined;
    if (isHubInfo(deviceInfo)) {
      // A hub has no switch or light of its own: its children and its siren are what it offers.
      Object.assign(capabilities, { kind: 'hub', energy: false, energyHistory: [] });
      capabilities.alarm = components.has('alarm');
      if (components.has('control_child') && components.has('child_device')) {
        hub = await SmartHub.open(protocol, capabilities.alarm);
        capabilities.children = true;
      }
    } else if (components.has('control_child') && components.has('child_device')) {
      outlets = await SmartOutlets.open(protocol);
      capabilities.outlets = true;
      // A strip's parent lists its outlets' features but answers none of them itself.
      capabilities.energy = false;
      capabilities.energyHistory = [];
    }
    const segments =
      capabilities.kind === 'strip' ? await SmartSegments.open(protocol, components) : undefined;
    if (segments) capabilities.segments = segments.count;
    const driver = new SmartDriver(
      protocol,
      capabilities,
      deviceInfo,
      components,
      outlets,
      segments,
      hub,
    );
    // The first state is complete (meter, outlets and settings), so a status node's first
    // message is not followed by a second one just for the settings: one batch more, once.
    const needsRead =
      driver.capabilities.energy ||
      outlets !== undefined ||
      hub !== undefined ||
      driver.settings.due(1).length > 0;
    const state = needsRead
      ? await driver.stateFrom(await protocol.callAll(driver.readRequests(Infinity)))
      : driver.toState(deviceInfo);
    return { driver, state };
  }

  /** The light, meter and outlet reads, which every state needs (never changed by callers). */
  private baseReads(): SmartRequest[] {
    // Built once while they stay the same (outlet and hub reads may vary: always built afresh).
    if (!this.outlets && !this.hub && this.polled?.emeterData === this.emeterData)
      return this.polled.reads;
    const reads: SmartRequest[] = [{ method: 'get_device_info' }];
    if (this.capabilities.energy) reads.push({ method: 'get_energy_usage' });
    if (this.emeterData) reads.push({ method: 'get_emeter_data' });
    if (this.outlets) reads.push(...this.outlets.readRequests());
    else if (this.hub) reads.push(...this.hub.readRequests());
    else this.polled = { emeterData: this.emeterData, reads };
    return reads;
  }

  /** The base reads plus the settings that are due, as many as `room` more requests allow. */
  private readRequests(room: number): SmartRequest[] {
    const reads = this.baseReads();
    const due = this.settings.due(room - reads.length);
    return due.length === 0 ? reads : [...reads, ...due];
  }

  /**
   * State from the read outcomes at the end of a batch (in readRequests' order); getters other
   * than the info may fail harmlessly.
   */
  private async stateFrom(reads: SmartOutcome[]): Promise<LampState> {
    const state = this.ownStateFrom(reads);
    if (this.hub) return this.hubState(state, this.info, reads);
    if (!this.outlets) return state;
    const first = reads.findIndex((r) => r.method === 'get_child_device_list');
    const count = this.outlets.readRequests().length;
    return summarise(state, await this.outlets.outletsFrom(reads.slice(first, first + count)));
  }

  /** The device's own state (light, meter, settings) from the read outcomes; no children. */
  private ownStateFrom(reads: SmartOutcome[]): LampState {
    const info = deviceInfoOf(unwrap(reads[0] as SmartOutcome), this.protocol.address);
    const result = (method: string) => {
      const outcome = reads.find((r) => r.method === method);
      return outcome?.ok ? (outcome.result as Info) : undefined;
    };
    // A meter read left out of a batch keeps its last value; a refused get_emeter_data stops.
    const asked = (method: string) => reads.some((r) => r.method === method);
    if (asked('get_energy_usage')) this.energy = result('get_energy_usage');
    if (asked('get_emeter_data')) {
      this.emeter = result('get_emeter_data');
      if (!this.emeter) this.emeterData = false;
    }
    this.settings.absorb(reads);
    return this.toState(info, this.energy, this.emeter);
  }

  /** A hub's state: its own, its siren's, and every child's from the list read with it. */
  private async hubState(own: LampState, info: Info, reads: SmartOutcome[]): Promise<LampState> {
    const hub = this.hub as SmartHub;
    const list = reads.filter((r) => r.method === 'get_child_device_list');
    const state: LampState = { ...own, children: await hub.childrenFrom(list) };
    if (this.capabilities.alarm) {
      state.alarm = info.in_alarm === true;
      state.alarmSounds = [...hub.alarmSounds];
    }
    return state;
  }

  private toState(info: Info, energy?: Info, emeter?: Info): LampState {
    this.info = info;
    // The same reply objects (the protocol re-uses the parse of a byte-identical reply) and the
    // same settings make the same state: a poll of an unchanged device maps nothing.
    const last = this.mapped;
    const settings = this.settings.version;
    if (last?.info === info && last.settings === settings) {
      // A meter reply that differs only in what the state does not show (its clock) counts as
      // the same: the protocol re-uses the info's parse when only the meter's part changed.
      const same =
        (last.energy === energy && last.emeter === emeter) ||
        sameMeterReadings(last, { energy, emeter });
      if (same) {
        last.energy = energy;
        last.emeter = emeter;
        return last.state;
      }
    }
    const state = smartState(info, this.capabilities, energy, {
      emeter,
      settings: this.settings.values(),
    });
    this.segments?.addTo(state, info);
    this.mapped = { info, energy, emeter, settings, state };
    return state;
  }

  /** A poll: one device request (one batch), the settings that are due filling its free places. */
  async readState(): Promise<LampState> {
    const reads = this.readRequests(this.protocol.batchSize);
    const outcomes = await this.protocol.callAll(reads, POLL);
    // A device without outlets or children maps its state without waiting for anything.
    return this.outlets || this.hub ? this.stateFrom(outcomes) : this.ownStateFrom(outcomes);
  }

  async resolve(command: LampCommand): Promise<LampCommand> {
    // A setting is written from its last read (python-kasa does the same): read it first if
    // no poll has yet.
    if (command.alarm) {
      checkHubProperties(command, {
        alarm: this.capabilities.alarm,
        model: this.model,
        sounds: this.hub?.alarmSounds,
      });
    }
    const missing = this.settings.unread(command);
    if (missing.length > 0) this.settings.absorb(await this.protocol.callAll(missing));
    return resolvePreset(command, this.settings.presets, this.model);
  }

  async energyHistory(
    query: EnergyHistoryQuery,
    now: number,
    outlet?: Outlet,
  ): Promise<EnergyPoint[]> {
    const plan = smartHistoryPlan(query);
    if (!outlet) {
      const outcomes = await this.protocol.callAll(plan.requests);
      return plan.points(outcomes.map(unwrap), now);
    }
    // An outlet's history: the same blocks, each asked of the outlet through control_child.
    const outcomes = await this.protocol.callAll(
      plan.requests.map((request) => controlChild(outlet.id, [request])),
    );
    return plan.points(
      outcomes.map((outcome) => childResult(unwrap(outcome), this.protocol.address)),
      now,
    );
  }

  async apply(input: LampCommand, options: ApplyOptions = {}): Promise<LampState> {
    try {
      return await this.applyOnce(input, options.preview === true);
    } catch (error) {
      // A strip that does not take previews gets the painting saved (docs/protocols/segments.md §4).
      const refused =
        error instanceof DeviceError &&
        this.segments?.previewRefused(error.method, error.deviceCode) === true;
      if (!refused) throw error;
      return this.applyOnce(input, false);
    }
  }

  private async applyOnce(input: LampCommand, preview: boolean): Promise<LampState> {
    if (this.outlets && touchesLight(input)) return this.switchAll(input);
    let command = input;
    if (command.toggle) {
      const info = deviceInfoOf(await this.protocol.call('get_device_info'), this.protocol.address);
      this.info = info;
      command = { ...command, on: info.device_on !== true };
    }
    const settings = this.settings.writes(command);
    const paint = this.paintWrites(command, preview);
    const writes = [
      ...(paint ?? (touchesLight(command) ? this.writeRequests(command) : [])),
      ...settings.requests,
    ];
    if (command.alarm && this.hub) writes.push(this.hub.alarmRequest(command.alarm));
    // Settings are left to polls, so a command's batch stays its writes plus the state; a
    // command with many writes leaves out the meter reads (their last values stand) rather
    // than cost a second round trip. A strip's outlet reads always go (its state needs them).
    const base = this.baseReads();
    const reads = this.outlets
      ? base
      : base.slice(0, Math.max(1, this.protocol.batchSize - writes.length));
    // No re-query after a failed write: the rest of a combined change must not happen alone.
    const outcomes = await this.protocol.callAll([...writes, ...reads], { requeryMissing: false });
    for (const outcome of outcomes.slice(0, writes.length)) unwrap(outcome);
    settings.confirm();
    this.segments?.confirm();
    const state = await this.stateFrom(outcomes.slice(writes.length));
    // A colour, white or effect ends a painting: where the strip still shows it, end it.
    if (this.segments && endsPainting(command) && painting(this.info)) {
      return this.writeThenRead([await this.segments.stopRequest(this.protocol, this.info)]);
    }
    return state;
  }

  /** A painting's writes (or a repaint at a new brightness); undefined for other commands. */
  private paintWrites(command: LampCommand, preview: boolean): SmartRequest[] | undefined {
    const segments = this.segments;
    if (!segments) return undefined;
    if (command.segments === undefined && !segments.repaints(command, this.info)) return undefined;
    const effect = this.info.lighting_effect as { enable?: unknown } | undefined;
    const running = effect?.enable === 1 || effect?.enable === true;
    const stop = running ? this.effectRequest({ effect: 'off' }) : undefined;
    return segments.writes(command, this.info, preview, stop);
  }

  /**
   * A strip's parent has no switch of its own: `{ on }` switches every outlet, sent together
   * with the read of the new state (one request where the batch holds them all). Settings of
   * the strip itself (its LED, auto-update) go in the same batch.
   */
  private async switchAll(command: LampCommand): Promise<LampState> {
    const outlets = this.outlets as SmartOutlets;
    const current = await this.readState();
    const list = current.outlets ?? [];
    const on = command.toggle ? !current.on : (command.on ?? true);
    const settings = this.settings.writes(command);
    const writes = [
      ...list.map((outlet) => outlets.switchRequest(outlet, on)),
      ...settings.requests,
    ];
    const state = await this.writeThenRead(writes);
    settings.confirm();
    return state;
  }

  /** One outlet's command (on/off/toggle; brightness on lamp sockets), then the strip's state. */
  async applyToOutlet(command: LampCommand, outlet: Outlet): Promise<LampState> {
    const outlets = this.outlets;
    if (!outlets) throw new MalformedResponseError(this.protocol.address, 'no outlets');
    const writes: SmartRequest[] = [];
    // A settings-only command (auto-off) leaves the outlet's power as it is.
    if (touchesLight(command)) {
      let on = command.on ?? true;
      if (command.toggle) {
        const fresh = (await this.readState()).outlets?.find((o) => o.id === outlet.id);
        on = !(fresh ?? outlet).on;
      }
      writes.push(outlets.switchRequest(outlet, on, command.brightness));
    }
    const autoOff = command.autoOff ? outlets.autoOffRequest(outlet, command.autoOff) : undefined;
    if (autoOff) writes.push(autoOff);
    // The list read with the writes says whether auto-off is on; the minutes are what we wrote.
    return this.writeThenRead(writes, () => {
      if (autoOff) outlets.rememberAutoOff(outlet, autoOff);
    });
  }

  /** Raw request to one outlet, through control_child; the outlet's decoded answer. */
  async requestToOutlet(outlet: Outlet, method: string, params?: unknown): Promise<unknown> {
    return this.requestToChild(outlet.id, method, params);
  }

  /** Raw request to one child (outlet or hub child), through control_child. */
  async requestToChild(id: string, method: string, params?: unknown): Promise<unknown> {
    const result = await this.protocol.call(
      'control_child',
      controlChild(id, [{ method, params }]).params,
    );
    return childResult(result, this.protocol.address);
  }

  /** Refuses what a hub child cannot take (nothing sent); returns the command as it stands. */
  checkChildCommand(command: LampCommand, child: HubChild): LampCommand {
    if (!this.hub) throw new MalformedResponseError(this.protocol.address, 'not a hub');
    this.hub.childRequest(command, child);
    return command;
  }

  /** A command to one hub child (switch, valve), then the hub's state with the child's. */
  async applyToChild(command: LampCommand, child: HubChild): Promise<LampState> {
    const hub = this.hub;
    if (!hub) throw new MalformedResponseError(this.protocol.address, 'not a hub');
    let current = child;
    if (command.toggle) {
      // A toggle flips what the child is now, not what the last poll saw.
      const fresh = (await this.readState()).children?.find((c) => c.id === child.id);
      current = fresh ?? child;
    }
    return this.writeThenRead([hub.childRequest(command, current)]);
  }

  outletCapabilities(outlet: Outlet): Capabilities {
    // Outlets meter as an energy plug does: a v2 meter keeps hours, days and months.
    const history: EnergyInterval[] = this.outlets?.keepsHistory(outlet)
      ? ['hour', 'day', 'month']
      : [];
    return outletCapabilities(this.capabilities, outlet, {
      energyHistory: history,
      autoOff: this.outlets?.hasAutoOff(outlet) === true,
    });
  }

  /** Writes and the state's read in one batch; `written` runs once every write succeeded. */
  private async writeThenRead(writes: SmartRequest[], written = () => {}): Promise<LampState> {
    const reads = this.baseReads();
    const outcomes = await this.protocol.callAll([...writes, ...reads], { requeryMissing: false });
    for (const outcome of outcomes.slice(0, writes.length)) {
      const result = unwrap(outcome);
      if (outcome.method === 'control_child') childResult(result, this.protocol.address);
    }
    written();
    return this.stateFrom(outcomes.slice(writes.length));
  }

  /** The light set requests for a command, in the order the device should apply them. */
  private writeRequests(command: LampCommand): SmartRequest[] {
    const strip = this.capabilities.kind === 'strip';
    const namedEffect = command.effect !== undefined && command.effect !== 'off';
    const params: Info = {};
    if (command.on !== undefined) params.device_on = command.on;
    // On a strip the effect carries its own brightness.
    Object.assign(
      params,
      lightFields(strip && namedEffect ? { ...command, brightness: undefined } : command),
    );
    if (command.on === undefined && (changesLight(command) || namedEffect)) params.device_on = true;

    const writes: SmartRequest[] = [];
    const effect = command.effect === undefined ? undefined : this.effectRequest(command);
    // Stop an effect before setting a colour; start one after switching on.
    if (effect && !namedEffect) writes.push(effect);
    if (Object.keys(params).length > 0) writes.push({ method: 'set_device_info', params });
    if (effect && namedEffect) writes.push(effect);
    return writes;
  }

  private effectRequest(command: LampCommand): SmartRequest {
    const name = command.effect as string;
    if (this.capabilities.kind !== 'strip') {
      if (name === 'off')
        return { method: 'set_dynamic_light_effect_rule_enable', params: { enable: false } };
      const rule = BULB_EFFECTS.find((e) => e.name === name);
      return {
        method: 'set_dynamic_light_effect_rule_enable',
        params: { enable: true, id: rule?.id ?? name },
      };
    }
    const current = (this.info.lighting_effect ?? {}) as Info;
    if (name === 'off') {
      // Devices stop an effect when sent the same effect with enable 0.
      const known = typeof current.name === 'string' ? findStripEffect(current.name) : undefined;
      return {
        method: 'set_lighting_effect',
        params: known ? { ...known, enable: 0 } : { id: current.id ?? '', enable: 0 },
      };
    }
    const effect = findStripEffect(name);
    const brightness =
      command.brightness ??
      (typeof current.brightness === 'number' && current.brightness > 0 ? current.brightness : 100);
    return { method: 'set_lighting_effect', params: { ...effect, brightness } };
  }

  async request(method: string, params?: unknown): Promise<unknown> {
    return this.protocol.call(method, params);
  }
}

/** get_device_info's result, which must be an object: anything else is a malformed reply. */
function deviceInfoOf(result: unknown, address: string): Info {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new MalformedResponseError(address, 'get_device_info did not return an object');
  }
  return result as Info;
}

/** Without component_nego, infer components from the fields get_device_info carries. */
function guessComponents(components: Map<string, number>, info: Info): void {
  const add = (id: string) => components.set(id, 1);
  if (typeof info.brightness === 'number') add('brightness');
  if (typeof info.hue === 'number') add('color');
  if (Array.isArray(info.color_temp_range)) add('color_temperature');
  if (typeof info.lighting_effect === 'object') {
    add('light_strip');
    add('light_strip_lighting_effect');
  }
  if ('dynamic_light_effect_enable' in info) add('light_effect');
}
