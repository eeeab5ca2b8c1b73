/**
 * The JSON side of an emulated Kasa IOT device (HS100 over KLAP v1): nested module/method
 * requests answered in the same shape, each with its err_code (notes §3.2).
 */
import { isObject, type Json, parseObject } from './json';
import type { IotModel } from './models';

export interface IotDeviceFaults {
  /** Answer the next requests with these module-level err_codes, one per request. */
  errorCodes: number[];
}

const MODULE_NOT_SUPPORTED = { err_code: -1, err_msg: 'module not support' };
const METHOD_NOT_SUPPORTED = { err_code: -2, err_msg: 'method not support' };
const INVALID_ARGUMENT = { err_code: -3, err_msg: 'invalid argument' };

export class EmulatedIotDevice {
  faults: IotDeviceFaults = { errorCodes: [] };
  readonly counters = { requests: 0, methods: {} as Record<string, number> };
  onReboot: (() => void) | undefined;
  private readonly sysinfo: Json;
  private readonly clock: () => number;
  private onSince: number | undefined;

  constructor(
    readonly model: IotModel,
    options: { alias?: string; clock?: () => number } = {},
  ) {
    this.sysinfo = model.sysinfo;
    if (options.alias !== undefined) this.sysinfo.alias = options.alias;
    this.clock = options.clock ?? Date.now;
  }

  /** The live sysinfo (for assertions). */
  get info(): Json {
    return this.sysinfo;
  }

  handle(plaintext: string): string {
    this.counters.requests++;
    const request = parseObject(plaintext);
    if (!request) return JSON.stringify({ err_code: -3, err_msg: 'invalid json' });
    const injected = this.faults.errorCodes.shift();
    const reply: Json = {};
    for (const [module, methods] of Object.entries(request)) {
      if (injected !== undefined) reply[module] = { err_code: injected, err_msg: 'injected fault' };
      else reply[module] = this.runModule(module, methods);
    }
    return JSON.stringify(reply);
  }

  private runModule(module: string, methods: unknown): Json {
    if (module !== 'system' || !isObject(methods)) return { ...MODULE_NOT_SUPPORTED };
    const reply: Json = {};
    for (const [method, args] of Object.entries(methods)) {
      this.counters.methods[`${module}.${method}`] =
        (this.counters.methods[`${module}.${method}`] ?? 0) + 1;
      reply[method] = this.runSystem(method, args);
    }
    return reply;
  }

  private runSystem(method: string, args: unknown): Json {
    switch (method) {
      case 'get_sysinfo':
        return { ...structuredClone(this.sysinfo), on_time: this.onTime(), err_code: 0 };
      case 'set_relay_state': {
        if (!isObject(args) || (args.state !== 0 && args.state !== 1))
          return { ...INVALID_ARGUMENT };
        if (args.state === 1 && this.sysinfo.relay_state !== 1) this.onSince = this.clock();
        if (args.state === 0) this.onSince = undefined;
        this.sysinfo.relay_state = args.state;
        return { err_code: 0 };
      }
      case 'set_dev_alias': {
        if (!isObject(args) || typeof args.alias !== 'string' || args.alias.length > 31) {
          return { ...INVALID_ARGUMENT };
        }
        this.sysinfo.alias = args.alias;
        return { err_code: 0 };
      }
      case 'set_led_off': {
        if (!isObject(args) || (args.off !== 0 && args.off !== 1)) return { ...INVALID_ARGUMENT };
        this.sysinfo.led_off = args.off;
        return { err_code: 0 };
      }
      case 'reboot':
        setImmediate(() => this.onReboot?.());
        return { err_code: 0 };
      default:
        return { ...METHOD_NOT_SUPPORTED };
    }
  }

  private onTime(): number {
    return this.onSince === undefined ? 0 : Math.floor((this.clock() - this.onSince) / 1000);
  }
}
