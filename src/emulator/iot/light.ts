/**
 * The light of bulbs and light strips. The truth lives in sysinfo.light_state, in the shape the
 * firmware reports: while on, the values next to on_off; while off, only on_off and the values
 * that return at power-on, under dft_on_state.
 *
 * Bulbs change it with smartlife.iot.smartbulb.lightingservice.transition_light_state, strips
 * with smartlife.iot.lightStrip.set_light_state (same fields; strips ignore transition_period).
 * Choices where no dump shows the firmware's answer: fields the lamp lacks (colour on a white
 * bulb, color_temp on a fixed-white one) are ignored; brightness 0 switches off and keeps the
 * previous brightness; a strip's set_light_state answers like transition_light_state, and a
 * colour, white or brightness stops the strip's effect while plain on/off keeps it.
 */
import { isObject, type Json } from '../json';
import { type IotContext, type IotMethod, type IotService, intIn, invalid, ok } from './service';

export interface LightValues {
  mode: string;
  hue: number;
  saturation: number;
  color_temp: number;
  brightness: number;
}

/** The fields that change what a lamp shows, as opposed to whether it is on. */
const LIGHT_KEYS = ['brightness', 'hue', 'saturation', 'color_temp'] as const;

/** Kelvin the firmware takes at all (0 selects colour mode). */
const KELVIN_LIMITS = { min: 1000, max: 10000 };

export class LampLight {
  constructor(private readonly context: IotContext) {}

  private get state(): Json {
    return this.context.sysinfo.light_state as Json;
  }

  get on(): boolean {
    return this.state.on_off === 1;
  }

  get values(): LightValues {
    const source = this.on ? this.state : ((this.state.dft_on_state ?? {}) as Json);
    return {
      mode: typeof source.mode === 'string' ? source.mode : 'normal',
      hue: Number(source.hue ?? 0),
      saturation: Number(source.saturation ?? 0),
      color_temp: Number(source.color_temp ?? 0),
      brightness: Number(source.brightness ?? 100),
    };
  }

  set(on: boolean, values: LightValues): void {
    this.context.sysinfo.light_state = on
      ? { on_off: 1, ...values }
      : { on_off: 0, dft_on_state: { ...values } };
  }

  /** The light state as the firmware answers it (with err_code). */
  report(): Json {
    return ok(structuredClone(this.state));
  }

  /**
   * Apply transition_light_state / set_light_state args; undefined when they are invalid.
   * Returns whether the light changed, so a strip can stop its effect.
   */
  apply(args: unknown): boolean | undefined {
    if (!isObject(args)) return undefined;
    const info = this.context.sysinfo;
    const has = (key: string) => args[key] !== undefined;
    const onOff = has('on_off') ? intIn(args.on_off, 0, 1) : this.on ? 1 : 0;
    const brightness = has('brightness') ? intIn(args.brightness, 0, 100) : undefined;
    const hue = has('hue') ? intIn(args.hue, 0, 360) : undefined;
    const saturation = has('saturation') ? intIn(args.saturation, 0, 100) : undefined;
    const kelvin = has('color_temp') ? intIn(args.color_temp, 0, KELVIN_LIMITS.max) : undefined;
    const transition = has('transition_period')
      ? intIn(args.transition_period, 0, 2 ** 31 - 1)
      : undefined;
    if (
      onOff === undefined ||
      (has('brightness') && brightness === undefined) ||
      (has('hue') && hue === undefined) ||
      (has('saturation') && saturation === undefined) ||
      (has('color_temp') &&
        (kelvin === undefined || (kelvin !== 0 && kelvin < KELVIN_LIMITS.min))) ||
      (has('transition_period') && transition === undefined) ||
      (has('ignore_default') && intIn(args.ignore_default, 0, 1) === undefined) ||
      (has('mode') && args.mode !== 'normal' && args.mode !== 'circadian')
    ) {
      return undefined;
    }
    const values = this.values;
    let on = onOff === 1;
    if (info.is_dimmable === 1 && brightness !== undefined) {
      if (brightness === 0) on = false;
      else values.brightness = brightness;
    }
    if (info.is_color === 1) {
      if (hue !== undefined) values.hue = hue;
      if (saturation !== undefined) values.saturation = saturation;
    }
    const tunable = info.is_variable_color_temp === 1;
    if (kelvin !== undefined && (kelvin === 0 ? info.is_color === 1 : tunable)) {
      values.color_temp = kelvin;
    }
    if (typeof args.mode === 'string') values.mode = args.mode;
    if (transition !== undefined) this.context.lastTransitionMs = transition;
    this.set(on, values);
    return true;
  }
}

export function bulbLightService(light: LampLight): IotService {
  return {
    module: 'smartlife.iot.smartbulb.lightingservice',
    methods: {
      get_light_state: () => light.report(),
      transition_light_state: (args) => (light.apply(args) ? light.report() : invalid()),
    },
  };
}

/** A strip's light in zones: one group spanning the whole strip, as the firmware reports it. */
function stripReport(light: LampLight, context: IotContext): Json {
  const length = Number(context.sysinfo.length ?? 1);
  const v = light.values;
  const groups = [[0, length - 1, v.hue, v.saturation, v.brightness, v.color_temp]];
  const base = { length, transition: 500 };
  return light.on
    ? ok({ ...base, on_off: 1, mode: v.mode, groups })
    : ok({ ...base, on_off: 0, dft_on_state: { mode: v.mode, groups } });
}

export function stripLightService(
  light: LampLight,
  context: IotContext,
  onLightChange: () => void,
): IotService {
  const set: IotMethod = (args) => {
    // Strips fade by their own setting; the per-call transition is not theirs.
    const before = context.lastTransitionMs;
    if (!light.apply(args)) return invalid();
    context.lastTransitionMs = before;
    // A new light replaces the effect; switching alone leaves it be.
    if (isObject(args) && LIGHT_KEYS.some((key) => args[key] !== undefined)) onLightChange();
    return light.report();
  };
  return {
    module: 'smartlife.iot.lightStrip',
    methods: { get_light_state: () => stripReport(light, context), set_light_state: set },
  };
}
