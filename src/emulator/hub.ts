/**
 * The hub side of an emulated H100/KH100 (docs/emulator-hubs.md): the paged child lists,
 * control_child to a paired device, the alarm, the hub-only getters, and the actions the
 * emulator's control side (the API here and hub-control-server.ts) uses to make things happen
 * to the paired devices.
 */
import { CHILD_UNSUPPORTED, EmulatedHubChild, HubActionError } from './hub-child';
import type { HubChildKind, HubChildModel, HubSpec, TriggerLogEntry } from './hub-types';
import { isObject, type Json } from './json';
import { firmwareGetters } from './model-parts';
import type { SmartModel } from './model-types';
import { type HubChildOption, pairChildren } from './models-hubs';
import { childPage, DEFAULT_CHILD_PAGE_SIZE } from './smart-children';
import { type Answer, fail, ok, PARAMS_ERROR } from './smart-envelope';
import { DEFAULT_LOG_CAPACITY, HubLogIds } from './trigger-log';

/** A child by its device_id, its alias (case-insensitive) or its 1-based place in the list. */
export type HubChildSelector = string | number;

export const ALARM_VOLUMES = ['mute', 'low', 'normal', 'high'];

/** The state of the hub's siren, for assertions. */
export interface HubAlarmState {
  /** The siren is sounding now (get_device_info's in_alarm). */
  sounding: boolean;
  /** The stored configuration (get_alarm_configure). */
  type: string;
  volume: string;
  duration: number;
  /** play_alarm requests taken. */
  plays: number;
  /** What the last play_alarm sounded: the stored configuration with its overrides. */
  last: { type: string; volume: string; duration: number } | null;
}

/** A child as the control side lists it. */
export interface HubChildSummary {
  index: number;
  id: string;
  alias: string;
  model: string;
  kind: string;
  online: boolean;
  /** Its record as the hub's child list carries it now. */
  record: Json;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

export class EmulatedHub {
  /** In list order. */
  readonly children: EmulatedHubChild[];
  private readonly ids: HubLogIds;
  private readonly unpaired: HubChildModel[] = [];
  private readonly pageSize: number;
  private readonly config: { duration: number; type: string; volume: string };
  private alarmUntil = 0;
  /** Kinds whose events change the record but are kept out of the logs (H200 buttons). */
  private unloggedKinds: Set<HubChildKind>;
  private plays = 0;
  private last: HubAlarmState['last'] = null;

  constructor(
    private readonly spec: HubSpec,
    /** The hub's live get_device_info (in_alarm follows the siren). */
    private readonly info: Json,
    private readonly clock: () => number,
  ) {
    this.unloggedKinds = new Set(spec.unloggedKinds ?? []);
    // Start the counter somewhere that looks lived-in: real hubs' ids run into the thousands.
    this.ids = new HubLogIds(1000);
    this.children = spec.children.map((child) => this.adopt(child));
    this.pageSize = spec.childPageSize ?? DEFAULT_CHILD_PAGE_SIZE;
    this.config = { ...spec.alarm };
  }

  private adopt(model: HubChildModel): EmulatedHubChild {
    const capacity = this.spec.logCapacity ?? DEFAULT_LOG_CAPACITY;
    return new EmulatedHubChild(model, this.clock, this.ids, capacity, () =>
      this.unloggedKinds.has(model.kind),
    );
  }

  /** The answer to a hub method, or undefined when it is not one (the device answers it). */
  run(method: string, params: unknown): Answer | undefined {
    this.expireAlarm();
    switch (method) {
      case 'get_child_device_list':
        return childPage(params, this.pageSize, this.children, 'child_device_list', (child) =>
          child.snapshot(),
        );
      case 'get_child_device_component_list':
        return childPage(params, this.pageSize, this.children, 'child_component_list', (c) => ({
          component_list: c.model.components.map((x) => ({ ...x })),
          device_id: c.id,
        }));
      case 'control_child':
        return this.control(params);
      case 'remove_child_device_list':
        return this.remove(params);
      case 'get_alarm_configure':
        return ok({ ...this.config });
      case 'set_alarm_configure':
        return this.configureAlarm(params);
      case 'get_support_alarm_type_list':
        return ok({ alarm_type_list: [...this.spec.alarmTypes] });
      case 'play_alarm':
        return this.playAlarm(params);
      case 'stop_alarm':
        this.alarmUntil = 0;
        this.expireAlarm();
        return ok();
      case 'get_device_usage':
        // A hub has no usage to report; its firmware answers an empty object (dumps).
        return ok({});
      case 'get_device_time':
        return ok({
          region: this.info.region,
          time_diff: this.info.time_diff,
          timestamp: Math.floor(this.clock() / 1000),
        });
      case 'get_support_child_device_category':
        return ok({
          device_category_list: [
            { category: 'subg.trv' },
            { category: 'subg.trigger' },
            { category: 'subg.plugswitch' },
          ],
        });
    }
    const given = this.spec.getters[method] ?? firmwareGetters(String(this.info.fw_ver))[method];
    return given === undefined ? undefined : ok(structuredClone(given));
  }

  /**
   * control_child `{device_id, requestData}`: the child's reply inside `responseData`. A
   * malformed body or an unknown device_id is refused by the hub itself (-1008).
   */
  private control(params: unknown): Answer {
    if (!isObject(params)) return fail(PARAMS_ERROR);
    const request = params.requestData;
    if (!isObject(request) || typeof request.method !== 'string') return fail(PARAMS_ERROR);
    const child = this.children.find((c) => c.id === params.device_id);
    if (!child) return fail(PARAMS_ERROR);
    return ok({ responseData: child.respond(request) });
  }

  /** remove_child_device_list `{child_device_list: [{device_id}]}`: every id must be paired. */
  private remove(params: unknown): Answer {
    const list = isObject(params) ? params.child_device_list : undefined;
    if (!Array.isArray(list) || list.length === 0) return fail(PARAMS_ERROR);
    const ids = list.map((entry) => (isObject(entry) ? entry.device_id : undefined));
    if (!ids.every((id) => this.children.some((c) => c.id === id))) return fail(PARAMS_ERROR);
    for (const id of ids) this.unpair(id as string);
    return ok();
  }

  private expireAlarm(): void {
    const sounding = this.clock() < this.alarmUntil;
    this.info.in_alarm = sounding;
    if (!sounding) this.info.in_alarm_source = '';
  }

  /** duration 1–600 s, a type the hub offers, a volume it knows; every key optional. */
  private validAlarm(value: Json, keys: Record<string, string>): boolean {
    for (const [key, value_] of Object.entries(value)) {
      const field = keys[key];
      if (field === 'duration' && !isInt(value_, 1, 600)) return false;
      if (field === 'type' && !this.spec.alarmTypes.includes(value_ as string)) return false;
      if (field === 'volume' && !ALARM_VOLUMES.includes(value_ as string)) return false;
      if (field === undefined) return false;
    }
    return true;
  }

  private configureAlarm(params: unknown): Answer {
    const keys = { duration: 'duration', type: 'type', volume: 'volume' };
    if (!isObject(params) || Object.keys(params).length === 0) return fail(PARAMS_ERROR);
    if (!this.validAlarm(params, keys)) return fail(PARAMS_ERROR);
    Object.assign(this.config, params);
    return ok();
  }

  /** Sounds the siren for the stored configuration, or for the overrides given. */
  private playAlarm(params: unknown): Answer {
    const keys = { alarm_duration: 'duration', alarm_type: 'type', alarm_volume: 'volume' };
    const overrides = params === undefined || params === null ? {} : params;
    if (!isObject(overrides) || !this.validAlarm(overrides, keys)) return fail(PARAMS_ERROR);
    const played = {
      duration: (overrides.alarm_duration as number | undefined) ?? this.config.duration,
      type: (overrides.alarm_type as string | undefined) ?? this.config.type,
      volume: (overrides.alarm_volume as string | undefined) ?? this.config.volume,
    };
    this.plays++;
    this.last = played;
    this.alarmUntil = this.clock() + played.duration * 1000;
    this.expireAlarm();
    return ok();
  }

  /** The siren now, for assertions. */
  get alarm(): HubAlarmState {
    this.expireAlarm();
    return {
      sounding: this.info.in_alarm === true,
      ...this.config,
      plays: this.plays,
      last: this.last,
    };
  }

  // --- The control side: make things happen to a paired device ---

  /**
   * Which kinds log nothing when something happens to them (their records still change): an
   * H200 keeps its buttons' logs empty by default; tests make them log with [].
   */
  setUnloggedKinds(kinds: readonly HubChildKind[]): void {
    this.unloggedKinds = new Set(kinds);
  }

  /** One child by id, alias (case-insensitive) or 1-based index; throws naming what exists. */
  child(selector: HubChildSelector): EmulatedHubChild {
    const text = String(selector).trim();
    const index = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const found =
      this.children.find((c) => c.id === text) ??
      this.children.find((c) => c.alias.toLowerCase() === text.toLowerCase()) ??
      (index >= 1 ? this.children[index - 1] : undefined);
    if (found) return found;
    const names = this.children.map((c, i) => `${i + 1} "${c.alias}" (${c.model.info.model})`);
    throw new HubActionError(
      `no paired device "${text}"; give an id, a name or a number: ${names.join(', ') || 'none paired'}`,
    );
  }

  summary(child: EmulatedHubChild): HubChildSummary {
    return {
      index: this.children.indexOf(child) + 1,
      id: child.id,
      alias: child.alias,
      model: String(child.info.model),
      kind: child.kind,
      online: child.online,
      record: child.snapshot(),
    };
  }

  /** Pairs one more device (it joins the end of the list with our own id); returns it. */
  pair(option: HubChildOption): EmulatedHubChild {
    // Devices paired before count too: a new device gets neither their ids nor their names.
    const model = { ...this.spec, children: [...this.spec.children, ...this.unpaired] };
    const host = { name: String(this.info.model), info: this.info, hub: model } as SmartModel;
    pairChildren(host, [option]);
    const child = this.adopt(model.children[model.children.length - 1]);
    this.spec.children.push(child.model);
    this.children.push(child);
    return child;
  }

  /** Unpairs a device: it leaves both child lists, its log with it. */
  unpair(selector: HubChildSelector): void {
    const child = this.child(selector);
    this.children.splice(this.children.indexOf(child), 1);
    this.spec.children.splice(this.spec.children.indexOf(child.model), 1);
    this.unpaired.push(child.model);
  }

  /** A button or dial pressed once or twice. */
  press(
    child: HubChildSelector,
    event: 'singleClick' | 'doubleClick' = 'singleClick',
  ): TriggerLogEntry | undefined {
    return this.child(child).press(event);
  }

  /** A dial turned by `degrees` (negative = anticlockwise). */
  rotate(child: HubChildSelector, degrees: number): TriggerLogEntry | undefined {
    return this.child(child).rotate(degrees);
  }

  motion(child: HubChildSelector): TriggerLogEntry | undefined {
    return this.child(child).motion();
  }

  contact(child: HubChildSelector, open: boolean): TriggerLogEntry | undefined {
    return this.child(child).contact(open);
  }

  /** A contact left open: it logs keepOpen. */
  keepOpen(child: HubChildSelector): TriggerLogEntry | undefined {
    return this.child(child).keepOpen();
  }

  leak(child: HubChildSelector, wet: boolean): TriggerLogEntry | undefined {
    return this.child(child).leak(wet);
  }

  climate(
    child: HubChildSelector,
    reading: { temperature?: number; humidity?: number },
  ): TriggerLogEntry[] {
    return this.child(child).climate(reading);
  }

  setOnline(child: HubChildSelector, online: boolean): void {
    this.child(child).setOnline(online);
  }

  setBatteryLow(child: HubChildSelector, low: boolean): TriggerLogEntry | undefined {
    return this.child(child).setBatteryLow(low);
  }

  /** A wall switch pressed by hand. */
  toggleSwitch(child: HubChildSelector): TriggerLogEntry | undefined {
    return this.child(child).toggleSwitch();
  }
}

export { CHILD_UNSUPPORTED, HubActionError };
