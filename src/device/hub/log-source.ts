/**
 * What the event reader needs from a hub: its child list, and one child's trigger log a page at
 * a time. Kept apart so the reader depends on no driver (and the driver on no reader).
 */

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
}
