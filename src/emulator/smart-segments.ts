/**
 * An emulated Tapo light strip's segments (L920, L930: components `segment` and
 * `segment_effect`; docs/protocols/segments.md). It answers the segment count, keeps the saved
 * segment rule and a preview, and knows which colour each segment shows.
 *
 * Strict where the sources disagree or say nothing: a static rule (`type: none`) is taken only
 * in the form every reading agrees on (every segment listed once, in order, one colour each);
 * setting a plain colour or a strip effect does not end a painting, nor does a painting switch
 * the strip on or end its effect. A client that works here works whichever way hardware does it.
 */
import { isObject, type Json } from './json';
import { type Answer, fail, ok, PARAMS_ERROR, UNKNOWN_METHOD } from './smart-envelope';

const RULE_TYPES = ['breathe', 'circulating', 'chasing', 'flicker', 'bloom', 'stacking', 'none'];
/** More palette entries than this are refused (docs/protocols/segments.md §3). */
const MAX_DISPLAY_COLORS = 4;

/** One colour of a rule: [h, s, v, w]; `apply` also takes [h, s, v]. */
export type RuleColor = number[];

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isColor(value: unknown, threeToo: boolean): value is RuleColor {
  if (!Array.isArray(value) || !(value.length === 4 || (threeToo && value.length === 3))) {
    return false;
  }
  const [h, s, v, w] = value;
  return (
    isInt(h, 0, 360) &&
    isInt(s, 0, 100) &&
    isInt(v, 0, 100) &&
    (w === undefined || isInt(w, 0, 100))
  );
}

const isFlag = (value: unknown) => value === 0 || value === 1;

/** The summary get_device_info carries of the rule a strip runs. */
const SUMMARY_KEYS = ['brightness', 'custom', 'display_colors', 'enable', 'id', 'name'];

export class SegmentStrip {
  /** The saved rule (get_segment_effect_rule). */
  private rule: Json;
  /** Whether start_segment_effect_test is served (tests turn it off, as on firmware without it). */
  previews = true;
  /** A rule shown by start_segment_effect_test, not saved; undefined when none. */
  private preview: Json | undefined;

  constructor(
    /** What get_device_segment answers. */
    readonly count: number,
    /** The live get_device_info, whose `segment_effect` summary follows the saved rule. */
    private readonly info: Json,
    /** Whether the model lists `segment_effect` (older firmware lists `segment` only). */
    private readonly effects: boolean,
    rule?: Json,
  ) {
    this.rule = structuredClone(rule ?? (info.segment_effect as Json | undefined) ?? {});
  }

  /** The colour each segment shows as [h, s, v, w], or undefined while no static painting shows. */
  get shown(): RuleColor[] | undefined {
    const rule = this.preview ?? (this.rule.enable === 1 ? this.rule : undefined);
    if (rule?.type !== 'none') return undefined;
    const states = rule.states as RuleColor[];
    return states.map((state) => [...state.slice(0, 3), state[3] ?? 0]);
  }

  /** The saved rule, as get_segment_effect_rule answers it. */
  get saved(): Json {
    return structuredClone(this.rule);
  }

  /** Whether a preview shows. */
  get previewing(): boolean {
    return this.preview !== undefined;
  }

  /** The answer to a segment method, or undefined when the method is not one. */
  run(method: string, params: unknown): Answer | undefined {
    switch (method) {
      case 'get_device_segment':
        return ok({ segment: this.count });
      case 'get_segment_effect_rule':
        return this.effects ? ok(this.saved) : fail(UNKNOWN_METHOD);
      case 'apply_segment_effect_rule':
        return this.effects ? this.apply(params) : fail(UNKNOWN_METHOD);
      case 'start_segment_effect_test':
        return this.effects && this.previews ? this.startPreview(params) : fail(UNKNOWN_METHOD);
      case 'stop_segment_effect_test':
        if (!this.effects) return fail(UNKNOWN_METHOD);
        this.preview = undefined;
        return ok();
      default:
        return undefined;
    }
  }

  private apply(params: unknown): Answer {
    if (!isObject(params) || !this.valid(params, true)) return fail(PARAMS_ERROR);
    const { deviceType: _type, ...rule } = structuredClone(params);
    this.preview = undefined;
    if (params.enable === 0) {
      this.rule.enable = 0;
      this.summarise();
      return ok();
    }
    this.rule = { ...rule, enable: 1 };
    this.summarise();
    return ok();
  }

  private startPreview(params: unknown): Answer {
    // A preview takes only [h, s, v, w] colours (python-kasa PR #1702).
    if (!isObject(params) || !this.valid(params, false) || params.enable === 0) {
      return fail(PARAMS_ERROR);
    }
    const { deviceType: _type, ...rule } = structuredClone(params);
    this.preview = { ...rule, enable: 1 };
    return ok();
  }

  /** get_device_info.segment_effect follows the saved rule. */
  private summarise(): void {
    this.info.segment_effect = Object.fromEntries(
      SUMMARY_KEYS.map((key) => [key, structuredClone(this.rule[key] ?? defaults[key])]),
    );
  }

  /** The checks of docs/protocols/segments.md §6, and the full-resolution form of a static rule. */
  private valid(rule: Json, threeToo: boolean): boolean {
    if (typeof rule.id !== 'string' || rule.id === '' || typeof rule.name !== 'string')
      return false;
    if ('enable' in rule && !isFlag(rule.enable)) return false;
    if ('custom' in rule && !isFlag(rule.custom)) return false;
    if ('carousel' in rule && !isFlag(rule.carousel)) return false;
    if (!isInt(rule.brightness, 1, 100)) return false;
    const palette = rule.display_colors;
    if (!Array.isArray(palette) || palette.length > MAX_DISPLAY_COLORS) return false;
    if (!palette.every((c) => isColor(c, threeToo))) return false;
    if (new Set(palette.map((c) => JSON.stringify(c))).size !== palette.length) return false;
    if (rule.custom !== 1) return true;
    // A custom rule names the strip and carries its segments and colours (tapo PR #463).
    if (rule.deviceType !== 'strip') return false;
    const { segments, states } = rule;
    if (!Array.isArray(segments) || !segments.every((s) => isInt(s, 0, this.count))) return false;
    if (!Array.isArray(states) || !states.every((c) => isColor(c, threeToo))) return false;
    if (!RULE_TYPES.includes(rule.type as string)) return false;
    if (rule.type !== 'none') return 'speed' in rule ? isInt(rule.speed, 1, 10) : true;
    if ('speed' in rule && rule.speed !== 0) return false;
    // Static: one colour per segment, every segment once, in order.
    return (
      segments.length === this.count &&
      states.length === this.count &&
      segments.every((s, i) => s === i)
    );
  }
}

const defaults: Json = {
  brightness: 0,
  custom: 0,
  display_colors: [],
  enable: 0,
  id: '',
  name: '',
};
