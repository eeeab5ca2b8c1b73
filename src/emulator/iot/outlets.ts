/**
 * The outlets of a Kasa strip (KP303, HS300, a dump's): sysinfo `children`, each with its own
 * relay, alias, on_time and, on metering strips, its own meter. A request aims at outlets with a
 * top-level `context.child_ids`, in either id form firmware uses (the strip's deviceId and two
 * digits, or the two digits alone); docs/protocols/outlets.md §6.
 */
import type { EmeterProfile } from '../models';
import { EnergyMeter } from './emeter';
import type { IotCall, IotContext } from './service';

type Json = Record<string, unknown>;

/** The full form of an IOT child id: firmware that lists bare digits means deviceId + them. */
export function fullChildId(deviceId: string, id: string): string {
  return id.length <= 2 ? `${deviceId}${id.padStart(2, '0')}` : id;
}

export class IotOutlets {
  /** When each outlet last switched on, or undefined while off. */
  private readonly onSince = new Map<Json, number | undefined>();
  /** One meter per outlet, in sysinfo order (empty on strips without a meter). */
  readonly meters: EnergyMeter[];

  constructor(private readonly context: IotContext) {
    const now = context.clock();
    for (const child of this.list) {
      // Some firmware reports a negative on_time for an outlet that is on; count it as 0.
      const seconds = typeof child.on_time === 'number' ? Math.max(0, child.on_time) : 0;
      this.onSince.set(child, child.state === 1 ? now - seconds * 1000 : undefined);
    }
    const profile = context.model.emeter;
    const watts = context.model.outletWatts ?? [];
    this.meters = profile
      ? this.list.map(
          (child, index) =>
            new EnergyMeter(outletProfile(profile, index), context.clock, () =>
              child.state === 1 ? (watts[index] ?? profile.watts) : 0,
            ),
        )
      : [];
  }

  /** The live sysinfo children, in socket order. */
  get list(): Json[] {
    return this.context.sysinfo.children as Json[];
  }

  /**
   * The outlets `ids` name, or undefined when one of them is not an outlet of this strip (or
   * none is named). Ids match in full or as the two digits after the strip's deviceId.
   */
  resolve(ids: string[]): Json[] | undefined {
    const deviceId = String(this.context.sysinfo.deviceId ?? '');
    const full = (id: string) => fullChildId(deviceId, id);
    const found = ids.map((id) => this.list.find((child) => full(String(child.id)) === full(id)));
    if (found.length === 0 || found.some((child) => child === undefined)) return undefined;
    return found as Json[];
  }

  /** Switches the outlets a request names, or all of them without a context. */
  switch(call: IotCall, state: 0 | 1): void {
    for (const child of call.children ?? this.list) {
      if (state === 1 && child.state !== 1) this.onSince.set(child, this.context.clock());
      if (state === 0) this.onSince.set(child, undefined);
      child.state = state;
    }
  }

  /** Brings each outlet's on_time up to now (for get_sysinfo). */
  refresh(): void {
    const now = this.context.clock();
    for (const child of this.list) {
      const since = this.onSince.get(child);
      child.on_time = since === undefined ? 0 : Math.floor((now - since) / 1000);
    }
  }

  /**
   * The meter a request reads: the first outlet its context names. Without a context, the first
   * outlet's (an HS300 hw 2 answers slot 0 there, so the strip's own reading is outlet 1's).
   */
  meterFor(call: IotCall): EnergyMeter {
    const child = call.children?.[0];
    const index = child ? this.list.indexOf(child) : 0;
    return this.meters[Math.max(0, index)];
  }
}

/** An outlet's meter reads like the strip's, with slot_id its index where firmware adds one. */
function outletProfile(profile: EmeterProfile, index: number): EmeterProfile {
  if (!profile.extra || !('slot_id' in profile.extra)) return profile;
  return { ...profile, extra: { ...profile.extra, slot_id: index } };
}
