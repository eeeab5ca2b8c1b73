/**
 * The outlets of a SMART power strip (docs/protocols/outlets.md §1–§3): listed by the parent's
 * get_child_device_list (paged with start_index/sum), each addressed through control_child,
 * which carries one request or a multipleRequest for that outlet. Outlets are numbered by their
 * `position` on the housing, which is not the list order (some firmware lists them reversed).
 */
import { DeviceError, MalformedResponseError } from '../../transport/errors';
import {
  type SmartOutcome,
  type SmartProtocol,
  type SmartRequest,
  smartErrorMeaning,
  unwrap,
} from '../smart-protocol';
import { decodeNickname } from '../state';
import type { AutoOff, Outlet } from '../types';

type Info = Record<string, unknown>;

/** Pages of a long child list are asked for at most this many times (a strip has ≤ 6). */
const MAX_PAGES = 16;

function isInfo(value: unknown): value is Info {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One control_child request: `request` for the outlet `deviceId`, or several as a batch. */
export function controlChild(deviceId: string, requests: SmartRequest[]): SmartRequest {
  const only = requests.length === 1 ? requests[0] : undefined;
  const requestData = only
    ? { method: only.method, params: only.params ?? null }
    : {
        method: 'multipleRequest',
        params: {
          requests: requests.map((r) =>
            r.params === undefined ? { method: r.method } : { method: r.method, params: r.params },
          ),
        },
      };
  return { method: 'control_child', params: { device_id: deviceId, requestData } };
}

/** The result inside a control_child reply, or the outlet's own error thrown. */
export function childResult(result: unknown, address: string): unknown {
  const data = isInfo(result) ? result.responseData : undefined;
  if (!isInfo(data))
    throw new MalformedResponseError(address, 'control_child reply has no responseData');
  const code = typeof data.error_code === 'number' ? data.error_code : 0;
  if (code !== 0) throw new DeviceError(address, 'control_child', code, smartErrorMeaning(code));
  return data.result ?? {};
}

/**
 * The inner answers of a control_child that carried a multipleRequest, by method; a method the
 * outlet refused is left out (each has its own error code).
 */
export function childResults(result: unknown, address: string): Map<string, unknown> {
  const inner = childResult(result, address);
  const results = new Map<string, unknown>();
  const responses = isInfo(inner) && Array.isArray(inner.responses) ? inner.responses : [];
  for (const entry of responses as Info[]) {
    if (isInfo(entry) && typeof entry.method === 'string' && (entry.error_code ?? 0) === 0) {
      results.set(entry.method, entry.result ?? {});
    }
  }
  return results;
}

/** Reads every page of a paged child list (`key` holds the entries), following start_index/sum. */
async function allPages(
  protocol: SmartProtocol,
  method: string,
  key: string,
  first: unknown,
): Promise<Info[]> {
  const entries: Info[] = [];
  let page = first;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const list = isInfo(page) && Array.isArray(page[key]) ? (page[key] as unknown[]) : undefined;
    if (!list) throw new MalformedResponseError(protocol.address, `${method} has no ${key}`);
    entries.push(...list.filter(isInfo));
    const sum = isInfo(page) && typeof page.sum === 'number' ? page.sum : entries.length;
    if (list.length === 0 || entries.length >= sum) break;
    page = await protocol.call(method, { start_index: entries.length });
  }
  return entries;
}

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
      const first = await protocol.call('get_child_device_component_list');
      const entries = await allPages(
        protocol,
        'get_child_device_component_list',
        'child_component_list',
        first,
      );
      for (const entry of entries) {
        const components = Array.isArray(entry.component_list) ? entry.component_list : [];
        const ownAutoOff = components.some((c: { id?: unknown }) => c?.id === 'auto_off');
        if (ownAutoOff && typeof entry.device_id === 'string') autoOff.set(entry.device_id, {});
        const meter = components.find((c: { id?: unknown }) => c?.id === 'energy_monitoring');
        if (!meter || typeof entry.device_id !== 'string') continue;
        metered.add(entry.device_id);
        if (typeof meter.ver_code === 'number' && meter.ver_code >= 2)
          historied.add(entry.device_id);
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
