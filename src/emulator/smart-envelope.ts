/**
 * What an emulated SMART device and each of its outlets share: how one method's answer becomes
 * a reply (`{error_code, result?}`), how a multipleRequest runs its sub-requests, and how time
 * on and energy used advance. A strip's outlet answers a `control_child` body with exactly the
 * same rules as the device answers a request (docs/protocols/outlets.md §2).
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

/** What a batch's `run` returns for a sub-request the device leaves out of the reply. */
export const NO_ENTRY = Symbol('no entry');

/**
 * Runs a multipleRequest's sub-requests in order and stops after the first error, like the
 * firmware. A nested multipleRequest is an unknown method; a sub-request without a method is
 * a parameter error.
 */
export function runBatch(
  params: unknown,
  run: (method: string, params: unknown) => Answer | typeof NO_ENTRY,
): Json {
  const requests = isObject(params) ? params.requests : undefined;
  if (!Array.isArray(requests)) return { error_code: PARAMS_ERROR };
  const responses: Json[] = [];
  for (const sub of requests) {
    const method = isObject(sub) && typeof sub.method === 'string' ? sub.method : '';
    const answer =
      method === '' || method === 'multipleRequest'
        ? fail(method === '' ? PARAMS_ERROR : UNKNOWN_METHOD)
        : run(method, (sub as Json).params);
    if (answer === NO_ENTRY) continue;
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

/**
 * Time on and energy used, advanced lazily from the clock before each method (from the state
 * since the last one, so tests may also flip `device_on` directly in the info).
 */
export class PowerClock {
  /** How long the device has been on, and how long and how much it ran today (mWh). */
  onMs: number;
  todayOnMs = 0;
  todayMwh: number;
  private last: number;

  constructor(
    private readonly clock: () => number,
    start: { onMs?: number; todayMwh?: number } = {},
  ) {
    this.onMs = start.onMs ?? 0;
    this.todayMwh = start.todayMwh ?? 0;
    this.last = clock();
  }

  /** Books the time since the last call at `mw` while `info` is on; keeps its on_time current. */
  advance(info: Json, mw: number): void {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    if (info.device_on === true) {
      this.onMs += elapsed;
      this.todayOnMs += elapsed;
      this.todayMwh += (mw * elapsed) / 3_600_000;
    } else {
      this.onMs = 0;
    }
    if ('on_time' in info) info.on_time = Math.floor(this.onMs / 1000);
  }
}
