/**
 * One device paired to an emulated hub (docs/emulator-hubs.md §3, §4): its record as the hub's
 * child list carries it, the methods it answers through control_child, its trigger log, and
 * what happens to both when something happens to it (a press, motion, a door opening…).
 */
import type { HubChildKind, HubChildModel, TriggerLogEntry } from './hub-types';
import { isObject, type Json } from './json';
import { firmwareGetters } from './model-parts';
import {
  type Answer,
  envelope,
  fail,
  ok,
  PARAMS_ERROR,
  runBatch,
  validNickname,
} from './smart-envelope';
import type { HubLogIds } from './trigger-log';
import { TriggerLog } from './trigger-log';

/** What hub children answer to a method they do not serve (the child dumps' code). */
export const CHILD_UNSUPPORTED = -1001;

/** How long a motion sensor reports `detected` after motion (unknown on real ones). */
export const MOTION_HOLD_MS = 30_000;

/** The comfort band of a climate sensor: humidity 62 % reports exception 2 (dumps). */
const COMFORT = { humidity: [40, 60], temperature: [18, 26] } as const;

/** A wrong action for a child (e.g. rotating a motion sensor); says what the child can do. */
export class HubActionError extends Error {}

const ACTIONS: Record<HubChildKind, string> = {
  button: 'press',
  dial: 'press, rotate',
  motion: 'motion',
  contact: 'contact, keep-open',
  leak: 'leak',
  climate: 'climate',
  switch: 'switch',
  thermostat: 'climate (temperature)',
};

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** How far `value` lies outside `[low, high]`: negative below, positive above, 0 inside. */
function outside(value: number, [low, high]: readonly [number, number]): number {
  if (value > high) return Math.round(value - high);
  if (value < low) return -Math.round(low - value);
  return 0;
}

export class EmulatedHubChild {
  /** Methods run on this child through control_child, by name. */
  readonly counters = { methods: {} as Record<string, number> };
  /** Its trigger log; undefined for kinds without one (KE100). */
  readonly log: TriggerLog | undefined;
  private readonly state: Json;
  private motionUntil = 0;

  constructor(
    readonly model: HubChildModel,
    private readonly clock: () => number,
    ids: HubLogIds,
    capacity: number,
    /** Whether the hub keeps this child's events out of its log (H200 buttons do). */
    private readonly unlogged: () => boolean = () => false,
  ) {
    this.state = model.info;
    // A record that starts with motion seen (a dump's) holds it as long as fresh motion would.
    if (this.state.detected === true) this.motionUntil = clock() + MOTION_HOLD_MS;
    const logs = model.components.some((c) => c.id === 'trigger_log');
    this.log = logs ? new TriggerLog(ids, capacity, model.logs) : undefined;
  }

  get id(): string {
    return String(this.state.device_id);
  }

  get kind(): HubChildKind {
    return this.model.kind;
  }

  get alias(): string {
    return Buffer.from(String(this.state.nickname ?? ''), 'base64').toString('utf8');
  }

  get online(): boolean {
    return this.state.status === 'online';
  }

  /** The live record (for assertions); mutate with care. */
  get info(): Json {
    this.expire();
    return this.state;
  }

  /** The record as get_child_device_list and get_device_info answer it now. */
  snapshot(): Json {
    return structuredClone(this.info);
  }

  /** A control_child body (one request or a multipleRequest) in; its responseData out. */
  respond(request: Json): Json {
    if (request.method === 'multipleRequest') {
      return runBatch(request.params, (m, p) => this.run(m, p));
    }
    return envelope(this.run(String(request.method), request.params));
  }

  private expire(): void {
    if (this.state.detected === true && this.clock() >= this.motionUntil) {
      this.state.detected = false;
    }
  }

  private has(component: string): boolean {
    return this.model.components.some((c) => c.id === component);
  }

  private run(method: string, params: unknown): Answer {
    this.counters.methods[method] = (this.counters.methods[method] ?? 0) + 1;
    switch (method) {
      case 'get_device_info':
        return ok(this.snapshot());
      case 'component_nego':
        return ok({ component_list: this.model.components.map((c) => ({ ...c })) });
      case 'get_connect_cloud_state':
        return ok({ status: 0 });
      case 'get_latest_fw':
      case 'get_fw_download_state':
        return ok(firmwareGetters(String(this.state.fw_ver))[method]);
      case 'get_trigger_logs':
        if (this.log) return this.log.page(params);
        break;
      case 'set_device_info':
        return this.setDeviceInfo(params);
      case 'get_double_click_info':
        if (this.has('double_click')) return ok(this.model.getters?.[method] ?? { enable: false });
        break;
      case 'set_temperature_unit':
        if (this.kind === 'climate') return this.setUnit(params);
        break;
      case 'get_temp_humidity_records':
        if (this.has('temp_humidity_record')) return ok(this.records());
        break;
      case 'set_child_protection':
        if (this.has('child_protection')) return this.setChildLock(params);
        break;
    }
    const given = this.model.getters?.[method];
    if (given !== undefined) return ok(structuredClone(given));
    return fail(CHILD_UNSUPPORTED);
  }

  /**
   * set_device_info takes what the kind has: nickname everywhere, device_on on switches,
   * target_temp / frost_protection_on / temp_offset on valves. Anything else, a wrong type or
   * a value out of range answers -1008 and changes nothing.
   */
  private setDeviceInfo(params: unknown): Answer {
    if (!isObject(params) || Object.keys(params).length === 0) return fail(PARAMS_ERROR);
    const valve = this.kind === 'thermostat';
    const checks: Record<string, (value: unknown) => boolean> = {
      nickname: validNickname,
      ...(this.kind === 'switch' ? { device_on: (v) => typeof v === 'boolean' } : {}),
      ...(valve
        ? {
            target_temp: (v) => this.validTarget(v),
            frost_protection_on: (v) => typeof v === 'boolean',
            temp_offset: (v) => isInt(v, -10, 10),
          }
        : {}),
    };
    for (const [key, value] of Object.entries(params)) {
      if (!checks[key]?.(value)) return fail(PARAMS_ERROR);
    }
    if (!this.online && Object.keys(params).some((key) => key !== 'nickname')) {
      // The hub cannot reach a device it reports offline.
      return fail(CHILD_UNSUPPORTED);
    }
    Object.assign(this.state, params);
    if (valve) this.heat();
    return ok();
  }

  /** A valve's target: within its control range, in steps of 0.5 °C. */
  private validTarget(value: unknown): boolean {
    const min = Number(this.state.min_control_temp ?? 5);
    const max = Number(this.state.max_control_temp ?? 30);
    return isNumber(value) && value >= min && value <= max && Number.isInteger(value * 2);
  }

  /** A valve heats while its target is above the room and frost protection is off. */
  private heat(): void {
    const states: string[] = [];
    if (this.state.frost_protection_on !== true) {
      if (Number(this.state.target_temp) > Number(this.state.current_temp)) states.push('heating');
    }
    if (this.state.at_low_battery === true) states.push('low_battery');
    this.state.trv_states = states;
  }

  private setUnit(params: unknown): Answer {
    if (!isObject(params) || !['celsius', 'fahrenheit'].includes(params.temp_unit as string)) {
      return fail(PARAMS_ERROR);
    }
    this.state.temp_unit = params.temp_unit;
    return ok();
  }

  private setChildLock(params: unknown): Answer {
    if (!isObject(params) || typeof params.enable !== 'boolean') return fail(PARAMS_ERROR);
    this.state.child_protection = params.enable;
    return ok();
  }

  /** 24 h in 15-minute buckets, tenths of a degree; -1000 = no data, but for the last one. */
  private records(): Json {
    const series = (now: number) => [...Array<number>(95).fill(-1000), now];
    return {
      local_time: Math.floor(this.clock() / 1000),
      past24h_temp: series(Math.round(Number(this.state.current_temp) * 10)),
      past24h_temp_exception: series(Number(this.state.current_temp_exception ?? 0)),
      past24h_humidity: series(Number(this.state.current_humidity)),
      past24h_humidity_exception: series(Number(this.state.current_humidity_exception ?? 0)),
    };
  }

  // --- What happens to the device (the emulator's control side) ---

  private expect(...kinds: HubChildKind[]): void {
    if (!kinds.includes(this.kind)) {
      throw new HubActionError(
        `${this.alias} is a ${this.model.info.model} (${this.kind}); it takes: ${ACTIONS[this.kind]}, online, battery`,
      );
    }
    if (!this.online) {
      throw new HubActionError(`${this.alias} is offline; bring it online first`);
    }
  }

  private record(event: string, params?: Record<string, unknown>): TriggerLogEntry | undefined {
    if (this.unlogged()) return undefined;
    return this.log?.append(event, this.clock(), params);
  }

  press(event: 'singleClick' | 'doubleClick'): TriggerLogEntry | undefined {
    if (event !== 'singleClick' && event !== 'doubleClick') {
      throw new HubActionError(`a press is "singleClick" or "doubleClick" (got ${String(event)})`);
    }
    this.expect('button', 'dial');
    return this.record(event);
  }

  rotate(degrees: number): TriggerLogEntry | undefined {
    if (!isInt(degrees, -360, 360) || degrees === 0) {
      throw new HubActionError(
        `degrees must be a whole number from -360 to 360, not 0 (negative = anticlockwise); got ${String(degrees)}`,
      );
    }
    this.expect('dial');
    return this.record('rotation', { rotate_deg: degrees });
  }

  motion(): TriggerLogEntry | undefined {
    this.expect('motion');
    this.state.detected = true;
    this.motionUntil = this.clock() + MOTION_HOLD_MS;
    return this.record('motion');
  }

  /** A contact that is already in that state reports nothing. */
  contact(open: boolean): TriggerLogEntry | undefined {
    if (typeof open !== 'boolean') throw new HubActionError('open must be true or false');
    this.expect('contact');
    if (this.state.open === open) return undefined;
    this.state.open = open;
    return this.record(open ? 'open' : 'close');
  }

  /** A door left open: a contact that is open reminds with keepOpen (its record stays open). */
  keepOpen(): TriggerLogEntry | undefined {
    this.expect('contact');
    if (this.state.open !== true) {
      throw new HubActionError(`${this.alias} is closed; open it first (contact {"open":true})`);
    }
    return this.record('keepOpen');
  }

  /** Wet: water_leak and the sensor's alarm; dry again: water_dry. No change reports nothing. */
  leak(wet: boolean): TriggerLogEntry | undefined {
    if (typeof wet !== 'boolean') throw new HubActionError('wet must be true or false');
    this.expect('leak');
    if ((this.state.water_leak_status === 'water_leak') === wet) return undefined;
    const entry = this.record(wet ? 'waterLeak' : 'waterDry');
    this.state.water_leak_status = wet ? 'water_leak' : 'water_dry';
    this.state.in_alarm = wet;
    this.state.trigger_timestamp = entry?.timestamp ?? Math.floor(this.clock() / 1000);
    return entry;
  }

  /**
   * A climate sensor's reading (temperature °C, humidity %), or a valve's room temperature.
   * Leaving the comfort band logs tooHot / tooCold / tooHumid / tooDry once.
   */
  climate(reading: { temperature?: number; humidity?: number }): TriggerLogEntry[] {
    const { temperature, humidity } = reading ?? {};
    if (temperature === undefined && humidity === undefined) {
      throw new HubActionError('give temperature (°C) and/or humidity (%)');
    }
    if (
      temperature !== undefined &&
      !(isNumber(temperature) && temperature >= -40 && temperature <= 80)
    ) {
      throw new HubActionError(
        `temperature must be a number of °C from -40 to 80 (got ${String(temperature)})`,
      );
    }
    if (humidity !== undefined && !isInt(humidity, 0, 100)) {
      throw new HubActionError(
        `humidity must be a whole percentage from 0 to 100 (got ${String(humidity)})`,
      );
    }
    this.expect('climate', 'thermostat');
    if (this.kind === 'thermostat') {
      if (humidity !== undefined) throw new HubActionError(`${this.alias} measures no humidity`);
      this.state.current_temp = Math.round((temperature as number) * 10) / 10;
      this.heat();
      return [];
    }
    const logged: TriggerLogEntry[] = [];
    const track = (
      key: string,
      value: number,
      band: readonly [number, number],
      names: [string, string],
    ) => {
      const before = Number(this.state[`${key}_exception`] ?? 0);
      const after = outside(value, band);
      this.state[key] = value;
      this.state[`${key}_exception`] = after;
      if (after !== 0 && Math.sign(after) !== Math.sign(before)) {
        const entry = this.record(after > 0 ? names[1] : names[0]);
        if (entry) logged.push(entry);
      }
    };
    if (temperature !== undefined) {
      track('current_temp', Math.round(temperature * 10) / 10, COMFORT.temperature, [
        'tooCold',
        'tooHot',
      ]);
    }
    if (humidity !== undefined) {
      track('current_humidity', humidity, COMFORT.humidity, ['tooDry', 'tooHumid']);
    }
    return logged;
  }

  /** A wall switch pressed by hand: it switches and logs the state it switched to. */
  toggleSwitch(): TriggerLogEntry | undefined {
    this.expect('switch');
    const on = this.state.device_on !== true;
    this.state.device_on = on;
    return this.record('singleClick', { on_off: on });
  }

  setOnline(online: boolean): void {
    if (typeof online !== 'boolean') throw new HubActionError('online must be true or false');
    this.state.status = online ? 'online' : 'offline';
  }

  /** Battery running low: the record's flag (is_low on switches) and one lowBattery entry. */
  setBatteryLow(low: boolean): TriggerLogEntry | undefined {
    if (typeof low !== 'boolean') throw new HubActionError('low must be true or false');
    const key = 'is_low' in this.state ? 'is_low' : 'at_low_battery';
    if (this.state[key] === low) return undefined;
    this.state[key] = low;
    if ('battery_percentage' in this.state) this.state.battery_percentage = low ? 10 : 100;
    if (this.kind === 'thermostat') this.heat();
    return low ? this.record('lowBattery') : undefined;
  }
}
