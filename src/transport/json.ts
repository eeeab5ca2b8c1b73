/** JSON reading the transports share: replies and handshake answers are read defensively. */

/** `value` as a JSON object, or undefined when it is none (null, an array, a scalar). */
export function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A JSON object from text, or undefined for anything else (never throws). */
export function parseRecord(text: string): Record<string, unknown> | undefined {
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined;
  }
}
