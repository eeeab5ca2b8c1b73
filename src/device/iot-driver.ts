/**
 * Kasa IOT devices over KLAP: state from system.get_sysinfo; a command and the read of the new
 * state travel in one nested request (the device answers each module.method in turn).
 */
import { InvalidCommandError } from '../transport/errors';
import { iotCapabilities } from './capabilities';
import { type DeviceDriver, lightFields } from './driver';
import type { IotProtocol, IotRequest } from './iot-protocol';
import { iotState, modelWithoutRegion } from './state';
import type { Capabilities, LampCommand, LampState } from './types';

type Info = Record<string, unknown>;

const SYSTEM = 'system';
const BULB_SERVICE = 'smartlife.iot.smartbulb.lightingservice';
const STRIP_SERVICE = 'smartlife.iot.lightStrip';

export class IotDriver implements DeviceDriver {
  readonly dialect = 'iot' as const;
  readonly model: string;

  private constructor(
    private readonly protocol: IotProtocol,
    readonly capabilities: Capabilities,
    sysinfo: Info,
  ) {
    this.model = modelWithoutRegion(sysinfo.model);
  }

  static async open(protocol: IotProtocol): Promise<{ driver: IotDriver; state: LampState }> {
    const sysinfo = await protocol.call(SYSTEM, 'get_sysinfo');
    const driver = new IotDriver(protocol, iotCapabilities(sysinfo), sysinfo);
    return { driver, state: iotState(sysinfo, driver.capabilities) };
  }

  async readState(): Promise<LampState> {
    return iotState(await this.protocol.call(SYSTEM, 'get_sysinfo'), this.capabilities);
  }

  async apply(input: LampCommand): Promise<LampState> {
    let command = input;
    if (command.toggle) command = { ...command, on: !(await this.readState()).on };
    const [module, method, params] = this.writeFor(command);
    // Write first, then read, in one request: the reply carries both answers.
    const request: IotRequest =
      module === SYSTEM
        ? { [SYSTEM]: { [method]: params, get_sysinfo: {} } }
        : { [module]: { [method]: params }, [SYSTEM]: { get_sysinfo: {} } };
    const reply = await this.protocol.send(request);
    this.protocol.result(reply, module, method);
    return iotState(this.protocol.result(reply, SYSTEM, 'get_sysinfo'), this.capabilities);
  }

  private writeFor(command: LampCommand): [string, string, Info] {
    if (this.capabilities.kind === 'plug') {
      return [SYSTEM, 'set_relay_state', { state: command.on === false ? 0 : 1 }];
    }
    // Devices need on_off on every change; a change of light also means on.
    const light: Info = { on_off: command.on === false ? 0 : 1, ...lightFields(command) };
    if (command.transition !== undefined) light.transition_period = command.transition;
    // Turning on with nothing else restores the previous light (ignore_default 0).
    const onlyPower = Object.keys(light).every((k) => k === 'on_off' || k === 'transition_period');
    light.ignore_default = onlyPower && light.on_off === 1 ? 0 : 1;
    return this.capabilities.kind === 'strip'
      ? [STRIP_SERVICE, 'set_light_state', light]
      : [BULB_SERVICE, 'transition_light_state', light];
  }

  /** Raw request as "module.method" (module names contain dots, so split at the last one). */
  async request(method: string, params?: unknown): Promise<unknown> {
    const dot = method.lastIndexOf('.');
    if (dot <= 0 || dot === method.length - 1) {
      throw new InvalidCommandError(
        'method',
        `Kasa (IOT) requests are named "module.method", e.g. "system.get_sysinfo" (got ${JSON.stringify(method)})`,
      );
    }
    return this.protocol.call(method.slice(0, dot), method.slice(dot + 1), params ?? {});
  }
}
