/**
 * Painting a light strip's segments: `{ segments: [colour | null, …], brightness? }`
 * (docs/protocols/segments.md). The grammar and the refusals live here, and so does the one
 * request shape every reading of the sources agrees on: a static `segment_effect` rule listing
 * every segment once (`segments: [0, 1, …, N-1]`) with one colour each.
 */
import { quoteInput, UnsupportedFeatureError } from '../../transport/errors';
import { colorValue, invalid } from '../grammar-values';
import type { Capabilities, LampCommand, SegmentColor } from '../types';

/**
 * Most colours one painting takes. Strips report at most 50 segments (a 5 m strip, counted in
 * 10 cm steps); a list longer than any strip is a mistake, refused before any device is asked.
 */
const MAX_SEGMENT_COLORS = 50;

/** Payload keys a painting cannot be combined with: they light the strip in another way. */
const PAINT_CONFLICTS = ['color', 'hue', 'saturation', 'colorTemp', 'effect', 'preset'];

/** `input.segments` -> `command.segments`, with everything that does not depend on the device. */
export function parseSegments(input: Record<string, unknown>, command: LampCommand): void {
  if (input.segments === undefined) return;
  const list = input.segments;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SEGMENT_COLORS) {
    throw invalid(
      'segments',
      `segments must be a list of 1 to ${MAX_SEGMENT_COLORS} colours ("#rrggbb", {r,g,b} or {h,s,v}; null = off), ` +
        `spread evenly along the strip (got ${quoteInput(list)})`,
    );
  }
  const conflict = PAINT_CONFLICTS.find((key) => input[key] !== undefined);
  if (conflict !== undefined) {
    throw invalid(
      'segments',
      `segments paints the strip itself: send segments without ${conflict}, or ${conflict} without segments`,
    );
  }
  if (input.on === false) throw invalid('segments', 'segments and on:false contradict each other');
  const colors = list.map((entry, i): SegmentColor | null => {
    if (entry === null) return null;
    const hsv = colorValue(`segments[${i}]`, entry);
    return {
      hue: Math.round(hsv.h) % 360,
      saturation: Math.round(hsv.s),
      brightness: Math.round(hsv.v),
    };
  });
  if (colors.every((color) => color === null || color.brightness === 0)) {
    throw invalid(
      'segments',
      'segments are all off (null or black): send false or "off" to switch the strip off',
    );
  }
  command.segments = colors;
}

/**
 * Refuses a painting the device cannot show, naming the model and what it can do instead;
 * nothing is sent.
 */
export function checkSegments(command: LampCommand, capabilities: Capabilities, model: string) {
  const colors = command.segments;
  if (colors === undefined) return;
  const device = `this ${model || 'device'}`;
  const count = capabilities.segments;
  if (count === undefined) {
    throw new UnsupportedFeatureError(
      'segments',
      `${device} ${noPaintReason(capabilities, model)}`,
    );
  }
  if (colors.length > count) {
    throw invalid(
      'segments',
      `${device} has ${count} segments: send at most ${count} colours (got ${colors.length})`,
    );
  }
}

/** Why a device cannot paint, and what it can do instead. */
function noPaintReason(capabilities: Capabilities, model: string): string {
  const instead = capabilities.color
    ? `use color${capabilities.effects ? ' or an effect' : ''} to light the whole strip`
    : 'it has no colour';
  if (capabilities.kind !== 'strip') return `is not a light strip and has no segments; ${instead}`;
  if (capabilities.dialect === 'iot') {
    return `cannot paint segments: no client has yet proven that Kasa strips take per-zone colours; ${instead}`;
  }
  if (/^L9[23]0/.test(model)) {
    return `cannot paint segments: its firmware has no segment control (segment_effect); update it in the Tapo app, or ${instead}`;
  }
  return `cannot paint segments: it lights as one; ${instead}`;
}

/** Segment i of `count` shows colour floor(i·k/count) of the k sent (design contract). */
export function spread<T>(colors: readonly T[], count: number): T[] {
  return Array.from(
    { length: count },
    (_, i) => colors[Math.floor((i * colors.length) / count)] as T,
  );
}

/** One painted segment as the strip takes it: [hue, saturation, value, white], white unused. */
type SegmentState = [number, number, number, number];

function segmentState(color: SegmentColor | null): SegmentState {
  return color === null ? [0, 0, 0, 0] : [color.hue, color.saturation, color.brightness, 0];
}

/** Our painting's id: a fixed one, so a repaint updates the rule rather than adding one. */
export const PAINT_ID = 'TapoStrip_lampcontrol_paint';
/** Most entries of display_colors a strip takes (docs/protocols/segments.md §3). */
const MAX_DISPLAY_COLORS = 4;

/**
 * The static rule that paints `colors` over `count` segments at `brightness`: every segment
 * listed once, in order, with its own colour.
 */
export function paintRule(
  colors: readonly (SegmentColor | null)[],
  count: number,
  brightness: number,
): Record<string, unknown> {
  const states = spread(colors.map(segmentState), count);
  // The palette the app shows: distinct, lit colours only, at most four.
  const palette: SegmentState[] = [];
  for (const state of colors.map(segmentState)) {
    if (state[2] === 0 || palette.some((p) => p.join() === state.join())) continue;
    if (palette.length < MAX_DISPLAY_COLORS) palette.push(state);
  }
  return {
    brightness,
    custom: 1,
    deviceType: 'strip',
    display_colors: palette,
    enable: 1,
    id: PAINT_ID,
    name: 'lamp-control paint',
    segments: Array.from({ length: count }, (_, i) => i),
    speed: 0,
    states,
    type: 'none',
  };
}

/** get_device_info.segment_effect, where the strip reports one. */
export function segmentEffectOf(
  info: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const effect = info.segment_effect;
  return typeof effect === 'object' && effect !== null && !Array.isArray(effect)
    ? (effect as Record<string, unknown>)
    : undefined;
}

/** Whether the strip shows a segment rule (ours or the app's) right now. */
export function painting(info: Record<string, unknown>): boolean {
  const enable = segmentEffectOf(info)?.enable;
  return enable === 1 || enable === true;
}

/** Whether a command lights the strip in a way that must end a painting: colour, white, effect. */
export function endsPainting(command: LampCommand): boolean {
  return (
    command.segments === undefined &&
    (command.hue !== undefined ||
      command.saturation !== undefined ||
      command.colorTemp !== undefined ||
      (command.effect !== undefined && command.effect !== 'off'))
  );
}
