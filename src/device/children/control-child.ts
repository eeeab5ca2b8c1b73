/**
 * Talking to the children of a SMART device (strip outlets, hub children): the control_child
 * envelope and its replies, and the paged child lists (start_index/sum, 10 a page on hubs).
 */
import { DeviceError, MalformedResponseError } from '../../transport/errors';
import { type SmartProtocol, type SmartRequest, smartErrorMeaning } from '../smart-protocol';

export type Info = Record<string, unknown>;

/** Pages of a long child list are asked for at most this many times (10 children a page). */
const MAX_PAGES = 16;

export function isInfo(value: unknown): value is Info {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One control_child request: `request` for the child `deviceId`, or several batched inside its
 * requestData. Sent as a request of its own, never inside a parent multipleRequest
 * (SmartProtocol.callAll keeps it alone; docs/protocols/hubs.md §9).
 */
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
export async function allPages(
  protocol: SmartProtocol,
  method: string,
  key: string,
  first: unknown,
): Promise<Info[]> {
  return followPages(protocol.address, method, key, first, (start) =>
    protocol.call(method, { start_index: start }),
  );
}

/**
 * The entries of every page of a paged list, from its first page on: `next(n)` asks for the
 * page starting at entry n, until `sum` entries are in (H100 and H200 lists page alike, only
 * the request differs).
 */
export async function followPages(
  address: string,
  method: string,
  key: string,
  first: unknown,
  next: (startIndex: number) => Promise<unknown>,
): Promise<Info[]> {
  const entries: Info[] = [];
  let page = first;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const list = isInfo(page) && Array.isArray(page[key]) ? (page[key] as unknown[]) : undefined;
    if (!list) throw new MalformedResponseError(address, `${method} has no ${key}`);
    entries.push(...list.filter(isInfo));
    const sum = isInfo(page) && typeof page.sum === 'number' ? page.sum : entries.length;
    if (list.length === 0 || entries.length >= sum) break;
    page = await next(entries.length);
  }
  return entries;
}

/** One component a child lists (get_child_device_component_list). */
export interface ChildComponent {
  id?: unknown;
  ver_code?: unknown;
}

/** Each child's components by its id, from every page of get_child_device_component_list. */
export async function readChildComponents(
  protocol: SmartProtocol,
): Promise<Map<string, ChildComponent[]>> {
  const first = await protocol.call('get_child_device_component_list');
  const entries = await allPages(
    protocol,
    'get_child_device_component_list',
    'child_component_list',
    first,
  );
  const components = new Map<string, ChildComponent[]>();
  for (const entry of entries) {
    if (typeof entry.device_id !== 'string') continue;
    const list = Array.isArray(entry.component_list) ? entry.component_list : [];
    components.set(entry.device_id, list.filter(isInfo));
  }
  return components;
}
