/**
 * The JSON side of an emulated Tapo SMART device: takes the decrypted request, answers like the
 * real firmware (error codes, multipleRequest semantics, setters that also switch the lamp on).
 * KLAP itself is KlapServer's job; this class only sees plaintext.
 */
import { energyData } from './energy-data';
import { EmulatedHub } from './hub';
import { isObject, type Json, parseObject } from './json';
import type { SmartModel } from './model-types';
import {
  NESTED_CONTROL_CHILD_MODES,
  type NestedControlChildMode,
  NO_REPLY,
  runParentBatch,
} from './nested-control-child';
import { DEFAULT_CHILD_PAGE_SIZE, type EmulatedSmartChild, SmartChildren } from './smart-children';
import {
  type Answer,
  envelope,
  fail,
  JSON_DECODE_FAIL,
  localTime,
  ok,
  PARAMS_ERROR,
  PowerClock,
  RATE_LIMITED,
  UNKNOWN_METHOD,
  validNickname,
} from './smart-envelope';
import { SegmentStrip } from './smart-segments';
import { SmartSettingsState } from './smart-settings';

/** Device-level faults for tests. Mutable between requests. */
export interface SmartDeviceFaults {
  /** Answer multipleRequest with -1003, as some P100 firmware does. */
  refuseBatches: boolean;
  /** Answer the next requests with these error codes, one code per request, first in first. */
  errorCodes: number[];
  /** When set, more than `maxRequests` requests within `windowMs` answer -1301. */
  rateLimit: { maxRequests: number; windowMs: number } | null;
  /**
   * How a strip or hub answers control_child inside a parent multipleRequest, a shape no real
   * device is known to take (see nested-control-child.ts): 'accept', or a refusal:
   * 'slot-error' (default), 'missing', 'top-level', 'timeout'.
   */
  nestedControlChild: NestedControlChildMode;
}

export function defaultSmartFaults(): SmartDeviceFaults {
  return {
    refuseBatches: false,
    errorCodes: [],
    rateLimit: null,
    nestedControlChild: 'slot-error',
  };
}

export { NESTED_CONTROL_CHILD_MODES, type NestedControlChildMode };

/** Energy an emulated lamp draws while on, in mW (a 9 W LED lamp). */
const LAMP_POWER_MW = 8962;

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

const EFFECT_TYPES = ['sequence', 'random', 'pulse', 'static'];
/** Effect fields that hold lists of [hue, saturation, brightness]. */
const EFFECT_COLOR_LISTS = [
  'display_colors',
  'sequence',
  'trans_sequence',
  'init_states',
  'backgrounds',
];
const EFFECT_RANGES: ReadonlyArray<[field: string, max: number]> = [
  ['hue_range', 360],
  ['saturation_range', 100],
  ['brightness_range', 100],
];

function isHsv(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    isInt(value[0], 0, 360) &&
    isInt(value[1], 0, 100) &&
    isInt(value[2], 0, 100)
  );
}

/** set_lighting_effect checks what it is given: a known type, colours and ranges in bounds. */
function validEffectShape(effect: Json): boolean {
  if ('type' in effect && !EFFECT_TYPES.includes(effect.type as string)) return false;
  for (const field of EFFECT_COLOR_LISTS) {
    const list = effect[field];
    if (list !== undefined && !(Array.isArray(list) && list.every(isHsv))) return false;
  }
  for (const [field, max] of EFFECT_RANGES) {
    const range = effect[field];
    if (range === undefined) continue;
    if (!Array.isArray(range) || range.length !== 2) return false;
    const [min, top] = range;
    if (!isInt(min, 0, max) || !isInt(top, min, max)) return false;
  }
  return true;
}

export class EmulatedSmartDevice {
  faults: SmartDeviceFaults = defaultSmartFaults();
  /** Requests received (a multipleRequest counts once) and methods run, by name. */
  readonly counters = { requests: 0, methods: {} as Record<string, number> };
  /** Called on device_reboot, so the KLAP side can forget its sessions. */
  onReboot: (() => void) | undefined;

  private readonly components: Set<string>;
  private readonly settings: SmartSettingsState;
  private readonly state: Json;
  /** A power strip's outlets; undefined on devices without children. */
  private readonly outlets: SmartChildren | undefined;
  /** A hub's paired devices and alarm; undefined on other devices. */
  readonly hub: EmulatedHub | undefined;
  private stripEffect: Json | undefined;
  /** A light strip's segments (L920, L930); undefined on other devices. */
  readonly segments: SegmentStrip | undefined;
  private readonly recent: number[] = [];
  /** How long the device has been on, and its energy used today (starts at 120 Wh). */
  private readonly power: PowerClock;

  constructor(
    readonly model: SmartModel,
    options: { alias?: string; clock?: () => number } = {},
  ) {
    this.components = new Set(model.components.map((x) => x.id));
    this.state = model.info;
    if (options.alias !== undefined)
      this.state.nickname = Buffer.from(options.alias).toString('base64');
    this.clock = options.clock ?? Date.now;
    this.power = new PowerClock(this.clock, { todayMwh: 120_000 });
    if (model.children) {
      const pageSize = model.childPageSize ?? DEFAULT_CHILD_PAGE_SIZE;
      const order = model.childComponentOrder;
      this.outlets = new SmartChildren(model.children, pageSize, this.clock, order);
    }
    if (this.components.has('segment')) {
      this.segments = new SegmentStrip(
        model.segments ?? 50,
        this.state,
        this.components.has('segment_effect'),
        model.segmentRule,
      );
    }
    this.hub = model.hub ? new EmulatedHub(model.hub, this.state, this.clock) : undefined;
    this.settings = new SmartSettingsState(
      model.settings ?? {},
      new Map(model.components.map((x) => [x.id, x.ver_code])),
      (config) => {
        // The device info shows whether an auto-off timer is armed.
        if ('auto_off_status' in this.state) {
          this.state.auto_off_status = config.enable === true ? 'on' : 'off';
        }
      },
    );
  }

  private readonly clock: () => number;

  /** The live get_device_info (for assertions); mutate with care. */
  get info(): Json {
    return this.state;
  }

  has(component: string): boolean {
    return this.components.has(component);
  }

  /** A strip's outlets in list order (empty on other devices), for assertions. */
  get children(): readonly EmulatedSmartChild[] {
    return this.outlets?.list ?? [];
  }

  /** One outlet by its device_id. */
  child(id: string): EmulatedSmartChild | undefined {
    return this.outlets?.find(id);
  }

  /**
   * A strip parent serves no outlet feature itself: no on/off, no meter (docs/protocols/outlets.md
   * §4), unless the model keeps the old single-plug behaviour (`parentAsPlug`).
   */
  private get stripParent(): boolean {
    return this.outlets !== undefined && this.model.parentAsPlug !== true;
  }

  /**
   * What the wire servers call: the reply, or (fault nestedControlChild 'timeout' on a batch
   * that carries control_child) a promise that never settles, as a device that keeps silent.
   */
  respond(plaintext: string): string | Promise<string> {
    const reply = this.handle(plaintext);
    return reply === '' ? new Promise<string>(() => {}) : reply;
  }

  /** One decrypted request in, one reply out ('' when the device keeps silent). Never throws. */
  handle(plaintext: string): string {
    this.counters.requests++;
    const request = parseObject(plaintext);
    if (typeof request?.method !== 'string')
      return JSON.stringify({ error_code: JSON_DECODE_FAIL });
    const injected = this.faults.errorCodes.shift();
    if (injected !== undefined) return JSON.stringify({ error_code: injected });
    if (this.rateLimited()) return JSON.stringify({ error_code: RATE_LIMITED });
    if (request.method === 'multipleRequest') {
      if (this.faults.refuseBatches) return JSON.stringify({ error_code: JSON_DECODE_FAIL });
      const mode = this.outlets || this.hub ? this.faults.nestedControlChild : 'accept';
      const reply = runParentBatch(mode, request.params, (m, p) => this.run(m, p));
      return reply === NO_REPLY ? '' : JSON.stringify(reply);
    }
    return JSON.stringify(envelope(this.run(request.method, request.params)));
  }

  private rateLimited(): boolean {
    const limit = this.faults.rateLimit;
    if (!limit) return false;
    const now = this.clock();
    while (this.recent.length > 0 && now - this.recent[0] >= limit.windowMs) this.recent.shift();
    this.recent.push(now);
    return this.recent.length > limit.maxRequests;
  }

  /** Advances the meters: while on, the device draws power and counts on_time. */
  private tick(): void {
    this.power.advance(this.state, this.powerMw());
  }

  private run(method: string, params: unknown): Answer {
    this.counters.methods[method] = (this.counters.methods[method] ?? 0) + 1;
    this.tick();
    const energy = this.has('energy_monitoring') && !this.stripParent;
    const outlets = this.outlets;
    const hubAnswer = this.hub?.run(method, params);
    if (hubAnswer) return hubAnswer;
    switch (method) {
      case 'get_child_device_list':
        return outlets ? outlets.deviceList(params) : fail(UNKNOWN_METHOD);
      case 'get_child_device_component_list':
        return outlets ? outlets.componentList(params) : fail(UNKNOWN_METHOD);
      case 'control_child':
        return outlets ? outlets.control(params) : fail(UNKNOWN_METHOD);
      case 'component_nego':
        return ok({ component_list: this.model.components.map((x) => ({ ...x })) });
      case 'get_device_info':
        return ok(structuredClone(this.state));
      case 'get_device_usage':
        return ok(this.deviceUsage());
      case 'get_energy_usage':
        return energy ? ok(this.energyUsage()) : fail(this.notHere());
      case 'get_current_power':
        return energy
          ? ok({ current_power: Math.round(this.powerMw() / 1000) })
          : fail(this.notHere());
      case 'get_emeter_data':
        return energy && this.model.emeterData ? ok(this.emeterData()) : fail(this.notHere());
      case 'get_energy_data':
        return energy && this.version('energy_monitoring') >= 2
          ? energyData(params, this.clock())
          : fail(this.notHere());
      case 'set_device_info':
        return this.setDeviceInfo(params);
      case 'get_connect_cloud_state':
        return ok({ status: 0 });
      case 'get_countdown_rules':
        // P110 firmware refuses a missing params object here (docs/protocols/dialects.md §1).
        if (!isObject(params)) return fail(PARAMS_ERROR);
        return this.has('countdown')
          ? ok({
              enable: false,
              countdown_rule_max_count: 1,
              rule_list: [],
              start_index: 0,
              sum: 0,
            })
          : fail(UNKNOWN_METHOD);
      case 'device_reboot':
        setImmediate(() => this.onReboot?.());
        return ok();
      case 'get_dynamic_light_effect_rules':
        return this.has('light_effect') ? ok(this.bulbEffectRules()) : fail(UNKNOWN_METHOD);
      case 'set_dynamic_light_effect_rule_enable':
        return this.has('light_effect') ? this.setBulbEffect(params) : fail(UNKNOWN_METHOD);
      case 'get_lighting_effect':
        return this.has('light_strip_lighting_effect')
          ? ok(structuredClone(this.stripEffect ?? this.state.lighting_effect))
          : fail(UNKNOWN_METHOD);
      case 'set_lighting_effect':
        return this.has('light_strip_lighting_effect')
          ? this.setStripEffect(params)
          : fail(UNKNOWN_METHOD);
      default:
        return (
          this.segments?.run(method, params) ??
          this.settings.run(method, params) ??
          fail(UNKNOWN_METHOD)
        );
    }
  }

  private version(component: string): number {
    return this.model.components.find((x) => x.id === component)?.ver_code ?? 0;
  }

  /** get_emeter_data: the live power with the model's mains voltage and the current it makes. */
  private emeterData(): Json {
    const voltageMv = this.model.emeterData?.voltageMv ?? 230_000;
    const powerMw = this.powerMw();
    return {
      current_ma: Math.round((powerMw / voltageMv) * 1000),
      energy_wh: Math.floor(this.power.todayMwh / 1000),
      power_mw: powerMw,
      voltage_mv: voltageMv,
    };
  }

  /** A method the device lacks: -1002, but -1008 on a strip parent whose outlets serve it. */
  private notHere(): number {
    return this.stripParent ? PARAMS_ERROR : UNKNOWN_METHOD;
  }

  /** mW drawn now; a strip parent that acts as a plug draws what its outlets draw. */
  private powerMw(): number {
    if (this.outlets && this.model.parentAsPlug) {
      return this.outlets.list.reduce((sum, child) => sum + child.watts * 1000, 0);
    }
    return this.state.device_on === true ? LAMP_POWER_MW : 0;
  }

  private deviceUsage(): Json {
    return {
      time_usage: { today: 42, past7: 1260, past30: 5400 },
      power_usage: { today: 6, past7: 189, past30: 810 },
      saved_power: { today: 36, past7: 1071, past30: 4590 },
    };
  }

  private energyUsage(): Json {
    return {
      today_runtime: 42,
      month_runtime: 5400,
      today_energy: Math.floor(this.power.todayMwh / 1000),
      month_energy: 3120,
      local_time: localTime(this.clock()),
      electricity_charge: [0, 0, 0],
      current_power: this.powerMw(),
    };
  }

  /** Validates like firmware (-1008 on anything off), then merges; light changes switch on. */
  private setDeviceInfo(params: unknown): Answer {
    if (!isObject(params)) return fail(PARAMS_ERROR);
    const light = ['brightness', 'hue', 'saturation', 'color_temp'].filter((k) => k in params);
    if ('device_on' in params && typeof params.device_on !== 'boolean') return fail(PARAMS_ERROR);
    // A strip has no power of its own to switch; its outlets do (control_child). A hub has none.
    if ('device_on' in params && (this.stripParent || this.hub)) return fail(PARAMS_ERROR);
    if ('brightness' in params && !(this.has('brightness') && isInt(params.brightness, 1, 100))) {
      return fail(PARAMS_ERROR);
    }
    if ('hue' in params && !(this.has('color') && isInt(params.hue, 0, 360)))
      return fail(PARAMS_ERROR);
    if ('saturation' in params && !(this.has('color') && isInt(params.saturation, 0, 100))) {
      return fail(PARAMS_ERROR);
    }
    if ('color_temp' in params && !this.validColorTemp(params.color_temp))
      return fail(PARAMS_ERROR);
    if ('nickname' in params && !validNickname(params.nickname)) return fail(PARAMS_ERROR);
    for (const key of [...light, 'device_on', 'nickname']) {
      if (key in params) this.state[key] = params[key];
    }
    if (light.length > 0 && !('device_on' in params)) this.state.device_on = true;
    if (light.some((k) => k !== 'brightness')) this.stopEffects();
    if (this.has('light_strip_lighting_effect') && 'brightness' in params) {
      // Strips keep one brightness for plain light and effect alike.
      (this.state.lighting_effect as Json).brightness = params.brightness;
    }
    return ok();
  }

  private validColorTemp(value: unknown): boolean {
    if (!this.has('color_temperature') && !this.has('color')) return false;
    if (value === 0) return this.has('color');
    const [min, max] = (this.state.color_temp_range as number[] | undefined) ?? [2500, 6500];
    return this.has('color_temperature') && isInt(value, min, max);
  }

  private stopEffects(): void {
    if ('dynamic_light_effect_enable' in this.state) {
      this.state.dynamic_light_effect_enable = false;
      this.state.dynamic_light_effect_id = '';
    }
    const effect = this.state.lighting_effect as Json | undefined;
    if (effect) effect.enable = 0;
    if (this.stripEffect) this.stripEffect.enable = 0;
  }

  private bulbEffectRules(): Json {
    const rule = (id: string, mode: string, colors: number[][]) => ({
      id,
      scene_name: '',
      change_mode: mode,
      change_time: id === 'L1' ? 500 : 3000,
      color_status_list: colors,
      enable:
        this.state.dynamic_light_effect_enable === true &&
        this.state.dynamic_light_effect_id === id,
    });
    return {
      enable: this.state.dynamic_light_effect_enable === true,
      id: this.state.dynamic_light_effect_id ?? '',
      max_count: 2,
      rule_list: [
        rule('L1', 'direct', [
          [100, 0, 100, 0],
          [100, 120, 100, 0],
          [100, 240, 100, 0],
        ]),
        rule('L2', 'bln', [
          [100, 30, 80, 0],
          [60, 40, 60, 0],
        ]),
      ],
      start_index: 0,
      sum: 2,
    };
  }

  private setBulbEffect(params: unknown): Answer {
    if (!isObject(params) || typeof params.enable !== 'boolean') return fail(PARAMS_ERROR);
    if (!params.enable) {
      this.state.dynamic_light_effect_enable = false;
      this.state.dynamic_light_effect_id = '';
      return ok();
    }
    if (params.id !== 'L1' && params.id !== 'L2') return fail(PARAMS_ERROR);
    this.state.dynamic_light_effect_enable = true;
    this.state.dynamic_light_effect_id = params.id;
    this.state.device_on = true;
    return ok();
  }

  private setStripEffect(params: unknown): Answer {
    if (!isObject(params)) return fail(PARAMS_ERROR);
    const summary = this.state.lighting_effect as Json;
    if ('brightness' in params && !isInt(params.brightness, 1, 100)) return fail(PARAMS_ERROR);
    if (params.enable === 0 || params.enable === false) {
      summary.enable = 0;
      if (this.stripEffect) this.stripEffect.enable = 0;
      return ok();
    }
    if (params.bAdjusted === true && 'brightness' in params) {
      summary.brightness = params.brightness;
      if (this.stripEffect) this.stripEffect.brightness = params.brightness;
      return ok();
    }
    if (typeof params.id !== 'string' || params.id === '' || typeof params.name !== 'string') {
      return fail(PARAMS_ERROR);
    }
    if (!validEffectShape(params)) return fail(PARAMS_ERROR);
    const brightness = isInt(params.brightness, 1, 100)
      ? params.brightness
      : (summary.brightness as number);
    this.stripEffect = { ...structuredClone(params), enable: 1, brightness };
    this.state.lighting_effect = {
      brightness,
      custom: params.custom === 1 ? 1 : 0,
      display_colors: Array.isArray(params.display_colors)
        ? structuredClone(params.display_colors)
        : [],
      enable: 1,
      id: params.id,
      name: params.name,
    };
    this.state.device_on = true;
    return ok();
  }
}
