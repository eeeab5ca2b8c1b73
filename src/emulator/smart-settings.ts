/**
 * The settings an emulated Tapo device keeps beside its light (docs/features.md §2): presets,
 * gradual on/off, auto-off, status LED, firmware auto-update. Each answers its getter only where
 * the model lists the component, and each setter validates like firmware (-1008 on anything
 * off) and changes what the getter answers next.
 */
import { isObject, type Json } from './json';

const PARAMS_ERROR = -1008;
const UNKNOWN_METHOD = -1002;

export type SettingAnswer = { code: 0; result?: unknown } | { code: number };

const ok = (result?: unknown): SettingAnswer => ({ code: 0, result });
const fail = (code: number): SettingAnswer => ({ code });

/** What a model keeps, by getter; absent = the firmware has no such getter. */
export interface SmartSettingValues {
  get_preset_rules?: Json;
  get_on_off_gradually_info?: Json;
  get_auto_off_config?: Json;
  get_led_info?: Json;
  get_auto_update_info?: Json;
}

const LED_RULES = ['always', 'never', 'night_mode', 'auto', 'toggle'];

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** One direction of on_off_gradually v2+: { enable, duration } within max_duration. */
function validFadeState(value: unknown, max: number): value is Json {
  if (!isObject(value)) return false;
  if ('enable' in value && typeof value.enable !== 'boolean') return false;
  return !('duration' in value) || isInt(value.duration, 0, max);
}

export class SmartSettingsState {
  constructor(
    private readonly values: SmartSettingValues,
    /** The component ids and versions the model lists. */
    private readonly components: ReadonlyMap<string, number>,
    /** Called when auto-off changes, so the device info's auto_off_status follows. */
    private readonly onAutoOff: (config: Json) => void,
  ) {}

  /** The answer to one of our methods, or undefined when the method is not a setting's. */
  run(method: string, params: unknown): SettingAnswer | undefined {
    switch (method) {
      case 'get_preset_rules':
        return this.get('preset', method);
      case 'get_on_off_gradually_info':
        return this.get('on_off_gradually', method);
      case 'set_on_off_gradually_info':
        return this.setFade(params);
      case 'get_auto_off_config':
        return this.get('auto_off', method);
      case 'set_auto_off_config':
        return this.setAutoOff(params);
      case 'get_led_info':
        return this.get('led', method);
      case 'set_led_info':
        return this.setLed(params);
      case 'get_auto_update_info':
        return this.get('firmware', method);
      case 'set_auto_update_info':
        return this.setAutoUpdate(params);
      default:
        return undefined;
    }
  }

  private stored(method: keyof SmartSettingValues): Json | undefined {
    return this.values[method];
  }

  private get(component: string, method: keyof SmartSettingValues): SettingAnswer {
    const value = this.stored(method);
    return this.components.has(component) && value
      ? ok(structuredClone(value))
      : fail(UNKNOWN_METHOD);
  }

  private setFade(params: unknown): SettingAnswer {
    const fade = this.stored('get_on_off_gradually_info');
    const version = this.components.get('on_off_gradually') ?? 0;
    if (!fade || version === 0) return fail(UNKNOWN_METHOD);
    if (!isObject(params)) return fail(PARAMS_ERROR);
    if (version === 1) {
      // Version 1 is a bare switch.
      if (typeof params.enable !== 'boolean') return fail(PARAMS_ERROR);
      fade.enable = params.enable;
      return ok();
    }
    const directions = (['on_state', 'off_state'] as const).filter((d) => d in params);
    if (directions.length === 0) return fail(PARAMS_ERROR);
    for (const direction of directions) {
      const current = (fade[direction] ?? {}) as Json;
      const max = typeof current.max_duration === 'number' ? current.max_duration : 60;
      if (!validFadeState(params[direction], max)) return fail(PARAMS_ERROR);
    }
    for (const direction of directions) {
      fade[direction] = { ...((fade[direction] ?? {}) as Json), ...(params[direction] as Json) };
    }
    return ok();
  }

  private setAutoOff(params: unknown): SettingAnswer {
    const config = this.stored('get_auto_off_config');
    if (!config || !this.components.has('auto_off')) return fail(UNKNOWN_METHOD);
    if (!isObject(params)) return fail(PARAMS_ERROR);
    if ('enable' in params && typeof params.enable !== 'boolean') return fail(PARAMS_ERROR);
    if ('delay_min' in params && !isInt(params.delay_min, 1, 65535)) return fail(PARAMS_ERROR);
    if ('enable' in params) config.enable = params.enable;
    if ('delay_min' in params) config.delay_min = params.delay_min;
    this.onAutoOff(config);
    return ok();
  }

  private setLed(params: unknown): SettingAnswer {
    const led = this.stored('get_led_info');
    if (!led || !this.components.has('led')) return fail(UNKNOWN_METHOD);
    if (!isObject(params) || !LED_RULES.includes(params.led_rule as string)) {
      return fail(PARAMS_ERROR);
    }
    led.led_rule = params.led_rule;
    if (isObject(params.night_mode)) led.night_mode = structuredClone(params.night_mode);
    return ok();
  }

  private setAutoUpdate(params: unknown): SettingAnswer {
    const update = this.stored('get_auto_update_info');
    if (!update || (this.components.get('firmware') ?? 0) < 2) return fail(UNKNOWN_METHOD);
    if (!isObject(params) || typeof params.enable !== 'boolean') return fail(PARAMS_ERROR);
    update.enable = params.enable;
    return ok();
  }
}
