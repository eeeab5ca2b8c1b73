/**
 * Devices that speak the smartcam dialect (docs/protocols/smartcam.md): today the Tapo H200
 * hub. Its state is the hub's own (basic_info), its siren's and its children's, read in one
 * multipleRequest; commands are the siren's and its children's, sent with the read of the new
 * state. Cameras themselves are not driven (yet): they are refused by name at connection.
 */
import { MalformedResponseError, UnsupportedFeatureError } from '../transport/errors';
import { NO_SETTINGS } from './capabilities';
import type { DeviceDriver } from './driver';
import { checkHubProperties } from './hub/hub-command';
import {
  isSmartcamHub,
  SmartcamHub,
  smartcamChildResult,
  smartcamControlChild,
} from './hub/smartcam-hub';
import { type SmartOutcome, type SmartRequest, unwrap } from './smart-protocol';
import { moduleOf, type SmartcamProtocol } from './smartcam-protocol';
import { firmwareVersion, modelWithoutRegion } from './state';
import type {
  Capabilities,
  EnergyHistoryQuery,
  EnergyPoint,
  HubChild,
  LampCommand,
  LampState,
} from './types';

type Info = Record<string, unknown>;

const DEVICE_INFO: SmartRequest = {
  method: 'getDeviceInfo',
  params: { device_info: { name: ['basic_info', 'info'] } },
};
const COMPONENTS: SmartRequest = {
  method: 'getAppComponentList',
  params: { app_component: { name: 'app_component_list' } },
};

function basicInfo(result: unknown, address: string): Info {
  const info = moduleOf(moduleOf(result, 'device_info'), 'basic_info');
  if (typeof info.device_type !== 'string') {
    throw new MalformedResponseError(address, 'getDeviceInfo has no basic_info.device_type');
  }
  return info;
}

function componentNames(result: unknown): Set<string> {
  const list = moduleOf(result, 'app_component').app_component_list;
  const names = new Set<string>();
  if (Array.isArray(list)) {
    for (const entry of list) {
      const name = (entry as Info | null)?.name;
      if (typeof name === 'string') names.add(name);
    }
  }
  return names;
}

export class SmartcamDriver implements DeviceDriver {
  readonly dialect = 'smartcam' as const;
  readonly model: string;

  private constructor(
    private readonly protocol: SmartcamProtocol,
    readonly capabilities: Capabilities,
    info: Info,
    readonly hub: SmartcamHub,
  ) {
    this.model = modelWithoutRegion(info.device_model);
  }

  /** getDeviceInfo and getAppComponentList in one batch; a hub's child list and siren after. */
  static async open(
    protocol: SmartcamProtocol,
  ): Promise<{ driver: SmartcamDriver; state: LampState }> {
    const [info, components] = await protocol.callAll([DEVICE_INFO, COMPONENTS]);
    const basic = basicInfo(unwrap(info as SmartOutcome), protocol.address);
    if (!isSmartcamHub(basic)) {
      const model = modelWithoutRegion(basic.device_model) || String(basic.device_type);
      throw new UnsupportedFeatureError(
        'protocol',
        `this ${model} is a Tapo camera (${String(basic.device_type)}); lamp-control drives the H200 hub over sslaes, not cameras`,
      );
    }
    const names = components?.ok ? componentNames(components.result) : new Set<string>();
    const siren = names.size === 0 || names.has('siren');
    const capabilities: Capabilities = {
      dialect: 'smartcam',
      kind: 'hub',
      brightness: false,
      color: false,
      colorTemp: null,
      effects: null,
      transition: false,
      energy: false,
      children: true,
      alarm: siren,
      ...NO_SETTINGS,
    };
    const hub = await SmartcamHub.open(protocol, siren);
    const driver = new SmartcamDriver(protocol, capabilities, basic, hub);
    return { driver, state: await driver.readState() };
  }

  private reads(): SmartRequest[] {
    return [DEVICE_INFO, ...this.hub.readRequests(this.capabilities.alarm === true)];
  }

  private async stateFrom(outcomes: SmartOutcome[]): Promise<LampState> {
    const info = basicInfo(unwrap(outcomes[0] as SmartOutcome), this.protocol.address);
    const state: LampState = {
      // The hub has no switch of its own (as on an H100, whose info has no device_on).
      on: false,
      online: true,
      model: modelWithoutRegion(info.device_model) || this.model,
      alias: typeof info.device_alias === 'string' ? info.device_alias : '',
      type: 'hub',
    };
    const firmware = firmwareVersion(info.sw_version);
    if (firmware) state.firmware = firmware;
    state.children = await this.hub.childrenFrom(outcomes);
    if (this.capabilities.alarm) {
      state.alarm = SmartcamHub.sounding(outcomes) ?? false;
      state.alarmSounds = [...this.hub.alarmSounds];
    }
    return state;
  }

  async readState(): Promise<LampState> {
    return this.stateFrom(await this.protocol.callAll(this.reads()));
  }

  async resolve(command: LampCommand): Promise<LampCommand> {
    if (command.alarm) {
      checkHubProperties(command, {
        alarm: this.capabilities.alarm,
        model: this.model,
        sounds: this.hub.alarmSounds,
      });
      if (command.alarm.volume === 'mute') {
        throw new UnsupportedFeatureError(
          'alarm.volume',
          `the siren of this ${this.model} has no mute; use low, normal or high (or alarm: false to stop it)`,
        );
      }
    }
    return command;
  }

  async apply(command: LampCommand): Promise<LampState> {
    const writes = command.alarm ? this.hub.sirenRequests(command.alarm) : [];
    return this.writeThenRead(writes);
  }

  /** Writes and the state's read in one batch; nothing after a failed write is done. */
  private async writeThenRead(writes: SmartRequest[]): Promise<LampState> {
    const outcomes = await this.protocol.callAll([...writes, ...this.reads()], {
      requeryMissing: writes.length === 0,
    });
    for (const outcome of outcomes.slice(0, writes.length)) {
      const result = unwrap(outcome);
      if (outcome.method === 'controlChild') {
        smartcamChildResult(result, this.protocol.address, 'set_device_info');
      }
    }
    const reads = outcomes.slice(writes.length);
    // Reads skipped behind a failed write cannot be: every write was checked above.
    return this.stateFrom(
      reads.some((r) => !r.ok) ? await this.protocol.callAll(this.reads()) : reads,
    );
  }

  async energyHistory(_query: EnergyHistoryQuery, _now: number): Promise<EnergyPoint[]> {
    throw new UnsupportedFeatureError('energyHistory', `this ${this.model} has no energy meter`);
  }

  checkChildCommand(command: LampCommand, child: HubChild): LampCommand {
    this.hub.childRequest(command, child);
    return command;
  }

  async applyToChild(command: LampCommand, child: HubChild): Promise<LampState> {
    let current = child;
    if (command.toggle) {
      const fresh = (await this.readState()).children?.find((c) => c.id === child.id);
      current = fresh ?? child;
    }
    return this.writeThenRead([this.hub.childRequest(command, current)]);
  }

  async requestToChild(id: string, method: string, params?: unknown): Promise<unknown> {
    const request = smartcamControlChild(id, { method, params });
    const result = await this.protocol.call(request.method, request.params);
    return smartcamChildResult(result, this.protocol.address, method);
  }

  async request(method: string, params?: unknown): Promise<unknown> {
    return this.protocol.call(method, params);
  }
}
