/**
 * The value checks every part of the msg.payload grammar shares (commands, settings, the
 * energyHistory query): refusals name the property and the allowed values, and quote the input
 * cut short, never whole.
 */
import { InvalidCommandError, quoteInput } from '../transport/errors';

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
