/**
 * What the event reader needs from a hub: its child list, and one child's trigger log a page at
 * a time. Kept apart so the reader depends on no driver (and the driver on no reader).
 */
import { MalformedResponseError } from '../../transport/errors';

export type Info = Record<string, unknown>;

/** One page of a child's trigger log (newest first). */
export interface TriggerLogPage {
  logs: Info[];
  /** The newest entry's id (0 when the log is empty). */
  startId: number;
  /** How many entries the hub keeps for this child. */
  sum: number;
}

export interface HubLogSource {
  /** Every child record, read now (get_child_device_list, all pages). */
  readRecords(): Promise<Info[]>;
  /** Whether the child keeps a trigger log. */
  hasLog(id: string): boolean;
  /** One page: the newest `pageSize` entries at or below `startId` (0 = from the newest). */
  readLog(id: string, pageSize: number, startId: number): Promise<TriggerLogPage>;
  /**
   * Optional: read the newest page of these children's logs ahead, in one request where the
   * hub's dialect batches child requests (the H200); readLog(id, n, 0) then answers from it.
   */
  prefetchLogs?(ids: readonly string[], pageSize: number): Promise<void>;
}

function isInfo(value: unknown): value is Info {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A get_trigger_logs result as a page; H100 and H200 children answer it alike. */
export function triggerLogPage(result: unknown, address: string): TriggerLogPage {
  if (!isInfo(result) || !Array.isArray(result.logs)) {
    throw new MalformedResponseError(address, 'get_trigger_logs has no logs');
  }
  const logs = result.logs.filter(isInfo);
  const newest = typeof logs[0]?.id === 'number' ? logs[0].id : 0;
  return {
    logs,
    startId: typeof result.start_id === 'number' ? result.start_id : newest,
    sum: typeof result.sum === 'number' ? result.sum : logs.length,
  };
}
