/**
 * What an emulated SMART device and each of its outlets share: how one method's answer becomes
 * a reply (`{error_code, result?}`), and how a multipleRequest runs its sub-requests. A strip's
 * outlet answers a `control_child` body with exactly the same rules as the device answers a
 * request (docs/protocols/outlets.md §2).
 */
import { isObject, type Json } from './json';

/** A device answer for one method: a result, or an error code. */
export type Answer = { code: 0; result?: unknown } | { code: number };

export const ok = (result?: unknown): Answer => ({ code: 0, result });
export const fail = (code: number): Answer => ({ code });

export const PARAMS_ERROR = -1008;
export const UNKNOWN_METHOD = -1002;
export const JSON_DECODE_FAIL = -1003;
export const RATE_LIMITED = -1301;

export function envelope(answer: Answer): Json {
  if (answer.code !== 0) return { error_code: answer.code };
  const result = (answer as { result?: unknown }).result;
  return result === undefined ? { error_code: 0 } : { error_code: 0, result };
}

/**
 * Runs a multipleRequest's sub-requests in order and stops after the first error, like the
 * firmware. A nested multipleRequest is an unknown method; a sub-request without a method is
 * a parameter error.
 */
export function runBatch(params: unknown, run: (method: string, params: unknown) => Answer): Json {
  const requests = isObject(params) ? params.requests : undefined;
  if (!Array.isArray(requests)) return { error_code: PARAMS_ERROR };
  const responses: Json[] = [];
  for (const sub of requests) {
    const method = isObject(sub) && typeof sub.method === 'string' ? sub.method : '';
    const answer =
      method === '' || method === 'multipleRequest'
        ? fail(method === '' ? PARAMS_ERROR : UNKNOWN_METHOD)
        : run(method, (sub as Json).params);
    responses.push({ method, ...envelope(answer) });
    if (answer.code !== 0) break;
  }
  return { error_code: 0, result: { responses } };
}

/** "2026-11-25 19:30:00": the device's local time as energy replies carry it. */
export function localTime(time: number): string {
  const now = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

/** A base64 UTF-8 nickname as firmware accepts it: non-empty and canonical base64. */
export function validNickname(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name !== '' &&
    Buffer.from(name, 'base64').toString('base64') === name
  );
}
