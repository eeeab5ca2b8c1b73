/**
 * The outlets of a Kasa (IOT) strip (docs/protocols/outlets.md §6): listed in socket order in
 * sysinfo's `children`, numbered from 1, and addressed by adding `context.child_ids` to an
 * ordinary request. Metering strips (HS300) answer the emeter per outlet the same way.
 */
import type { IotProtocol, IotRequest } from '../iot-protocol';
import { iotEnergyMonth, iotEnergyToday, iotPower } from '../state';
import type { Outlet } from '../types';

type Info = Record<string, unknown>;

/**
 * The full id of a child: firmware reports either the parent's deviceId followed by two digits
 * or only those digits (some report one); requests work with the full form.
 */
export function fullChildId(deviceId: unknown, id: string): string {
  const parent = typeof deviceId === 'string' ? deviceId : '';
  if (id.length === 2) return parent + id;
  if (id.length === 1) return `${parent}0${id}`;
  return id;
}

/** The outlets sysinfo lists, numbered in socket order. */
export function iotOutlets(sysinfo: Info): Outlet[] {
  const children = Array.isArray(sysinfo.children) ? (sysinfo.children as Info[]) : [];
  return children.map((child, index) => ({
    position: index + 1,
    id: fullChildId(sysinfo.deviceId, String(child?.id ?? '')),
    alias: typeof child?.alias === 'string' ? child.alias : '',
    on: child?.state === 1,
  }));
}

/** A request addressed to one outlet. */
export function toOutlet(outlet: Outlet, request: IotRequest): IotRequest {
  return { context: { child_ids: [outlet.id] }, ...request };
}

/**
 * Adds each outlet's power and energy today, one request per outlet (the context names one
 * outlet at a time). An outlet whose meter fails keeps its switch state and reports no energy.
 */
export async function withOutletEnergy(
  protocol: IotProtocol,
  outlets: Outlet[],
  today: Date,
): Promise<Outlet[]> {
  const metered: Outlet[] = [];
  for (const outlet of outlets) {
    const reply = await protocol.send(
      toOutlet(outlet, {
        emeter: {
          get_realtime: {},
          get_daystat: { year: today.getFullYear(), month: today.getMonth() + 1 },
          get_monthstat: { year: today.getFullYear() },
        },
      }),
    );
    const copy = { ...outlet };
    const realtime = optional(protocol, reply, 'get_realtime');
    const power = iotPower(realtime);
    if (power !== undefined) {
      copy.power = power;
      const energy = {
        realtime,
        daystat: optional(protocol, reply, 'get_daystat'),
        monthstat: optional(protocol, reply, 'get_monthstat'),
        today,
      };
      const energyToday = iotEnergyToday(energy);
      if (energyToday !== undefined) copy.energyToday = energyToday;
      const energyMonth = iotEnergyMonth(energy);
      if (energyMonth !== undefined) copy.energyMonth = energyMonth;
    }
    metered.push(copy);
  }
  return metered;
}

function optional(
  protocol: IotProtocol,
  reply: Record<string, Record<string, unknown>>,
  method: string,
): Info | undefined {
  try {
    return protocol.result(reply, 'emeter', method);
  } catch {
    return undefined;
  }
}
