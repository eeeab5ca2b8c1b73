/**
 * The energy meter: `emeter` on plugs and on each outlet of a metering strip (HS300),
 * `smartlife.iot.common.emeter` on bulbs and light strips. Power follows the device (a plug's or
 * an outlet's load while its relay is on, a lamp's rating scaled by its brightness while lit)
 * and is integrated over the clock into per-day totals, so get_realtime, get_daystat and
 * get_monthstat agree with each other.
 *
 * Units by EmeterProfile.style: 'milli' power_mw/voltage_mv/current_ma/total_wh and energy_wh;
 * 'base' (first-generation plugs) power W, voltage V, current A, total kWh and energy kWh;
 * 'lamp' power_mw, total_wh and voltage_mv/current_ma at 0. Firmware that reports fewer keys
 * lists them in EmeterProfile.fields.
 */
import { isObject, type Json } from '../json';
import type { EmeterProfile } from '../models';
import type { LampLight } from './light';
import { type IotCall, type IotContext, type IotService, intIn, invalid, ok } from './service';

const MS_PER_HOUR = 3_600_000;

/** Days of history the meter starts with, so day and month lists are not empty. */
const SEEDED_DAYS = 40;

function dayKey(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export class EnergyMeter {
  /** Wh per local day, keyed "y-m-d". */
  private readonly days = new Map<string, number>();
  private last: number;

  /** `load` says what the metered thing draws now, in W. */
  constructor(
    private readonly profile: EmeterProfile,
    private readonly clock: () => number,
    private readonly load: () => number,
  ) {
    this.last = clock();
    // A made-up but stable history: a few hours of load on each earlier day.
    for (let back = SEEDED_DAYS; back >= 1; back--) {
      const hours = 1 + ((back * 7) % 5);
      this.days.set(dayKey(this.last - back * 24 * MS_PER_HOUR), profile.watts * hours);
    }
  }

  /** Watts drawn now. */
  power(): number {
    return this.load();
  }

  /** Book the energy drawn since the last call; called before anything changes the device. */
  accrue(): void {
    const now = this.clock();
    if (now <= this.last) return;
    const wh = (this.power() * (now - this.last)) / MS_PER_HOUR;
    const key = dayKey(now);
    this.days.set(key, (this.days.get(key) ?? 0) + wh);
    this.last = now;
  }

  private totalWh(): number {
    let sum = 0;
    for (const wh of this.days.values()) sum += wh;
    return sum;
  }

  realtime(): Json {
    const reading = { ...this.reading(), ...this.profile.extra };
    const fields = this.profile.fields;
    if (!fields) return ok(reading);
    return ok(Object.fromEntries(Object.entries(reading).filter(([key]) => fields.includes(key))));
  }

  private reading(): Json {
    const watts = this.power();
    const volts = this.profile.volts;
    const amps = volts > 0 ? watts / volts : 0;
    switch (this.profile.style) {
      case 'base':
        return { power: watts, voltage: volts, current: amps, total: this.totalWh() / 1000 };
      case 'milli':
        return {
          voltage_mv: Math.round(volts * 1000),
          current_ma: Math.round(amps * 1000),
          power_mw: Math.round(watts * 1000),
          total_wh: Math.round(this.totalWh()),
        };
      default:
        // Lamps that report voltage and current at all report them as 0.
        return {
          voltage_mv: 0,
          current_ma: 0,
          power_mw: Math.round(watts * 1000),
          total_wh: Math.round(this.totalWh()),
        };
    }
  }

  private energy(wh: number): Json {
    return this.profile.style === 'base'
      ? { energy: Math.round(wh) / 1000 }
      : { energy_wh: Math.round(wh) };
  }

  daystat(year: number, month: number): Json {
    const dayList: Json[] = [];
    for (const [key, wh] of this.days) {
      const [y, m, d] = key.split('-').map(Number);
      if (y === year && m === month) dayList.push({ year, month, day: d, ...this.energy(wh) });
    }
    return ok({ day_list: dayList });
  }

  monthstat(year: number): Json {
    const months = new Map<number, number>();
    for (const [key, wh] of this.days) {
      const [y, m] = key.split('-').map(Number);
      if (y === year) months.set(m, (months.get(m) ?? 0) + wh);
    }
    const monthList = [...months].map(([month, wh]) => ({ year, month, ...this.energy(wh) }));
    return ok({ month_list: monthList });
  }
}

/** A lamp's meter: its rating scaled by brightness while lit. */
export function lampMeter(profile: EmeterProfile, context: IotContext, light: LampLight) {
  return new EnergyMeter(profile, context.clock, () =>
    light.on ? (profile.watts * Math.max(1, light.values.brightness)) / 100 : 0,
  );
}

/** A plug's meter: its load while the relay is on. */
export function relayMeter(profile: EmeterProfile, context: IotContext) {
  return new EnergyMeter(profile, context.clock, () =>
    context.sysinfo.relay_state === 1 ? profile.watts : 0,
  );
}

/**
 * The meter methods; `meterFor` picks the meter a request reads (a strip's: the outlet its
 * context names).
 */
export function emeterService(
  module: string,
  meterFor: (call: IotCall) => EnergyMeter,
): IotService {
  return {
    module,
    methods: {
      get_realtime: (_args, call) => meterFor(call).realtime(),
      get_daystat: (args, call) => {
        const year = isObject(args) ? intIn(args.year, 2000, 2100) : undefined;
        const month = isObject(args) ? intIn(args.month, 1, 12) : undefined;
        return year === undefined || month === undefined
          ? invalid()
          : meterFor(call).daystat(year, month);
      },
      get_monthstat: (args, call) => {
        const year = isObject(args) ? intIn(args.year, 2000, 2100) : undefined;
        return year === undefined ? invalid() : meterFor(call).monthstat(year);
      },
    },
  };
}
