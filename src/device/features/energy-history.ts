/**
 * The `energyHistory` query (docs/features.md §4): `{ interval: "hour" | "day" | "month", start?,
 * end? }` -> `[{ t, wh }]`, t = the bucket's start (ISO). Buckets are local-time periods of the
 * host, as the device counts them in its own zone (set to the same region in practice).
 *
 * SMART get_energy_data answers a block of buckets that starts where the firmware wants it —
 * local midnight (hours), the quarter's first day (days), 1 January (months) — so we ask for
 * exactly those blocks and count bucket times from their starts. Kasa (IOT) meters keep days per
 * month (get_daystat) and months per year (get_monthstat), listing only periods with data:
 * missing ones are 0.
 */
import { InvalidCommandError, quoteInput, UnsupportedFeatureError } from '../../transport/errors';
import { isPlainObject } from '../grammar-values';
import type { SmartRequest } from '../smart-protocol';
import type { Capabilities, EnergyHistoryQuery, EnergyInterval, EnergyPoint } from '../types';

const INTERVALS: readonly EnergyInterval[] = ['hour', 'day', 'month'];
const DAY_MS = 86_400_000;

/** The widest range per interval: enough for a chart, small enough for a few device requests. */
const MAX_SPAN_DAYS: Record<EnergyInterval, number> = { hour: 8, day: 366, month: 5 * 366 };

/** SMART `interval` parameter in minutes. */
const SMART_MINUTES: Record<EnergyInterval, number> = { hour: 60, day: 1440, month: 43200 };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function dateOf(property: string, value: unknown): number {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
  if (typeof value === 'string' && ISO_DATE.test(value.trim())) {
    const time = Date.parse(value.trim());
    if (Number.isFinite(time)) return time;
  }
  throw new InvalidCommandError(
    `energyHistory.${property}`,
    `energyHistory.${property} must be an ISO date such as "2026-11-01" or "2026-11-01T00:00:00Z" (got ${quoteInput(value)})`,
  );
}

/** The start of the local period (hour, day, month) holding `time`. */
export function periodStart(interval: EnergyInterval, time: number): Date {
  const d = new Date(time);
  if (interval === 'hour')
    return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours());
  if (interval === 'day') return new Date(d.getFullYear(), d.getMonth(), d.getDate());
  return new Date(d.getFullYear(), d.getMonth(), 1);
}

/** The start of bucket `i` counted from `from` (calendar arithmetic, so DST days stay right). */
function bucketStart(interval: EnergyInterval, from: Date, i: number): Date {
  const [y, m, d, h] = [from.getFullYear(), from.getMonth(), from.getDate(), from.getHours()];
  if (interval === 'hour') return new Date(y, m, d, h + i);
  if (interval === 'day') return new Date(y, m, d + i);
  return new Date(y, m + i, 1);
}

/**
 * Validates a query (device-independent). Without `start`, the current period of the next
 * coarser unit: today's hours, this month's days, this year's months; without `end`, now.
 */
export function parseEnergyHistory(input: unknown, now: number): EnergyHistoryQuery {
  const usage =
    'energyHistory must be { interval: "hour" | "day" | "month", start?, end? } with ISO dates';
  if (!isPlainObject(input)) {
    throw new InvalidCommandError('energyHistory', `${usage} (got ${quoteInput(input)})`);
  }
  const unknown = Object.keys(input).find((k) => !['interval', 'start', 'end'].includes(k));
  if (unknown !== undefined) {
    throw new InvalidCommandError(
      'energyHistory',
      `${usage}; ${quoteInput(unknown)} is not one of them`,
    );
  }
  const interval = INTERVALS.find((i) => i === input.interval);
  if (!interval) {
    throw new InvalidCommandError(
      'energyHistory.interval',
      `energyHistory.interval must be "hour", "day" or "month" (got ${quoteInput(input.interval)})`,
    );
  }
  const end = input.end === undefined ? now : dateOf('end', input.end);
  const today = new Date(now);
  const defaultStart =
    interval === 'hour'
      ? new Date(today.getFullYear(), today.getMonth(), today.getDate())
      : interval === 'day'
        ? new Date(today.getFullYear(), today.getMonth(), 1)
        : new Date(today.getFullYear(), 0, 1);
  const start = input.start === undefined ? defaultStart.getTime() : dateOf('start', input.start);
  if (start > end) {
    throw new InvalidCommandError(
      'energyHistory.start',
      'energyHistory.start must not be after energyHistory.end',
    );
  }
  const maxDays = MAX_SPAN_DAYS[interval];
  if (end - start > maxDays * DAY_MS) {
    throw new InvalidCommandError(
      'energyHistory.start',
      `energyHistory covers at most ${interval === 'month' ? '5 years' : `${maxDays} days`} at interval "${interval}": narrow start/end or use a coarser interval`,
    );
  }
  return { interval, start, end };
}

/** Refuses a history the device does not keep, naming the model. */
export function checkEnergyHistory(
  query: EnergyHistoryQuery,
  capabilities: Capabilities,
  model: string,
): void {
  const device = `this ${model || 'device'}`;
  if (!capabilities.energy) {
    throw new UnsupportedFeatureError(
      'energyHistory',
      `${device} has no energy meter (energyHistory)`,
    );
  }
  const offered = capabilities.energyHistory;
  if (offered.length === 0) {
    throw new UnsupportedFeatureError(
      'energyHistory',
      `${device} keeps no energy history we can read (energyHistory)`,
    );
  }
  if (!offered.includes(query.interval)) {
    throw new UnsupportedFeatureError(
      'energyHistory.interval',
      `${device} keeps no energy history by ${query.interval} (energyHistory.interval); use ${offered.map((i) => `"${i}"`).join(' or ')}`,
    );
  }
}

/** Only buckets that overlap [start, end] and have begun by `now`. */
function keep(query: EnergyHistoryQuery, t: Date, now: number): boolean {
  const next = bucketStart(query.interval, t, 1).getTime();
  return next > query.start && t.getTime() <= query.end && t.getTime() <= now;
}

/** The blocks a SMART device answers: days (hours), quarters (days) or years (months). */
function smartBlocks(query: EnergyHistoryQuery): Date[] {
  const blocks: Date[] = [];
  const first = new Date(query.start);
  let block: Date;
  if (query.interval === 'hour') block = periodStart('day', query.start);
  else if (query.interval === 'day') {
    block = new Date(first.getFullYear(), first.getMonth() - (first.getMonth() % 3), 1);
  } else block = new Date(first.getFullYear(), 0, 1);
  while (block.getTime() <= query.end) {
    blocks.push(block);
    block = nextBlock(query.interval, block);
  }
  return blocks;
}

function nextBlock(interval: EnergyInterval, block: Date): Date {
  const [y, m, d] = [block.getFullYear(), block.getMonth(), block.getDate()];
  if (interval === 'hour') return new Date(y, m, d + 1);
  if (interval === 'day') return new Date(y, m + 3, 1);
  return new Date(y + 1, 0, 1);
}

/** SMART requests (one get_energy_data per block) and how to turn their results into points. */
export function smartHistoryPlan(query: EnergyHistoryQuery): {
  requests: SmartRequest[];
  points: (results: unknown[], now: number) => EnergyPoint[];
} {
  const blocks = smartBlocks(query);
  const requests = blocks.map((block) => {
    const next = nextBlock(query.interval, block);
    // Hours: the firmware wants the end of the day itself (23:59:59), not the next midnight.
    const end = query.interval === 'hour' ? next.getTime() - 1000 : next.getTime();
    return {
      method: 'get_energy_data',
      params: {
        start_timestamp: Math.floor(block.getTime() / 1000),
        end_timestamp: Math.floor(end / 1000),
        interval: SMART_MINUTES[query.interval],
      },
    };
  });
  const points = (results: unknown[], now: number): EnergyPoint[] => {
    const out: EnergyPoint[] = [];
    results.forEach((result, index) => {
      const data = isPlainObject(result) && Array.isArray(result.data) ? result.data : [];
      const block = blocks[index] as Date;
      const next = nextBlock(query.interval, block).getTime();
      data.forEach((wh, i) => {
        const t = bucketStart(query.interval, block, i);
        // A block never spills into the next one, whatever length the device answers with.
        if (t.getTime() >= next || typeof wh !== 'number' || !keep(query, t, now)) return;
        out.push({ t: t.toISOString(), wh });
      });
    });
    return out;
  };
  return { requests, points };
}

/** A Kasa stat request: get_daystat per month, get_monthstat per year, in the range. */
export interface IotStatRequest {
  method: 'get_daystat' | 'get_monthstat';
  params: { year: number; month?: number };
}

export function iotHistoryRequests(query: EnergyHistoryQuery): IotStatRequest[] {
  const requests: IotStatRequest[] = [];
  const first = new Date(query.start);
  if (query.interval === 'day') {
    for (
      let m = new Date(first.getFullYear(), first.getMonth(), 1);
      m.getTime() <= query.end;
      m = new Date(m.getFullYear(), m.getMonth() + 1, 1)
    ) {
      requests.push({
        method: 'get_daystat',
        params: { year: m.getFullYear(), month: m.getMonth() + 1 },
      });
    }
  } else {
    for (let y = first.getFullYear(); new Date(y, 0, 1).getTime() <= query.end; y++) {
      requests.push({ method: 'get_monthstat', params: { year: y } });
    }
  }
  return requests;
}

/**
 * Points from the stat lists, every bucket of the range present (0 where the device lists
 * nothing), in date order whatever order the device kept them in.
 */
export function iotHistoryPoints(
  query: EnergyHistoryQuery,
  lists: unknown[],
  entryWh: (entry: Record<string, unknown>) => number | undefined,
  now: number,
): EnergyPoint[] {
  const byKey = new Map<string, number>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!isPlainObject(entry)) continue;
      const wh = entryWh(entry);
      if (wh === undefined) continue;
      byKey.set(`${entry.year}-${entry.month}-${query.interval === 'day' ? entry.day : 1}`, wh);
    }
  }
  const points: EnergyPoint[] = [];
  const first = periodStart(query.interval, query.start);
  for (let i = 0; ; i++) {
    const t = bucketStart(query.interval, first, i);
    if (t.getTime() > query.end || t.getTime() > now) break;
    if (!keep(query, t, now)) continue;
    const key = `${t.getFullYear()}-${t.getMonth() + 1}-${query.interval === 'day' ? t.getDate() : 1}`;
    points.push({ t: t.toISOString(), wh: byKey.get(key) ?? 0 });
  }
  return points;
}
