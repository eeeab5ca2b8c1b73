/**
 * get_energy_data of an emulated Tapo energy plug (docs/features.md §4): a made-up but stable
 * history (the lamp on in the morning and the evening, longer on some days), answered in the
 * blocks real firmware uses — hours from the start day's local midnight, days from the
 * quarter's first day, months from 1 January — with buckets after "now" at 0.
 */
import { isObject, type Json } from './json';
import { localTime } from './smart-envelope';

const PARAMS_ERROR = -1008;
const HOUR_MS = 3_600_000;
/** The longest hourly reply firmware gives (8 days). */
const MAX_HOURS = 8 * 24;

/** Wh used in the local hour starting at `start` (a 9 W lamp, on at 7 and from 18 to 22 h). */
export function hourWh(start: Date): number {
  const hour = start.getHours();
  const lit = hour === 7 || (hour >= 18 && hour <= 22);
  return lit ? 9 * (1 + (start.getDate() % 3)) : 0;
}

function dayWh(day: Date, now: number): number {
  let sum = 0;
  for (let h = 0; h < 24; h++) {
    const start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), h);
    if (start.getTime() + HOUR_MS <= now) sum += hourWh(start);
  }
  return sum;
}

function monthWh(month: Date, now: number): number {
  let sum = 0;
  for (let d = 1; ; d++) {
    const day = new Date(month.getFullYear(), month.getMonth(), d);
    if (day.getMonth() !== month.getMonth()) return sum;
    sum += dayWh(day, now);
  }
}

/** Only completed hours count, so a bucket's value does not move while it is read. */
function bucket(interval: number, start: Date, now: number): number {
  if (start.getTime() > now) return 0;
  if (interval === 60) return start.getTime() + HOUR_MS <= now ? hourWh(start) : 0;
  if (interval === 1440) return dayWh(start, now);
  return monthWh(start, now);
}

export function energyData(
  params: unknown,
  now: number,
): { code: 0; result: Json } | { code: number } {
  if (!isObject(params)) return { code: PARAMS_ERROR };
  const { start_timestamp: start, end_timestamp: end, interval } = params;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    (start as number) < 0 ||
    (end as number) < (start as number) ||
    ![60, 1440, 43200].includes(interval as number)
  ) {
    return { code: PARAMS_ERROR };
  }
  const from = new Date((start as number) * 1000);
  const data: number[] = [];
  if (interval === 60) {
    const midnight = new Date(from.getFullYear(), from.getMonth(), from.getDate());
    const hours = Math.ceil(((end as number) * 1000 - midnight.getTime() + 1000) / HOUR_MS);
    for (let h = 0; h < Math.min(Math.max(hours, 24), MAX_HOURS); h++) {
      const at = new Date(midnight.getFullYear(), midnight.getMonth(), midnight.getDate(), h);
      data.push(bucket(60, at, now));
    }
  } else if (interval === 1440) {
    const quarter = new Date(from.getFullYear(), from.getMonth() - (from.getMonth() % 3), 1);
    const next = new Date(quarter.getFullYear(), quarter.getMonth() + 3, 1);
    for (let d = 0; ; d++) {
      const at = new Date(quarter.getFullYear(), quarter.getMonth(), 1 + d);
      if (at >= next) break;
      data.push(bucket(1440, at, now));
    }
  } else {
    for (let m = 0; m < 12; m++) data.push(bucket(43200, new Date(from.getFullYear(), m, 1), now));
  }
  // Like real firmware, the reply echoes the requested timestamps (not the block's start).
  return {
    code: 0,
    result: {
      local_time: localTime(now),
      data,
      start_timestamp: start,
      end_timestamp: end,
      interval,
    },
  };
}
