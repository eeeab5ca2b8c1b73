/**
 * The outlets of a SMART power strip (docs/protocols/outlets.md §1–§3): listed by the parent's
 * get_child_device_list (paged with start_index/sum), each addressed through control_child,
 * which carries one request or a multipleRequest for that outlet. Outlets are numbered by their
 * `position` on the housing, which is not the list order (some firmware lists them reversed).
 */
import { DeviceError, MalformedResponseError } from '../../transport/errors';
import {
  allPages,
  childResult,
  childResults,
  controlChild,
  isInfo,
  readChildComponents,
} from '../children/control-child';
import {
  type SmartOutcome,
  type SmartProtocol,
  type SmartRequest,
  unwrap,
} from '../smart-protocol';
import { decodeNickname } from '../state';
import type { AutoOff, Outlet } from '../types';

type Info = Record<string, unknown>;

export class SmartOutlets {
  private constructor(
    private readonly protocol: SmartProtocol,
    /** device_ids of the outlets that meter their energy (P304M, P316M, P210M). */
    private readonly metered: ReadonlySet<string>,
    /** device_ids of the metering outlets that also keep a history (energy_monitoring v2). */
    private readonly historied: ReadonlySet<string>,
    /**
     * Each outlet's own auto-off config (`enable`, `delay_min`), where it has one: read when
     * the session opens and kept from our own writes. Whether it is on is in every child list.
     */
    private readonly autoOff: Map<string, Info>,
  ) {}

  /** Whether the outlet has an auto-off of its own. */
  hasAutoOff(outlet: Outlet): boolean {
    return this.autoOff.has(outlet.id);
  }

  /** The set_auto_off_config for one outlet: the change over what it had. */
  autoOffRequest(outlet: Outlet, change: Partial<AutoOff>): SmartRequest {
    const last = this.autoOff.get(outlet.id) ?? {};
    const params = {
      enable: change.enabled ?? last.enable === true,
      delay_min: change.minutes ?? (typeof last.delay_min === 'number' ? last.delay_min : 120),
    };
    return controlChild(outlet.id, [{ method: 'set_auto_off_config', params }]);
  }

  /** Keeps what a set_auto_off_config the outlet accepted wrote. */
  rememberAutoOff(outlet: Outlet, request: SmartRequest): void {
    const data = (request.params as { requestData?: { params?: Info } }).requestData;
    if (data?.params) this.autoOff.set(outlet.id, { ...data.params });
  }

  /** Whether the outlet keeps an hour/day/month history (get_energy_data). */
  keepsHistory(outlet: Outlet): boolean {
    return this.historied.has(outlet.id);
  }

  /** Learns which outlets meter, from get_child_device_component_list. */
  static async open(protocol: SmartProtocol): Promise<SmartOutlets> {
    const metered = new Set<string>();
    const historied = new Set<string>();
    const autoOff = new Map<string, Info>();
    try {
      for (const [id, components] of await readChildComponents(protocol)) {
        if (components.some((c) => c.id === 'auto_off')) autoOff.set(id, {});
        const meter = components.find((c) => c.id === 'energy_monitoring');
        if (!meter) continue;
        metered.add(id);
        if (typeof meter.ver_code === 'number' && meter.ver_code >= 2) historied.add(id);
      }
    } catch (error) {
      // Without the component list the outlets still switch; they only report no energy.
      if (!(error instanceof DeviceError)) throw error;
    }
    await readAutoOff(protocol, autoOff);
    return new SmartOutlets(protocol, metered, historied, autoOff);
  }

  /** Appended to every state read: the child list, and each metering outlet's energy. */
  readRequests(): SmartRequest[] {
    const reads: SmartRequest[] = [{ method: 'get_child_device_list' }];
    for (const id of this.metered) {
      reads.push(
        controlChild(id, [{ method: 'get_energy_usage' }, { method: 'get_current_power' }]),
      );
    }
    return reads;
  }

  /** The outlets from the outcomes of readRequests(), fetching further list pages if any. */
  async outletsFrom(outcomes: SmartOutcome[]): Promise<Outlet[]> {
    const [list, ...energy] = outcomes;
    if (!list) throw new MalformedResponseError(this.protocol.address, 'no child list read');
    const children = await allPages(
      this.protocol,
      'get_child_device_list',
      'child_device_list',
      unwrap(list),
    );
    const energyById = new Map<string, Map<string, unknown>>();
    const ids = [...this.metered];
    energy.forEach((outcome, i) => {
      const id = ids[i];
      if (!outcome.ok || id === undefined) return; // energy may fail alone; the switch stays
      try {
        energyById.set(id, childResults(outcome.result, this.protocol.address));
      } catch {
        // an outlet that would not report its energy this time
      }
    });
    return children.map((child, index) => toOutlet(child, index, energyById, this.autoOff));
  }

  /** Switches (and, on lamp sockets, dims) one outlet. */
  switchRequest(outlet: Outlet, on: boolean, brightness?: number): SmartRequest {
    const params: Info = { device_on: on };
    if (brightness !== undefined) params.brightness = brightness;
    return controlChild(outlet.id, [{ method: 'set_device_info', params }]);
  }
}

/**
 * Each outlet's auto-off config, in one batch when the session opens; an outlet that will not
 * say keeps none (it then offers no auto-off).
 */
async function readAutoOff(protocol: SmartProtocol, autoOff: Map<string, Info>): Promise<void> {
  const ids = [...autoOff.keys()];
  if (ids.length === 0) return;
  const outcomes = await protocol.callAll(
    ids.map((id) => controlChild(id, [{ method: 'get_auto_off_config' }])),
  );
  outcomes.forEach((outcome, i) => {
    const id = ids[i] as string;
    try {
      const config = childResult(unwrap(outcome), protocol.address);
      if (isInfo(config) && typeof config.delay_min === 'number') autoOff.set(id, config);
      else autoOff.delete(id);
    } catch {
      autoOff.delete(id);
    }
  });
}

function toOutlet(
  child: Info,
  index: number,
  energyById: Map<string, Map<string, unknown>>,
  autoOff: Map<string, Info>,
): Outlet {
  const id = typeof child.device_id === 'string' ? child.device_id : '';
  const outlet: Outlet = {
    // Without `position` (KS240), the list order is all there is.
    position: typeof child.position === 'number' ? child.position : index + 1,
    id,
    alias: decodeNickname(child.nickname),
    on: child.device_on === true,
  };
  if (typeof child.brightness === 'number') outlet.brightness = child.brightness;
  const config = autoOff.get(id);
  if (config) {
    // The list says whether it is on now; the minutes are the config's.
    const enabled =
      typeof child.auto_off_status === 'string'
        ? child.auto_off_status === 'on'
        : config.enable === true;
    outlet.autoOff = { enabled, minutes: Number(config.delay_min) };
  }
  const energy = energyById.get(id);
  if (energy) {
    const usage = energy.get('get_energy_usage');
    const current = energy.get('get_current_power');
    // get_current_power is whole watts; get_energy_usage's current_power, where present, mW.
    if (isInfo(usage) && typeof usage.current_power === 'number') {
      outlet.power = usage.current_power / 1000;
    } else if (isInfo(current) && typeof current.current_power === 'number') {
      outlet.power = current.current_power;
    }
    if (isInfo(usage) && typeof usage.today_energy === 'number') {
      outlet.energyToday = usage.today_energy;
    }
    if (isInfo(usage) && typeof usage.month_energy === 'number') {
      outlet.energyMonth = usage.month_energy;
    }
  }
  return outlet;
}
