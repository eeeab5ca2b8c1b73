/** The plaintext JSON both emulated dialects receive once KLAP has decrypted it. */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request body as a JSON object, or undefined when it is not JSON or not an object. */
export function parseObject(plaintext: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(plaintext);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
