/**
 * How a hub and the devices paired to it are described (docs/emulator-hubs.md): the shapes
 * models-hubs.ts builds for our H100/KH100 and scripts/check-fixtures.mjs builds from dumps,
 * and that hub.ts and hub-child.ts run.
 */

/** What a paired device is, as the app groups them (the state key `kind` of the library). */
export type HubChildKind =
  | 'button'
  | 'dial'
  | 'motion'
  | 'contact'
  | 'leak'
  | 'climate'
  | 'switch'
  | 'thermostat';

/** The child models a hub pairs with, each one kind. */
export const HUB_CHILD_KINDS = {
  S200B: 'button',
  S200D: 'dial',
  T100: 'motion',
  T110: 'contact',
  T300: 'leak',
  T310: 'climate',
  T315: 'climate',
  S210: 'switch',
  S220: 'switch',
  KE100: 'thermostat',
} as const satisfies Record<string, HubChildKind>;

export type HubChildModelName = keyof typeof HUB_CHILD_KINDS;

export const HUB_CHILD_MODEL_NAMES = Object.keys(HUB_CHILD_KINDS) as HubChildModelName[];

/** One entry of a child's trigger log, as get_trigger_logs answers it. */
export interface TriggerLogEntry {
  id: number;
  eventId: string;
  timestamp: number;
  event: string;
  params?: Record<string, unknown>;
}

/** One paired device as a hub model declares it. */
export interface HubChildModel {
  kind: HubChildKind;
  /**
   * Its get_child_device_list record, which is also what it answers to get_device_info:
   * device_id, category, model, nickname (base64), status, rssi, and its kind's fields.
   */
  info: Record<string, unknown>;
  /** Its get_child_device_component_list entry (`component_list`). */
  components: { id: string; ver_code: number }[];
  /** Entries already logged, newest first (a dump's). */
  logs?: TriggerLogEntry[];
  /** Further read-only answers, method -> result, served as given (a dump's). */
  getters?: Record<string, unknown>;
}

/** A hub's own parts beside get_device_info and component_nego. */
export interface HubSpec {
  /** The paired devices, in the order get_child_device_list lists them. */
  children: HubChildModel[];
  /** get_alarm_configure: { duration, type, volume }. */
  alarm: { duration: number; type: string; volume: string };
  /** get_support_alarm_type_list's names. */
  alarmTypes: string[];
  /** Hub-only read-only answers, method -> result (get_matter_setup_info, …). */
  getters: Record<string, unknown>;
  /** Children per get_child_device_list page (default 10). */
  childPageSize?: number;
  /** Entries a child's log keeps before the oldest go (default 200). */
  logCapacity?: number;
  /** Kinds whose events are kept out of their logs (the H200's buttons, by default). */
  unloggedKinds?: HubChildKind[];
}
