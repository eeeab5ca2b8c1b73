/**
 * Kasa IOT devices (over KLAP or the legacy protocol): state from system.get_sysinfo, plus the
 * meter's get_realtime and today's get_daystat where the device meters. A command and the read
 * of the new state travel in one nested request: the device answers each module.method in turn,
 * in the order they are written, so writes come first and `system` (which also holds the read)
 * is always the last module written.
 */
import { InvalidCommandError, quoteInput } from '../transport/errors';
import { iotCapabilities } from './capabilities';
import type { Identify } from './driver';
import { changesLight, type DeviceDriver, lightFields, touchesLight } from './driver';
import { findStripEffect } from './effects';
import { iotHistoryPoints, iotHistoryRequests } from './features/energy-history';
import { resolvePreset } from './features/presets';
import { type IotClass, iotClass, iotMeterModule } from './iot-models';
import type { IotProtocol, IotRequest } from './iot-protocol';
import { iotOutlets, toOutlet, withOutletEnergy } from './outlets/iot-outlets';
import { outletCapabilities, summarise } from './outlets/outlet';
import {
  type DeviceSettings,
  type IotEnergy,
  iotEntryWh,
  iotState,
  modelWithoutRegion,
} from './state';
import type {
  Capabilities,
  EnergyHistoryQuery,
  EnergyInterval,
  EnergyPoint,
  LampCommand,
  LampState,
  Outlet,
  Preset,
} from './types';

type Info = Record<string, unknown>;
/** One write: module, method, params. */
type Write = [string, string, Info];

const SYSTEM = 'system';
const BULB_SERVICE = 'smartlife.iot.smartbulb.lightingservice';
const STRIP_SERVICE = 'smartlife.iot.lightStrip';
const EFFECT_SERVICE = 'smartlife.iot.lighting_effect';
const DIMMER_SERVICE = 'smartlife.iot.dimmer';

export class IotDriver implements DeviceDriver {
  readonly dialect = 'iot' as const;
  readonly model: string;
  private readonly kind: IotClass;
  /** The last sysinfo read: a dimmer's brightness and a strip's running effect come from it. */
  private sysinfo: Info;
  /** Whether the dimmer has reported its fade times at least once. */
  private fadeSeen = false;

  private constructor(
    private readonly protocol: IotProtocol,
    readonly capabilities: Capabilities,
    sysinfo: Info,
    private readonly now: () => Date,
  ) {
    this.model = modelWithoutRegion(sysinfo.model);
    this.kind = iotClass(sysinfo);
    this.sysinfo = sysinfo;
  }

  static async open(
    protocol: IotProtocol,
    now: () => Date = () => new Date(),
    identify?: Identify,
  ): Promise<{ driver: IotDriver; state: LampState }> {
    const sysinfo = await protocol.call(SYSTEM, 'get_sysinfo');
    // Who answers decides whether anything more is sent (a different device is refused).
    identify?.(sysinfo);
    const capabilities = iotCapabilities(sysinfo);
    if (iotClass(sysinfo) === 'strip') capabilities.outlets = true;
    const driver = new IotDriver(protocol, capabilities, sysinfo, now);
    const state =
      driver.capabilities.energy || capabilities.outlets || driver.capabilities.fade
        ? await driver.readState()
        : iotState(sysinfo, driver.capabilities);
    return { driver, state };
  }

  /** The reads that make up the state, to append to any request. */
  private reads(today: Date): IotRequest {
    const reads: IotRequest = { [SYSTEM]: { get_sysinfo: {} } };
    if (this.capabilities.energy) {
      reads[iotMeterModule(this.kind)] = {
        get_realtime: {},
        get_daystat: { year: today.getFullYear(), month: today.getMonth() + 1 },
        get_monthstat: { year: today.getFullYear() },
      };
    }
    // A dimmer's fade times sit beside its brightness module; reading them costs no request.
    if (this.capabilities.fade) reads[DIMMER_SERVICE] = { get_dimmer_parameters: {} };
    return reads;
  }

  /** Fade times from get_dimmer_parameters (ms already), where the dimmer answered them. */
  private settingsFrom(reply: Record<string, Record<string, unknown>>): DeviceSettings {
    if (!this.capabilities.fade) return {};
    const parameters = this.optional(reply, DIMMER_SERVICE, 'get_dimmer_parameters');
    const on = parameters?.fadeOnTime;
    const off = parameters?.fadeOffTime;
    if (typeof on !== 'number' || typeof off !== 'number') {
      // Dimmer firmware without fade times (docs/features.md §2): the first read, made at open,
      // settles it, so `fade` is refused before sending from then on. A later failure only
      // leaves `fade` out of that one state.
      if (!this.fadeSeen) this.capabilities.fade = false;
      return {};
    }
    this.fadeSeen = true;
    return { fade: { on, off } };
  }

  /** State from a reply holding the reads; a meter that fails only leaves power out. */
  private stateFrom(reply: Record<string, Record<string, unknown>>, today: Date): LampState {
    const sysinfo = this.protocol.result(reply, SYSTEM, 'get_sysinfo');
    this.sysinfo = sysinfo;
    let energy: IotEnergy | undefined;
    if (this.capabilities.energy) {
      const meter = iotMeterModule(this.kind);
      energy = {
        realtime: this.optional(reply, meter, 'get_realtime'),
        daystat: this.optional(reply, meter, 'get_daystat'),
        monthstat: this.optional(reply, meter, 'get_monthstat'),
        today,
      };
    }
    return iotState(sysinfo, this.capabilities, energy, this.settingsFrom(reply));
  }

  private optional(reply: Record<string, Record<string, unknown>>, module: string, method: string) {
    try {
      return this.protocol.result(reply, module, method);
    } catch {
      return undefined;
    }
  }

  async readState(): Promise<LampState> {
    const today = this.now();
    return this.withOutlets(
      this.stateFrom(await this.protocol.send(this.reads(today)), today),
      today,
    );
  }

  /**
   * A strip's state lists its outlets; a metering strip (HS300) adds each outlet's energy,
   * which costs one request per outlet.
   */
  private async withOutlets(state: LampState, today: Date): Promise<LampState> {
    if (!this.capabilities.outlets) return state;
    let outlets = iotOutlets(this.sysinfo);
    if (String(this.sysinfo.feature ?? '').includes('ENE')) {
      outlets = await withOutletEnergy(this.protocol, outlets, today);
    }
    return summarise(state, outlets);
  }

  /** One outlet's command: its relay, addressed through the request's context. */
  async applyToOutlet(command: LampCommand, outlet: Outlet): Promise<LampState> {
    let on = command.on ?? true;
    if (command.toggle) {
      const fresh = (await this.readState()).outlets?.find((o) => o.id === outlet.id);
      on = !(fresh ?? outlet).on;
    }
    const reply = await this.protocol.send(
      toOutlet(outlet, { [SYSTEM]: { set_relay_state: { state: on ? 1 : 0 } } }),
    );
    this.protocol.result(reply, SYSTEM, 'set_relay_state');
    return this.readState();
  }

  /** Raw "module.method" request to one outlet. */
  async requestToOutlet(outlet: Outlet, method: string, params?: unknown): Promise<unknown> {
    const [module, name] = splitMethod(method);
    const reply = await this.protocol.send(
      toOutlet(outlet, { [module]: { [name]: params ?? {} } }),
    );
    const { err_code: _code, ...result } = this.protocol.result(reply, module, name);
    return result;
  }

  async apply(input: LampCommand): Promise<LampState> {
    let command = input;
    if (command.toggle) command = { ...command, on: !(await this.readState()).on };
    const writes = [
      ...(touchesLight(command) ? this.writesFor(command) : []),
      ...this.settingWrites(command),
    ];
    const today = this.now();
    const request: IotRequest = {};
    for (const [module, method, params] of writes) {
      request[module] = { ...request[module], [method]: params };
    }
    // Reads last: `system` may already hold a write, and get_sysinfo must come after it.
    for (const [module, methods] of Object.entries(this.reads(today))) {
      request[module] = { ...request[module], ...methods };
    }
    const reply = await this.protocol.send(request);
    for (const [module, method] of writes) this.protocol.result(reply, module, method);
    // A strip's own set_relay_state (no context) switches every outlet at once.
    return this.withOutlets(this.stateFrom(reply, today), today);
  }

  /** LED (system.set_led_off) and a dimmer's fade times (ms, as the device keeps them). */
  private settingWrites(command: LampCommand): Write[] {
    const writes: Write[] = [];
    if (command.led !== undefined)
      writes.push([SYSTEM, 'set_led_off', { off: command.led ? 0 : 1 }]);
    if (command.fade?.on !== undefined) {
      writes.push([DIMMER_SERVICE, 'set_fade_on_time', { fadeTime: command.fade.on }]);
    }
    if (command.fade?.off !== undefined) {
      writes.push([DIMMER_SERVICE, 'set_fade_off_time', { fadeTime: command.fade.off }]);
    }
    return writes;
  }

  async resolve(command: LampCommand): Promise<LampCommand> {
    const presets = iotState(this.sysinfo, this.capabilities).presets as Preset[] | undefined;
    return resolvePreset(command, presets, this.model);
  }

  /**
   * One request per month (days) or year (months): a year of a bulb's days in one reply would
   * pass the ~4 KiB some firmware can answer (docs/features.md §4).
   */
  async energyHistory(
    query: EnergyHistoryQuery,
    now: number,
    outlet?: Outlet,
  ): Promise<EnergyPoint[]> {
    const meter = iotMeterModule(this.kind);
    const lists: unknown[] = [];
    for (const { method, params } of iotHistoryRequests(query)) {
      // An outlet's own meter (HS300) answers the same requests aimed by the context.
      const result = outlet
        ? this.protocol.result(
            await this.protocol.send(toOutlet(outlet, { [meter]: { [method]: params } })),
            meter,
            method,
          )
        : await this.protocol.call(meter, method, params);
      lists.push(method === 'get_daystat' ? result.day_list : result.month_list);
    }
    return iotHistoryPoints(query, lists, iotEntryWh, now);
  }

  /** An outlet that meters keeps days and months, as the strip's other meters do. */
  outletCapabilities(outlet: Outlet): Capabilities {
    const history: EnergyInterval[] = outlet.power === undefined ? [] : ['day', 'month'];
    return outletCapabilities(this.capabilities, outlet, { energyHistory: history });
  }

  private writesFor(command: LampCommand): Write[] {
    switch (this.kind) {
      case 'bulb':
        return [[BULB_SERVICE, 'transition_light_state', this.lightParams(command, true)]];
      case 'lightstrip':
        return this.stripWrites(command);
      case 'dimmer':
        return this.dimmerWrites(command);
      default:
        return [[SYSTEM, 'set_relay_state', { state: command.on === false ? 0 : 1 }]];
    }
  }

  /** transition_light_state / set_light_state params: on_off always, a light change means on. */
  private lightParams(command: LampCommand, withTransition: boolean): Info {
    const light: Info = { on_off: command.on === false ? 0 : 1, ...lightFields(command) };
    if (withTransition && command.transition !== undefined) {
      light.transition_period = command.transition;
    }
    // Turning on with nothing else restores the previous light (ignore_default 0).
    const onlyPower = Object.keys(light).every((k) => k === 'on_off' || k === 'transition_period');
    light.ignore_default = onlyPower && light.on_off === 1 ? 0 : 1;
    return light;
  }

  private stripWrites(command: LampCommand): Write[] {
    const lightChange = command.on !== undefined || changesLight(command);
    if (command.effect === undefined) {
      return [[STRIP_SERVICE, 'set_light_state', this.lightParams(command, false)]];
    }
    const current = (this.sysinfo.lighting_effect_state ?? {}) as Info;
    if (command.effect === 'off') {
      // Stopping is the running effect sent again with enable 0; then any light change.
      const known = typeof current.name === 'string' ? findStripEffect(current.name) : undefined;
      const stop = known ? { ...iotEffect(known), enable: 0 } : { ...current, enable: 0 };
      const writes: Write[] = [[EFFECT_SERVICE, 'set_lighting_effect', stop]];
      if (lightChange) {
        writes.push([STRIP_SERVICE, 'set_light_state', this.lightParams(command, false)]);
      }
      return writes;
    }
    // The effect carries its own brightness; starting one switches the strip on.
    const effect = findStripEffect(command.effect);
    const brightness =
      command.brightness ??
      (typeof current.brightness === 'number' && current.brightness > 0 ? current.brightness : 100);
    return [
      [
        EFFECT_SERVICE,
        'set_lighting_effect',
        { ...iotEffect(effect ?? {}), brightness, enable: 1 },
      ],
    ];
  }

  /**
   * Dimmers switch with system.set_relay_state and dim with smartlife.iot.dimmer; a transition
   * is set_dimmer_transition to a brightness (0 = off) over a duration, which the firmware
   * wants above 0 ms.
   */
  private dimmerWrites(command: LampCommand): Write[] {
    const writes: Write[] = [];
    const on = command.on ?? true;
    if (command.transition !== undefined) {
      const duration = Math.max(1, command.transition);
      if (!on) {
        if (command.brightness !== undefined) {
          writes.push([DIMMER_SERVICE, 'set_brightness', { brightness: command.brightness }]);
        }
        writes.push([DIMMER_SERVICE, 'set_dimmer_transition', { brightness: 0, duration }]);
        return writes;
      }
      const current = typeof this.sysinfo.brightness === 'number' ? this.sysinfo.brightness : 100;
      const brightness = command.brightness ?? Math.max(1, current);
      return [[DIMMER_SERVICE, 'set_dimmer_transition', { brightness, duration }]];
    }
    if (command.brightness !== undefined) {
      writes.push([DIMMER_SERVICE, 'set_brightness', { brightness: command.brightness }]);
    }
    writes.push([SYSTEM, 'set_relay_state', { state: on ? 1 : 0 }]);
    return writes;
  }

  /** Raw request as "module.method" (module names contain dots, so split at the last one). */
  async request(method: string, params?: unknown): Promise<unknown> {
    const [module, name] = splitMethod(method);
    return this.protocol.call(module, name, params ?? {});
  }
}

/** "module.method" split at the last dot (module names contain dots). */
function splitMethod(method: string): [string, string] {
  const dot = method.lastIndexOf('.');
  if (dot <= 0 || dot === method.length - 1) {
    throw new InvalidCommandError(
      'method',
      `Kasa (IOT) requests are named "module.method", e.g. "system.get_sysinfo" (got ${quoteInput(method)})`,
    );
  }
  return [method.slice(0, dot), method.slice(dot + 1)];
}

/** A built-in effect as Kasa strips take it: the definition without the Tapo app's colours. */
function iotEffect(effect: object): Info {
  const { display_colors: _shown, ...definition } = effect as Info;
  return { ...definition, custom: 0 };
}
