/**
 * Tapo SMART devices: capabilities from component_nego + get_device_info, state from
 * get_device_info (+ get_energy_usage on energy plugs), and commands sent together with the read
 * of the new state in one multipleRequest, so a change costs one round trip.
 */
import { MalformedResponseError } from '../transport/errors';
import { componentIds, smartCapabilities } from './capabilities';
import { changesLight, type DeviceDriver, lightFields } from './driver';
import { BULB_EFFECTS, findStripEffect } from './effects';
import { summarise } from './outlets/outlet';
import { childResults, controlChild, SmartOutlets } from './outlets/smart-outlets';
import { type SmartOutcome, type SmartProtocol, type SmartRequest, unwrap } from './smart-protocol';
import { modelWithoutRegion, smartState } from './state';
import type { Capabilities, LampCommand, LampState, Outlet } from './types';

type Info = Record<string, unknown>;

export class SmartDriver implements DeviceDriver {
  readonly dialect = 'smart' as const;
  readonly model: string;
  /** The last get_device_info, kept to stop the running strip effect by its own id. */
  private info: Info;

  private constructor(
    private readonly protocol: SmartProtocol,
    readonly capabilities: Capabilities,
    info: Info,
    /** Power strips and multi-outlet plugs only. */
    private readonly outlets?: SmartOutlets,
  ) {
    this.info = info;
    this.model = modelWithoutRegion(info.model);
  }

  /**
   * Negotiate: component_nego and get_device_info in one batch. Throws NotSmartReplyError (from
   * the protocol) when the device answers in another dialect.
   */
  static async open(protocol: SmartProtocol): Promise<{ driver: SmartDriver; state: LampState }> {
    const [nego, info] = await protocol.callAll([
      { method: 'component_nego' },
      { method: 'get_device_info' },
    ]);
    // Very old firmware lacks component_nego; fall back to what get_device_info shows.
    const components = nego.ok ? componentIds(nego.result) : new Set<string>();
    const deviceInfo = deviceInfoOf(unwrap(info), protocol.address);
    if (!nego.ok) guessComponents(components, deviceInfo);
    const capabilities = smartCapabilities(components, deviceInfo);
    let outlets: SmartOutlets | undefined;
    if (components.has('control_child') && components.has('child_device')) {
      outlets = await SmartOutlets.open(protocol);
      capabilities.outlets = true;
      // A strip's parent lists its outlets' features but answers none of them itself.
      capabilities.energy = false;
    }
    const driver = new SmartDriver(protocol, capabilities, deviceInfo, outlets);
    const state =
      driver.capabilities.energy || outlets ? await driver.readState() : driver.toState(deviceInfo);
    return { driver, state };
  }

  private readRequests(): SmartRequest[] {
    const reads: SmartRequest[] = [{ method: 'get_device_info' }];
    if (this.capabilities.energy) reads.push({ method: 'get_energy_usage' });
    if (this.outlets) reads.push(...this.outlets.readRequests());
    return reads;
  }

  /** State from the read outcomes at the end of a batch; energy getters may fail harmlessly. */
  private async stateFrom(reads: SmartOutcome[]): Promise<LampState> {
    const info = deviceInfoOf(unwrap(reads[0]), this.protocol.address);
    const energy = this.capabilities.energy && reads[1]?.ok ? (reads[1].result as Info) : undefined;
    const state = this.toState(info, energy);
    if (!this.outlets) return state;
    const first = this.capabilities.energy ? 2 : 1;
    return summarise(state, await this.outlets.outletsFrom(reads.slice(first)));
  }

  private toState(info: Info, energy?: Info): LampState {
    this.info = info;
    return smartState(info, this.capabilities, energy);
  }

  async readState(): Promise<LampState> {
    return this.stateFrom(await this.protocol.callAll(this.readRequests()));
  }

  async apply(input: LampCommand): Promise<LampState> {
    if (this.outlets) return this.switchAll(input);
    let command = input;
    if (command.toggle) {
      const info = deviceInfoOf(await this.protocol.call('get_device_info'), this.protocol.address);
      this.info = info;
      command = { ...command, on: info.device_on !== true };
    }
    const writes = this.writeRequests(command);
    const reads = this.readRequests();
    // No re-query after a failed write: the rest of a combined change must not happen alone.
    const outcomes = await this.protocol.callAll([...writes, ...reads], { requeryMissing: false });
    for (const outcome of outcomes.slice(0, writes.length)) unwrap(outcome);
    return this.stateFrom(outcomes.slice(writes.length));
  }

  /**
   * A strip's parent has no switch of its own: `{ on }` switches every outlet, sent together
   * with the read of the new state (one request where the batch holds them all).
   */
  private async switchAll(command: LampCommand): Promise<LampState> {
    const outlets = this.outlets as SmartOutlets;
    const current = await this.readState();
    const list = current.outlets ?? [];
    const on = command.toggle ? !current.on : (command.on ?? true);
    const writes = list.map((outlet) => outlets.switchRequest(outlet, on));
    return this.writeThenRead(writes);
  }

  /** One outlet's command (on/off/toggle; brightness on lamp sockets), then the strip's state. */
  async applyToOutlet(command: LampCommand, outlet: Outlet): Promise<LampState> {
    const outlets = this.outlets;
    if (!outlets) throw new MalformedResponseError(this.protocol.address, 'no outlets');
    let on = command.on ?? true;
    if (command.toggle) {
      const fresh = (await this.readState()).outlets?.find((o) => o.id === outlet.id);
      on = !(fresh ?? outlet).on;
    }
    return this.writeThenRead([outlets.switchRequest(outlet, on, command.brightness)]);
  }

  /** Raw request to one outlet, through control_child; the outlet's decoded answer. */
  async requestToOutlet(outlet: Outlet, method: string, params?: unknown): Promise<unknown> {
    const result = await this.protocol.call(
      'control_child',
      controlChild(outlet.id, [{ method, params }]).params,
    );
    const data = (result as { responseData?: { result?: unknown } }).responseData;
    childResults(result, this.protocol.address);
    return data?.result ?? {};
  }

  private async writeThenRead(writes: SmartRequest[]): Promise<LampState> {
    const reads = this.readRequests();
    const outcomes = await this.protocol.callAll([...writes, ...reads], { requeryMissing: false });
    for (const outcome of outcomes.slice(0, writes.length)) {
      childResults(unwrap(outcome), this.protocol.address);
    }
    return this.stateFrom(outcomes.slice(writes.length));
  }

  /** The set requests for a command, in the order the device should apply them. */
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
function guessComponents(components: Set<string>, info: Info): void {
  if (typeof info.brightness === 'number') components.add('brightness');
  if (typeof info.hue === 'number') components.add('color');
  if (Array.isArray(info.color_temp_range)) components.add('color_temperature');
  if (typeof info.lighting_effect === 'object') {
    components.add('light_strip');
    components.add('light_strip_lighting_effect');
  }
  if ('dynamic_light_effect_enable' in info) components.add('light_effect');
}
