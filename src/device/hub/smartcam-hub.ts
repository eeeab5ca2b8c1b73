/**
 * The children of a Tapo H200 hub (docs/protocols/smartcam.md §3, §4): the same children as on
 * an H100 (the same records, read by child-record.ts), reached through the smartcam dialect.
 * Lists are getChildDeviceList / getChildDeviceComponentList with `childControl` paging; a
 * child's own methods go in `controlChild {childControl: {device_id, request_data}}`, one per
 * method, several of them batched in one top-level multipleRequest (the shape clients that run
 * against real H200s send). The siren is getSirenStatus / setSirenStatus / setSirenConfig.
 */
import { DeviceError, MalformedResponseError } from '../../transport/errors';
import { followPages, isInfo } from '../children/control-child';
import type { SmartOutcome, SmartRequest } from '../smart-protocol';
import { moduleOf, type SmartcamProtocol, smartcamErrorMeaning } from '../smartcam-protocol';
import type { AlarmCommand, AlarmVolume, HubChild, LampCommand } from '../types';
import { childId, childKind, hubChild } from './child-record';
import { childSetRequest } from './hub-command';
import { type HubLogSource, type Info, type TriggerLogPage, triggerLogPage } from './log-source';

/** Whether getDeviceInfo's basic_info says the device is a hub (SMART.TAPOHUB). */
export function isSmartcamHub(basic: Info): boolean {
  return typeof basic.device_type === 'string' && basic.device_type.toUpperCase().includes('HUB');
}

/** The H200's siren volume is "1".."10"; the grammar's words map onto it. */
const VOLUME_LEVELS: Readonly<Record<Exclude<AlarmVolume, 'mute'>, string>> = {
  low: '3',
  normal: '6',
  high: '10',
};

/** One controlChild request carrying one method of one child. */
export function smartcamControlChild(id: string, request: SmartRequest): SmartRequest {
  return {
    method: 'controlChild',
    params: {
      childControl: {
        device_id: id,
        request_data: { method: request.method, params: request.params ?? {} },
      },
    },
  };
}

/** The child's result inside a controlChild reply, or the child's own error thrown. */
export function smartcamChildResult(result: unknown, address: string, method: string): unknown {
  const data = isInfo(result) ? result.response_data : undefined;
  if (!isInfo(data)) {
    throw new MalformedResponseError(address, 'controlChild reply has no response_data');
  }
  const code = typeof data.error_code === 'number' ? data.error_code : 0;
  if (code !== 0) throw new DeviceError(address, method, code, smartcamErrorMeaning(code));
  return data.result ?? {};
}

export class SmartcamHub implements HubLogSource {
  private records = new Map<string, Info>();
  /** First log pages read ahead in one batch, by child id (taken once each). */
  private prefetched = new Map<string, TriggerLogPage | DeviceError>();

  private constructor(
    private readonly protocol: SmartcamProtocol,
    private logged: Set<string> | undefined,
    readonly alarmSounds: string[],
  ) {}

  static async open(protocol: SmartcamProtocol, siren: boolean): Promise<SmartcamHub> {
    const logged = await readLogged(protocol);
    let sounds: string[] = [];
    if (siren) {
      try {
        const list = moduleOf(await protocol.call('getSirenTypeList', { siren: {} }), 'siren');
        const types = Array.isArray(list.siren_type_list) ? list.siren_type_list : [];
        sounds = types.filter((t): t is string => typeof t === 'string');
      } catch (error) {
        if (!(error instanceof DeviceError)) throw error;
      }
    }
    return new SmartcamHub(protocol, logged, sounds);
  }

  /** Read with every state of the hub: the siren's status and the child list's first page. */
  readRequests(siren: boolean): SmartRequest[] {
    const reads: SmartRequest[] = [listRequest('getChildDeviceList', 0)];
    if (siren) reads.push({ method: 'getSirenStatus', params: { siren: {} } });
    return reads;
  }

  async childrenFrom(outcomes: SmartOutcome[]): Promise<HubChild[]> {
    const list = outcomes.find((o) => o.method === 'getChildDeviceList');
    if (!list) throw new MalformedResponseError(this.protocol.address, 'no child list read');
    if (!list.ok) throw list.error;
    return (await this.absorb(list.result)).map(hubChild);
  }

  /** Whether the siren sounds, from the outcomes of readRequests(). */
  static sounding(outcomes: SmartOutcome[]): boolean | undefined {
    const status = outcomes.find((o) => o.method === 'getSirenStatus');
    if (!status?.ok) return undefined;
    return moduleOf(status.result, 'siren').status === 'on';
  }

  async readRecords(): Promise<Info[]> {
    return this.absorb(await this.protocol.call('getChildDeviceList', listParams(0)));
  }

  private async absorb(first: unknown): Promise<Info[]> {
    const records = await followPages(
      this.protocol.address,
      'getChildDeviceList',
      'child_device_list',
      first,
      (start) => this.protocol.call('getChildDeviceList', listParams(start)),
    );
    const known = this.records;
    this.records = new Map(records.map((r) => [childId(r), r]));
    if (known.size > 0 && records.some((r) => !known.has(childId(r)))) {
      this.logged = await readLogged(this.protocol);
    }
    return records;
  }

  hasLog(id: string): boolean {
    const record = this.records.get(id);
    if (record && childKind(record) === 'other') return false;
    if (this.logged) return this.logged.has(id);
    return record !== undefined && childKind(record) !== 'thermostat';
  }

  /** The newest page of several children's logs in one batch (one controlChild each). */
  async prefetchLogs(ids: readonly string[], pageSize: number): Promise<void> {
    this.prefetched.clear();
    if (ids.length < 2) return;
    const requests = ids.map((id) =>
      smartcamControlChild(id, {
        method: 'get_trigger_logs',
        params: { page_size: pageSize, start_id: 0 },
      }),
    );
    const outcomes = await this.protocol.callAll(requests);
    outcomes.forEach((outcome, i) => {
      const id = ids[i] as string;
      try {
        if (!outcome.ok) throw outcome.error;
        const result = smartcamChildResult(
          outcome.result,
          this.protocol.address,
          'get_trigger_logs',
        );
        this.prefetched.set(id, triggerLogPage(result, this.protocol.address));
      } catch (error) {
        if (error instanceof DeviceError) this.prefetched.set(id, error);
        // A malformed answer is asked again on its own by readLog.
      }
    });
  }

  async readLog(id: string, pageSize: number, startId: number): Promise<TriggerLogPage> {
    const ahead = startId === 0 ? this.prefetched.get(id) : undefined;
    if (ahead) {
      this.prefetched.delete(id);
      if (ahead instanceof DeviceError) throw ahead;
      return ahead;
    }
    const request = smartcamControlChild(id, {
      method: 'get_trigger_logs',
      params: { page_size: pageSize, start_id: startId },
    });
    const result = smartcamChildResult(
      await this.protocol.call(request.method, request.params),
      this.protocol.address,
      'get_trigger_logs',
    );
    return triggerLogPage(result, this.protocol.address);
  }

  record(id: string): Info | undefined {
    return this.records.get(id);
  }

  /** The controlChild carrying a command to one child, checked first (nothing sent if refused). */
  childRequest(command: LampCommand, child: HubChild): SmartRequest {
    const record = this.records.get(child.id) ?? {};
    return smartcamControlChild(child.id, childSetRequest(command, child, record));
  }

  /**
   * setSirenConfig with what the command overrides (the H200 plays its stored configuration),
   * then setSirenStatus on or off.
   */
  sirenRequests(alarm: AlarmCommand): SmartRequest[] {
    const requests: SmartRequest[] = [];
    if (alarm.play) {
      const config: Info = {};
      if (alarm.sound !== undefined) config.siren_type = alarm.sound;
      if (alarm.volume !== undefined && alarm.volume !== 'mute') {
        config.volume = VOLUME_LEVELS[alarm.volume];
      }
      if (alarm.duration !== undefined) config.duration = alarm.duration;
      if (Object.keys(config).length > 0) {
        requests.push({ method: 'setSirenConfig', params: { siren: config } });
      }
    }
    requests.push({
      method: 'setSirenStatus',
      params: { siren: { status: alarm.play ? 'on' : 'off' } },
    });
    return requests;
  }
}

function listParams(start: number): Info {
  return { childControl: { start_index: start } };
}

function listRequest(method: string, start: number): SmartRequest {
  return { method, params: listParams(start) };
}

/** The ids of the children whose component list has trigger_log (SMART children's shape). */
async function readLogged(protocol: SmartcamProtocol): Promise<Set<string> | undefined> {
  try {
    const first = await protocol.call('getChildDeviceComponentList', listParams(0));
    const entries = await followPages(
      protocol.address,
      'getChildDeviceComponentList',
      'child_component_list',
      first,
      (start) => protocol.call('getChildDeviceComponentList', listParams(start)),
    );
    const logged = new Set<string>();
    for (const entry of entries) {
      const list = Array.isArray(entry.component_list) ? entry.component_list : [];
      // SMART children list {id, ver_code}; camera children {name, version} (no trigger log).
      if (
        typeof entry.device_id === 'string' &&
        list.some((c) => isInfo(c) && c.id === 'trigger_log')
      ) {
        logged.add(entry.device_id);
      }
    }
    return logged;
  } catch (error) {
    if (!(error instanceof DeviceError)) throw error;
    return undefined;
  }
}
