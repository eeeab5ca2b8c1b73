/**
 * The outlets of an emulated SMART power strip (P300, P304M, a dump's strip): the parent's
 * get_child_device_list and get_child_device_component_list with start_index/sum paging, and
 * control_child, which hands a request (or a multipleRequest) to one outlet and wraps its reply
 * in `responseData`. Each outlet is an EmulatedSmartChild with its own power, name, on_time and,
 * on metering strips, its own meter. The shapes are in docs/protocols/outlets.md §1–§3.
 */
import { energyData } from './energy-data';
import { isObject, type Json } from './json';
import {
  type Answer,
  envelope,
  fail,
  localTime,
  ok,
  PARAMS_ERROR,
  PowerClock,
  runBatch,
  UNKNOWN_METHOD,
  validNickname,
} from './smart-envelope';

/** A metering outlet (P304M, P316M, P210M): what its load draws while on. */
export interface SmartChildMeter {
  /** W drawn while the outlet is on. */
  watts: number;
  /** V the outlet measures (get_emeter_data). */
  volts: number;
  /** Whether it answers get_emeter_data (P316M and P210M outlets do, P304M outlets do not). */
  emeterData: boolean;
}

/** One outlet, as a model declares it. */
export interface SmartChildModel {
  /**
   * Its get_child_device_list entry, which is also what it answers to get_device_info:
   * device_id, position, slot_number, device_on, nickname (base64), on_time, category, …
   */
  info: Record<string, unknown>;
  /** Its get_child_device_component_list entry (`component_list`). */
  components: { id: string; ver_code: number }[];
  /** Present on metering outlets: get_energy_usage, get_current_power (and get_emeter_data). */
  meter?: SmartChildMeter;
  /** Further read-only answers, method -> result, served as given (e.g. a dump's). */
  getters?: Record<string, unknown>;
}

/** The page size real firmware is assumed to use (every strip has fewer outlets, so unseen). */
export const DEFAULT_CHILD_PAGE_SIZE = 10;

/**
 * Methods the strip's firmware knows but an outlet does not serve: an outlet answers them
 * -1008, and methods nobody knows -1002 (the two codes docs/protocols/outlets.md §2 names).
 */
const PARENT_ONLY = new Set([
  'control_child',
  'get_child_device_list',
  'get_child_device_component_list',
  'get_led_info',
  'set_led_info',
  'get_wireless_scan_info',
  'get_device_time',
  'get_latest_fw',
  'get_auto_update_info',
  'device_reboot',
]);

/** Wh an outlet has used this month before the emulator started (a made-up but stable past). */
const MONTH_BASE_WH = 14;
const MONTH_BASE_MINUTES = 220;

export class EmulatedSmartChild {
  /** Methods run on this outlet, by name. */
  readonly counters = { methods: {} as Record<string, number> };
  private readonly state: Json;
  private readonly power: PowerClock;

  constructor(
    readonly model: SmartChildModel,
    private readonly clock: () => number,
  ) {
    this.state = model.info;
    const onTime = typeof model.info.on_time === 'number' ? Math.max(0, model.info.on_time) : 0;
    this.power = new PowerClock(clock, { onMs: this.state.device_on === true ? onTime * 1000 : 0 });
  }

  get id(): string {
    return String(this.state.device_id);
  }

  /** The live list entry (for assertions); mutate with care. */
  get info(): Json {
    return this.state;
  }

  /** W drawn now: the meter's load while on, else nothing. */
  get watts(): number {
    return this.state.device_on === true && this.model.meter ? this.model.meter.watts : 0;
  }

  /** The list entry as get_child_device_list and get_device_info answer it now. */
  snapshot(): Json {
    this.tick();
    return structuredClone(this.state);
  }

  /** A control_child body (one request or a multipleRequest) in; its responseData out. */
  respond(request: Json): Json {
    const method = request.method as string;
    if (method === 'multipleRequest') return runBatch(request.params, (m, p) => this.run(m, p));
    return envelope(this.run(method, request.params));
  }

  private tick(): void {
    this.power.advance(this.state, this.watts * 1000);
  }

  private run(method: string, params: unknown): Answer {
    this.counters.methods[method] = (this.counters.methods[method] ?? 0) + 1;
    this.tick();
    const meter = this.model.meter;
    switch (method) {
      case 'get_device_info':
        return ok(structuredClone(this.state));
      case 'set_device_info':
        return this.setDeviceInfo(params);
      case 'component_nego':
        return ok({ component_list: this.model.components.map((c) => ({ ...c })) });
      case 'get_energy_usage':
        if (meter) return ok(this.energyUsage());
        break;
      case 'get_current_power':
        // Whole watts, as the outlets of a P304M report them.
        if (meter) return ok({ current_power: Math.round(this.watts) });
        break;
      case 'get_emeter_data':
        if (meter?.emeterData) return ok(this.emeterData(meter));
        break;
      case 'set_auto_off_config':
        if (this.model.components.some((c) => c.id === 'auto_off')) return this.setAutoOff(params);
        break;
      case 'get_energy_data':
        // The same made-up history as an energy plug's, where the outlet meters (v2).
        if (meter && this.meterVersion() >= 2) return energyData(params, this.clock());
        break;
    }
    const given = this.model.getters?.[method];
    if (given !== undefined) return ok(structuredClone(given));
    return fail(PARENT_ONLY.has(method) ? PARAMS_ERROR : UNKNOWN_METHOD);
  }

  /** An outlet's own auto-off (P300 1.0.15 and later): its config, and the list's status. */
  private setAutoOff(params: unknown): Answer {
    const config = this.model.getters?.get_auto_off_config as Json | undefined;
    if (!config) return fail(UNKNOWN_METHOD);
    if (!isObject(params)) return fail(PARAMS_ERROR);
    const { enable, delay_min: minutes } = params;
    if (enable !== undefined && typeof enable !== 'boolean') return fail(PARAMS_ERROR);
    const wholeMinutes = typeof minutes === 'number' && Number.isInteger(minutes);
    if (minutes !== undefined && !(wholeMinutes && minutes >= 1 && minutes <= 65535)) {
      return fail(PARAMS_ERROR);
    }
    if (enable !== undefined) config.enable = enable;
    if (minutes !== undefined) config.delay_min = minutes;
    this.state.auto_off_status = config.enable === true ? 'on' : 'off';
    return ok();
  }

  private meterVersion(): number {
    return this.model.components.find((c) => c.id === 'energy_monitoring')?.ver_code ?? 0;
  }

  /** Today's and this month's use; an outlet's reply has no current_power (unlike a P110's). */
  private energyUsage(): Json {
    const today = Math.floor(this.power.todayMwh / 1000);
    const todayMinutes = Math.floor(this.power.todayOnMs / 60_000);
    return {
      electricity_charge: [0, 0, 0],
      local_time: localTime(this.clock()),
      month_energy: MONTH_BASE_WH + today,
      month_runtime: MONTH_BASE_MINUTES + todayMinutes,
      today_energy: today,
      today_runtime: todayMinutes,
    };
  }

  private emeterData(meter: SmartChildMeter): Json {
    const watts = this.watts;
    return {
      current_ma: Math.round((watts / meter.volts) * 1000),
      energy_wh: MONTH_BASE_WH + Math.floor(this.power.todayMwh / 1000),
      power_mw: Math.round(watts * 1000),
      voltage_mv: Math.round(meter.volts * 1000),
    };
  }

  /** An outlet takes device_on and nickname (and brightness where it dims); -1008 otherwise. */
  private setDeviceInfo(params: unknown): Answer {
    if (!isObject(params)) return fail(PARAMS_ERROR);
    if ('device_on' in params && typeof params.device_on !== 'boolean') return fail(PARAMS_ERROR);
    if ('nickname' in params && !validNickname(params.nickname)) return fail(PARAMS_ERROR);
    for (const key of ['hue', 'saturation', 'color_temp']) {
      if (key in params) return fail(PARAMS_ERROR);
    }
    if ('brightness' in params) {
      const value = params.brightness;
      const dims = 'brightness' in this.state;
      if (
        !dims ||
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < 1 ||
        value > 100
      )
        return fail(PARAMS_ERROR);
    }
    for (const key of ['device_on', 'nickname', 'brightness']) {
      if (key in params) this.state[key] = params[key];
    }
    return ok();
  }
}

/** A whole number >= 0 from `params.start_index`, 0 without one, or undefined when malformed. */
function startIndex(params: unknown): number | undefined {
  if (params === undefined || params === null) return 0;
  if (!isObject(params)) return undefined;
  const start = params.start_index ?? 0;
  return typeof start === 'number' && Number.isInteger(start) && start >= 0 ? start : undefined;
}

/**
 * One page of a parent's child list (get_child_device_list, get_child_device_component_list):
 * `pageSize` entries from start_index, under `key`, with the total in `sum`.
 */
export function childPage<T>(
  params: unknown,
  pageSize: number,
  children: readonly T[],
  key: string,
  entry: (child: T) => Json,
): Answer {
  const start = startIndex(params);
  if (start === undefined) return fail(PARAMS_ERROR);
  const page = children.slice(start, start + pageSize).map(entry);
  return ok({ [key]: page, start_index: start, sum: children.length });
}

/** A strip's outlets as its parent serves them. */
export class SmartChildren {
  /** In list order: the order get_child_device_list answers, not necessarily `position`. */
  readonly list: EmulatedSmartChild[];
  /** The order get_child_device_component_list answers in. */
  private readonly componentOrder: EmulatedSmartChild[];

  constructor(
    models: SmartChildModel[],
    private readonly pageSize: number,
    clock: () => number,
    componentOrder?: string[],
  ) {
    this.list = models.map((model) => new EmulatedSmartChild(model, clock));
    const rank = (child: EmulatedSmartChild) => {
      const index = componentOrder?.indexOf(child.id) ?? -1;
      return index < 0 ? this.list.length + this.list.indexOf(child) : index;
    };
    this.componentOrder = [...this.list].sort((a, b) => rank(a) - rank(b));
  }

  find(id: unknown): EmulatedSmartChild | undefined {
    return this.list.find((child) => child.id === id);
  }

  /** get_child_device_list: one page from start_index, with the total in `sum`. */
  deviceList(params: unknown): Answer {
    return childPage(params, this.pageSize, this.list, 'child_device_list', (child) =>
      child.snapshot(),
    );
  }

  /** get_child_device_component_list: pages alike, in the list's order unless told another. */
  componentList(params: unknown): Answer {
    return childPage(
      params,
      this.pageSize,
      this.componentOrder,
      'child_component_list',
      (child) => ({
        device_id: child.id,
        component_list: child.model.components.map((c) => ({ ...c })),
      }),
    );
  }

  /**
   * control_child `{device_id, requestData}`: the outlet's reply inside `responseData`, whose
   * own error_code says how the outlet took it. A malformed body or an unknown device_id is
   * refused by the parent itself (-1008 on the outer reply).
   */
  control(params: unknown): Answer {
    if (!isObject(params)) return fail(PARAMS_ERROR);
    const request = params.requestData;
    if (!isObject(request) || typeof request.method !== 'string') return fail(PARAMS_ERROR);
    const child = this.find(params.device_id);
    if (!child) return fail(PARAMS_ERROR);
    return ok({ responseData: child.respond(request) });
  }
}
