/**
 * The JSON side of an emulated Kasa IOT device (HS100 over KLAP v1, and the legacy bulbs, light
 * strips, dimmers and plugs): nested module/method requests answered in the same shape, each
 * method with its err_code, a module the device lacks with "module not support" (-1), a method it
 * lacks with "method not support" (-2), bad args with "invalid argument" (-3). Which modules a
 * device has follows its class (iot/service.ts `deviceClass`); each module is in src/emulator/iot.
 */
import { dimmerService } from './iot/dimmer';
import { type EnergyMeter, emeterService, lampMeter, relayMeter } from './iot/emeter';
import { bulbLightService, LampLight, stripLightService } from './iot/light';
import { lightingEffectService, stopEffect } from './iot/lighting-effect';
import { IotOutlets } from './iot/outlets';
import {
  deviceClass,
  INVALID_ARGUMENT,
  type IotCall,
  type IotContext,
  type IotService,
  METHOD_NOT_SUPPORTED,
  MODULE_NOT_SUPPORTED,
} from './iot/service';
import { commonSystemService, type RelayClock, systemService } from './iot/system';
import { isObject, type Json, parseObject } from './json';
import type { IotModel } from './model-types';

export interface IotDeviceFaults {
  /** Answer the next requests with these module-level err_codes, one per request. */
  errorCodes: number[];
}

export class EmulatedIotDevice {
  faults: IotDeviceFaults = { errorCodes: [] };
  readonly counters = { requests: 0, methods: {} as Record<string, number> };
  onReboot: (() => void) | undefined;
  private readonly context: IotContext;
  private readonly services = new Map<string, IotService>();
  /** Every meter the device has: one, or one per outlet of a metering strip. */
  private readonly meters: EnergyMeter[] = [];
  /** A strip's outlets; undefined on other devices. */
  private readonly outlets: IotOutlets | undefined;

  constructor(
    readonly model: IotModel,
    options: { alias?: string; clock?: () => number } = {},
  ) {
    const sysinfo = model.sysinfo;
    if (options.alias !== undefined) sysinfo.alias = options.alias;
    this.context = {
      model,
      sysinfo,
      clock: options.clock ?? Date.now,
      lastTransitionMs: undefined,
    };
    const relay: RelayClock = {
      onSince: sysinfo.relay_state === 1 ? this.context.clock() : undefined,
    };
    const reboot = () => this.onReboot?.();
    const kind = deviceClass(sysinfo);
    if (kind === 'strip') this.outlets = new IotOutlets(this.context);
    this.add(systemService(this.context, relay, reboot, this.outlets));
    if (kind === 'bulb' || kind === 'lightstrip') {
      const light = new LampLight(this.context);
      this.add(commonSystemService(this.context, reboot));
      if (kind === 'bulb') this.add(bulbLightService(light));
      else {
        this.add(stripLightService(light, this.context, () => stopEffect(this.context)));
        if (isObject(sysinfo.lighting_effect_state)) {
          this.add(lightingEffectService(this.context, light));
        }
      }
      if (model.emeter)
        this.addMeter('smartlife.iot.common.emeter', [
          lampMeter(model.emeter, this.context, light),
        ]);
    } else if (this.outlets) {
      const outlets = this.outlets;
      if (outlets.meters.length > 0)
        this.addMeter('emeter', outlets.meters, (call) => outlets.meterFor(call));
    } else {
      if (kind === 'dimmer') this.add(dimmerService(this.context, relay));
      if (model.emeter) this.addMeter('emeter', [relayMeter(model.emeter, this.context)]);
    }
  }

  private add(service: IotService): void {
    this.services.set(service.module, service);
  }

  /** The meter module over `meters`; `pick` chooses the one a request reads (default: the only). */
  private addMeter(
    module: string,
    meters: EnergyMeter[],
    pick: (call: IotCall) => EnergyMeter = () => meters[0],
  ): void {
    this.meters.push(...meters);
    this.add(emeterService(module, pick));
  }

  /** The live sysinfo (for assertions). */
  get info(): Json {
    return this.context.sysinfo;
  }

  /** The last transition asked for in ms (transition_period, a dimmer's duration). */
  get lastTransitionMs(): number | undefined {
    return this.context.lastTransitionMs;
  }

  handle(plaintext: string): string {
    this.counters.requests++;
    const request = parseObject(plaintext);
    if (!request) return JSON.stringify({ err_code: -3, err_msg: 'invalid json' });
    // Energy drawn so far counts at the power before this request changes anything.
    for (const meter of this.meters) meter.accrue();
    const injected = this.faults.errorCodes.shift();
    const { context, ...modules } = request;
    const call = this.callOf(context);
    const reply: Json = {};
    for (const [module, methods] of Object.entries(modules)) {
      if (injected !== undefined) reply[module] = { err_code: injected, err_msg: 'injected fault' };
      // Naming an outlet the strip lacks fails every module of the request, changing nothing.
      else if (!call) reply[module] = { ...INVALID_ARGUMENT };
      else reply[module] = this.runModule(module, methods, call);
    }
    return JSON.stringify(reply);
  }

  /**
   * The outlets a request's `context.child_ids` names; undefined when it names one the strip
   * lacks. Devices without outlets ignore a context.
   */
  private callOf(context: unknown): IotCall | undefined {
    const ids = isObject(context) ? context.child_ids : undefined;
    if (!this.outlets || ids === undefined) return { children: undefined };
    if (!Array.isArray(ids)) return undefined;
    const children = this.outlets.resolve(ids.map(String));
    return children ? { children } : undefined;
  }

  private runModule(module: string, methods: unknown, call: IotCall): Json {
    const { getters, unsupportedMethods, moduleError } = this.context.model;
    const known: KnownModule = {
      service: this.services.get(module),
      given: getters?.[module],
      stubs: unsupportedMethods?.[module],
    };
    if (!isObject(methods) || (!known.service && !known.given && !known.stubs)) {
      return { ...(moduleError ?? MODULE_NOT_SUPPORTED) };
    }
    const reply: Json = {};
    for (const [method, args] of Object.entries(methods)) {
      const name = `${module}.${method}`;
      this.counters.methods[name] = (this.counters.methods[name] ?? 0) + 1;
      reply[method] = runMethod(known, method, args, call);
    }
    return reply;
  }
}

/** What answers a module: our service, answers given by the model, methods it cannot serve. */
interface KnownModule {
  service: IotService | undefined;
  given: Record<string, Record<string, unknown>> | undefined;
  stubs: string[] | undefined;
}

/** Our method first, then a given answer, then -1 for a method the firmware cannot serve, else -2. */
function runMethod(known: KnownModule, method: string, args: unknown, call: IotCall): Json {
  const { service, given, stubs } = known;
  if (service && Object.hasOwn(service.methods, method)) return service.methods[method](args, call);
  if (given && Object.hasOwn(given, method))
    return { ...structuredClone(given[method]), err_code: 0 };
  if (stubs?.includes(method)) return { ...MODULE_NOT_SUPPORTED };
  return { ...METHOD_NOT_SUPPORTED };
}
