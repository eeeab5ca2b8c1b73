/**
 * The value checks every part of the msg.payload grammar shares (commands, settings, the
 * energyHistory query): refusals name the property and the allowed values, and quote the input
 * cut short, never whole.
 */
import { InvalidCommandError, quoteInput } from '../transport/errors';
import { type Hsv, isRgb, parseHex, rgbToHsv } from './color';

export function invalid(property: string, message: string): InvalidCommandError {
  return new InvalidCommandError(property, message);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number within [min, max], rounded to a whole number; otherwise a named range error. */
export function wholeNumberIn(property: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(
      property,
      `${property} must be a number from ${min} to ${max} (got ${quoteInput(value)})`,
    );
  }
  return Math.round(value);
}

export function booleanOf(property: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw invalid(property, `${property} must be true or false (got ${quoteInput(value)})`);
  }
  return value;
}

/**
 * The colour forms of the grammar ("#rrggbb", {r,g,b}, {h,s,v}) -> HSV in lamp units; refusals
 * name `property` (`color`, or one entry of `segments`).
 */
export function colorValue(property: string, value: unknown): Hsv {
  const usage = `${property} must be "#rrggbb", {r,g,b} (0–255 each) or {h,s,v} (h 0–360, s and v 0–100)`;
  if (typeof value === 'string') {
    const rgb = parseHex(value);
    if (!rgb) throw invalid(property, `${usage} (got ${quoteInput(value)})`);
    return rgbToHsv(rgb);
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort().join(',');
    if (keys === 'b,g,r') {
      if (!isRgb(value))
        throw invalid(
          property,
          `${property} {r,g,b} needs whole numbers from 0 to 255 (got r ${quoteInput(value.r)}, g ${quoteInput(value.g)}, b ${quoteInput(value.b)})`,
        );
      return rgbToHsv(value);
    }
    if (keys === 'h,s,v') {
      return {
        h: wholeNumberIn(`${property}.h`, value.h, 0, 360),
        s: wholeNumberIn(`${property}.s`, value.s, 0, 100),
        v: wholeNumberIn(`${property}.v`, value.v, 0, 100),
      };
    }
  }
  throw invalid(property, `${usage} (got ${quoteInput(value)})`);
}
