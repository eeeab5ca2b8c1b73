/**
 * The building blocks of an emulated IOT device: a service is one module ("system",
 * "smartlife.iot.dimmer", ...) with its methods, each answering one method's args with the
 * method's result and err_code, as the firmware nests them.
 */
import type { Json } from '../json';
import type { IotModel } from '../models';

/** One method: its args in, its answer (with err_code) out. */
export type IotMethod = (args: unknown, call: IotCall) => Json;

export interface IotService {
  readonly module: string;
  readonly methods: Readonly<Record<string, IotMethod>>;
}

/** What a method learns about the request it belongs to. */
export interface IotCall {
  /**
   * The outlets (their sysinfo `children` entries) a top-level `context.child_ids` names, or
   * undefined without one. A request naming an outlet the strip lacks never reaches a method.
   */
  children: Json[] | undefined;
}

/** What the firmware answers; the same text real devices send. */
export const MODULE_NOT_SUPPORTED = { err_code: -1, err_msg: 'module not support' } as const;
export const METHOD_NOT_SUPPORTED = { err_code: -2, err_msg: 'method not support' } as const;
export const INVALID_ARGUMENT = { err_code: -3, err_msg: 'invalid argument' } as const;
export const OK = { err_code: 0 } as const;

export function invalid(): Json {
  return { ...INVALID_ARGUMENT };
}

export function ok(result: Json = {}): Json {
  return { ...result, err_code: 0 };
}

/**
 * Which kind of legacy device a sysinfo describes (the rules clients use to tell them apart).
 * Kept apart from the client's own rules (src/device/iot-models.ts) on purpose: a mistake in
 * one then shows up in the tests that drive one against the other.
 */
export type DeviceClass = 'bulb' | 'lightstrip' | 'dimmer' | 'strip' | 'plug';

export function deviceClass(sysinfo: Json): DeviceClass {
  const type = String(sysinfo.mic_type ?? sysinfo.type ?? '').toUpperCase();
  if (type.includes('BULB')) return 'length' in sysinfo ? 'lightstrip' : 'bulb';
  if (Array.isArray(sysinfo.children)) return 'strip';
  if (String(sysinfo.dev_name ?? '').includes('Dimmer')) return 'dimmer';
  return 'plug';
}

/** Shared by a device's services: its live sysinfo, model, clock and what it counts. */
export interface IotContext {
  readonly model: IotModel;
  readonly sysinfo: Json;
  readonly clock: () => number;
  /** The last transition asked for (ms), for assertions; undefined when none was. */
  lastTransitionMs: number | undefined;
}

/** A whole number within [min, max], or undefined. */
export function intIn(value: unknown, min: number, max: number): number | undefined {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max
    ? (value as number)
    : undefined;
}
