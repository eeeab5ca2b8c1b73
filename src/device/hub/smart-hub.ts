/**
 * The children of a Tapo/Kasa hub (H100, KH100; docs/protocols/hubs.md): listed by the hub's
 * get_child_device_list (10 a page), which carries each child's whole state, so one read of the
 * list serves every child. Commands and log reads go to one child through control_child, sent
 * as a request of its own with the child's methods inside (the shape real hubs are known to
 * take). The siren is the hub's own (play_alarm / stop_alarm).
 */
import { DeviceError, MalformedResponseError } from '../../transport/errors';
import {
  allPages,
  childResult,
  controlChild,
  type Info,
  isInfo,
  readChildComponents,
} from '../children/control-child';
import {
  type SmartOutcome,
  type SmartProtocol,
  type SmartRequest,
  unwrap,
} from '../smart-protocol';
import type { AlarmCommand, HubChild, LampCommand } from '../types';
import { childId, childKind, hubChild } from './child-record';
import { childSetRequest } from './hub-command';
import { type HubLogSource, type TriggerLogPage, triggerLogPage } from './log-source';

/** Whether a device's get_device_info says it is a hub (type SMART.TAPOHUB / SMART.KASAHUB). */
export function isHubInfo(info: Info): boolean {
  return typeof info.type === 'string' && info.type.toUpperCase().includes('HUB');
}

export class SmartHub implements HubLogSource {
  /** The last child list read, by id. */
  private records = new Map<string, Info>();

  private constructor(
    private readonly protocol: SmartProtocol,
    /**
     * Ids of the children that keep a trigger log (component trigger_log); undefined when the
     * hub would not list components, and then every child but a valve is taken to keep one.
     */
    private logged: Set<string> | undefined,
    /** The siren's sounds, in the hub's order (get_support_alarm_type_list). */
    readonly alarmSounds: string[],
  ) {}

  /** Learns which children log events, and the siren's sounds. */
  static async open(protocol: SmartProtocol, alarm: boolean): Promise<SmartHub> {
    const logged = await readLogged(protocol);
    let sounds: string[] = [];
    if (alarm) {
      try {
        const list = await protocol.call('get_support_alarm_type_list');
        const types =
          isInfo(list) && Array.isArray(list.alarm_type_list) ? list.alarm_type_list : [];
        sounds = types.filter((t): t is string => typeof t === 'string');
      } catch (error) {
        // Without the list the siren still plays its configured sound; only names go unchecked.
        if (!(error instanceof DeviceError)) throw error;
      }
    }
    return new SmartHub(protocol, logged, sounds);
  }

  /** Appended to every state read of the hub: its child list (first page). */
  readRequests(): SmartRequest[] {
    return [{ method: 'get_child_device_list' }];
  }

  /** The children from the outcome of readRequests(), fetching further pages if any. */
  async childrenFrom(outcomes: SmartOutcome[]): Promise<HubChild[]> {
    const [list] = outcomes;
    if (!list) throw new MalformedResponseError(this.protocol.address, 'no child list read');
    return (await this.absorb(unwrap(list))).map(hubChild);
  }

  /** Every child record, read now (one request, more with more than 10 children). */
  async readRecords(): Promise<Info[]> {
    return this.absorb(await this.protocol.call('get_child_device_list'));
  }

  private async absorb(first: unknown): Promise<Info[]> {
    const records = await allPages(
      this.protocol,
      'get_child_device_list',
      'child_device_list',
      first,
    );
    const known = this.records;
    this.records = new Map(records.map((r) => [childId(r), r]));
    // A child paired since the component list was read: read it again to learn its logs.
    if (records.some((r) => !known.has(childId(r)) && this.logged?.has(childId(r)) === false)) {
      if (known.size > 0) this.logged = await readLogged(this.protocol);
    }
    return records;
  }

  /** Whether the child keeps a trigger log (valves do not). */
  hasLog(id: string): boolean {
    if (this.logged) return this.logged.has(id);
    const record = this.records.get(id);
    return record !== undefined && !['thermostat', 'other'].includes(childKind(record));
  }

  /** One page of a child's trigger log: the newest `pageSize` from `startId` (0 = newest). */
  async readLog(id: string, pageSize: number, startId: number): Promise<TriggerLogPage> {
    const request = controlChild(id, [
      { method: 'get_trigger_logs', params: { page_size: pageSize, start_id: startId } },
    ]);
    const result = childResult(
      await this.protocol.call(request.method, request.params),
      this.protocol.address,
    );
    return triggerLogPage(result, this.protocol.address);
  }

  /** The record of a child from the last read. */
  record(id: string): Info | undefined {
    return this.records.get(id);
  }

  /**
   * The control_child that carries a command to one child, checked first against what the
   * child's kind takes (refused before anything is sent).
   */
  childRequest(command: LampCommand, child: HubChild): SmartRequest {
    const record = this.records.get(child.id) ?? {};
    return controlChild(child.id, [childSetRequest(command, child, record)]);
  }

  /** play_alarm (with the overrides given) or stop_alarm. */
  alarmRequest(alarm: AlarmCommand): SmartRequest {
    if (!alarm.play) return { method: 'stop_alarm' };
    const params: Info = {};
    if (alarm.sound !== undefined) params.alarm_type = alarm.sound;
    if (alarm.volume !== undefined) params.alarm_volume = alarm.volume;
    if (alarm.duration !== undefined) params.alarm_duration = alarm.duration;
    return Object.keys(params).length > 0
      ? { method: 'play_alarm', params }
      : { method: 'play_alarm' };
  }
}

/** The ids of the children whose component list has trigger_log. */
async function readLogged(protocol: SmartProtocol): Promise<Set<string> | undefined> {
  const logged = new Set<string>();
  try {
    for (const [id, components] of await readChildComponents(protocol)) {
      if (components.some((c) => c.id === 'trigger_log')) logged.add(id);
    }
  } catch (error) {
    // Without the component list the children still report their state; which keep logs is
    // then judged by kind.
    if (!(error instanceof DeviceError)) throw error;
    return undefined;
  }
  return logged;
}
