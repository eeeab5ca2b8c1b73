/**
 * Painting a Tapo light strip's segments (docs/protocols/segments.md): the segment count read
 * once at open, the requests of a painting, and ending one. The SMART driver owns one of these
 * per strip that paints (components `segment` and `segment_effect`).
 */

import type { Components } from '../capabilities';
import type { SmartProtocol, SmartRequest } from '../smart-protocol';
import type { LampCommand, LampState } from '../types';
import { PAINT_ID, painting, paintRule, segmentEffectOf } from './segments';

type Info = Record<string, unknown>;

/** Setting and previewing a rule; both take the same fields. */
const APPLY = 'apply_segment_effect_rule';
const PREVIEW = 'start_segment_effect_test';

/** The device's answers that mean "this method or these fields are not taken here". */
const REFUSED_CODES: ReadonlySet<number> = new Set([-1002, -1008]);

export class SmartSegments {
  /** The last rule the strip took from us (saved or previewed), to end or repaint it. */
  private painted: Info | undefined;
  /** The rule of the writes in flight, until the strip has taken them (`confirm`). */
  private pending: Info | undefined;
  /** Whether the strip takes previews; false once it refused one (then every paint is saved). */
  private previews = true;

  private constructor(readonly count: number) {}

  /**
   * The segment strip behind `components`, with its count from get_device_segment; undefined
   * where the strip cannot paint (no `segment_effect`), or its count cannot be read.
   */
  static async open(
    protocol: SmartProtocol,
    components: Components,
  ): Promise<SmartSegments | undefined> {
    if (!components.has('segment') || !components.has('segment_effect')) return undefined;
    const [outcome] = await protocol.callAll([{ method: 'get_device_segment' }]);
    const result = outcome?.ok ? outcome.result : undefined;
    const count =
      typeof result === 'object' && result !== null ? (result as Info).segment : undefined;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return undefined;
    return new SmartSegments(count);
  }

  /** The count, and the painting's brightness while one shows (it is the strip's brightness then). */
  addTo(state: LampState, info: Info): void {
    state.segments = this.count;
    const brightness = segmentEffectOf(info)?.brightness;
    if (painting(info) && typeof brightness === 'number' && brightness > 0) {
      state.brightness = brightness;
    }
  }

  /**
   * Whether a command is a brightness alone while our painting shows: that repaints it at the
   * new brightness (sent to the plain light, it would leave the painting as it was).
   */
  repaints(command: LampCommand, info: Info): boolean {
    return (
      command.brightness !== undefined &&
      command.segments === undefined &&
      command.hue === undefined &&
      command.saturation === undefined &&
      command.colorTemp === undefined &&
      command.effect === undefined &&
      this.painted !== undefined &&
      painting(info) &&
      segmentEffectOf(info)?.id === PAINT_ID
    );
  }

  /**
   * The painting's writes, after `stopEffect` (the strip's running effect, if any): switch on,
   * the rule (previewed when `preview` and the strip takes previews), and off where asked.
   */
  writes(command: LampCommand, info: Info, preview: boolean, stopEffect?: SmartRequest) {
    const rule = this.ruleFor(command, info);
    this.pending = rule;
    const writes: SmartRequest[] = stopEffect ? [stopEffect] : [];
    if (command.on !== false)
      writes.push({ method: 'set_device_info', params: { device_on: true } });
    writes.push({ method: preview && this.previews ? PREVIEW : APPLY, params: rule });
    if (command.on === false) {
      writes.push({ method: 'set_device_info', params: { device_on: false } });
    }
    return writes;
  }

  /** The strip took the writes: their rule is the one it shows. */
  confirm(): void {
    if (this.pending) this.painted = this.pending;
    this.pending = undefined;
  }

  /** Whether the command was a painting sent as a preview, which the strip refused. */
  previewRefused(method: string, code: number): boolean {
    if (method !== PREVIEW || !REFUSED_CODES.has(code)) return false;
    this.previews = false;
    return true;
  }

  /**
   * The request that ends the painting shown: the same rule with enable 0 (python-kasa's way),
   * ours as we sent it, anyone else's as the strip reports it.
   */
  async stopRequest(protocol: SmartProtocol, info: Info): Promise<SmartRequest> {
    const ours = this.painted && segmentEffectOf(info)?.id === this.painted.id;
    const rule = ours ? this.painted : ((await protocol.call('get_segment_effect_rule')) as Info);
    return { method: APPLY, params: { ...rule, deviceType: 'strip', enable: 0 } };
  }

  /** The rule of a painting (or a repaint of ours at a new brightness). */
  private ruleFor(command: LampCommand, info: Info): Info {
    const brightness = command.brightness ?? currentBrightness(info);
    if (command.segments === undefined && this.painted) return { ...this.painted, brightness };
    return paintRule(command.segments ?? [], this.count, brightness);
  }
}

/** The painting's brightness while one shows, else the strip's; 100 if neither says. */
function currentBrightness(info: Info): number {
  const own = segmentEffectOf(info)?.brightness;
  if (painting(info) && typeof own === 'number' && own > 0) return own;
  return typeof info.brightness === 'number' && info.brightness > 0 ? info.brightness : 100;
}
