/**
 * Emulated devices on loopback: a model's JSON behaviour (EmulatedSmartDevice or
 * EmulatedIotDevice) behind a KlapServer. Used by tests, the demo and `lamp-emulator`.
 */
import { EmulatedIotDevice } from './iot-device';
import { type CredentialMode, KlapServer, type KlapServerOptions } from './klap-server';
import { createModel, type DeviceModel, type ModelName } from './models';
import { EmulatedSmartDevice, type SmartDeviceFaults } from './smart-device';

export interface EmulatorOptions {
  model: ModelName;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  username?: string;
  password?: string;
  /** Default 'account' when a username is given, else 'blank'. */
  credentials?: CredentialMode;
  /** Default: what real devices of the model use (HS100 1, SMART models 2). */
  klap?: 1 | 2;
  /** The device's name (nickname / alias). */
  alias?: string;
  /** KLAP server details for tests: session lifetime, session limit, auth hash override. */
  server?: Pick<KlapServerOptions, 'sessionTimeoutSeconds' | 'maxSessions' | 'authKind'>;
}

export interface EmulatedDevice {
  readonly host: string;
  readonly port: number;
  readonly model: ModelName;
  readonly dialect: 'smart' | 'iot';
  /** One-line description, e.g. "L530 colour bulb". */
  readonly description: string;
  readonly klapVersion: 1 | 2;
  readonly credentialMode: CredentialMode;
  /** The KLAP side: `faults`, `counters`, `forgetSessions()`. */
  readonly klap: KlapServer;
  /** The JSON side. */
  readonly device: EmulatedSmartDevice | EmulatedIotDevice;
  /** Device-level faults: SMART { refuseBatches, errorCodes, rateLimit }, IOT { errorCodes }. */
  readonly deviceFaults: SmartDeviceFaults | EmulatedIotDevice['faults'];
  /** Live device JSON (get_device_info / sysinfo), for assertions. */
  readonly info: Record<string, unknown>;
  /** "http://host:port". */
  readonly url: string;
  /** Stop listening and forget sessions, as pulling the plug does; plugIn() comes back. */
  unplug(): Promise<void>;
  /** Listen again on the same port. */
  plugIn(): Promise<void>;
  close(): Promise<void>;
}

export function createDevice(
  model: DeviceModel,
  alias?: string,
): EmulatedSmartDevice | EmulatedIotDevice {
  return model.dialect === 'smart'
    ? new EmulatedSmartDevice(model, { alias })
    : new EmulatedIotDevice(model, { alias });
}

export async function startEmulator(options: EmulatorOptions): Promise<EmulatedDevice> {
  const model = createModel(options.model);
  const device = createDevice(model, options.alias);
  const credentialMode = options.credentials ?? (options.username ? 'account' : 'blank');
  const klapVersion = options.klap ?? model.klap;
  const klap = new KlapServer({
    ...options.server,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    klap: klapVersion,
    credentials: { mode: credentialMode, username: options.username, password: options.password },
    handler: (plaintext) => device.handle(plaintext),
  });
  device.onReboot = () => klap.forgetSessions();
  await klap.start();
  return {
    get host() {
      return klap.host;
    },
    get port() {
      return klap.port;
    },
    get url() {
      return `http://${klap.host}:${klap.port}`;
    },
    model: model.name,
    dialect: model.dialect,
    description: `${model.name} ${model.description}`,
    klapVersion,
    credentialMode,
    klap,
    device,
    get deviceFaults() {
      return device.faults;
    },
    get info() {
      return device.info;
    },
    unplug: () => klap.stop(),
    plugIn: () => klap.start(),
    close: () => klap.close(),
  };
}

export { EmulatedIotDevice } from './iot-device';
export type { CredentialMode } from './klap-server';
export { MemoryTransport } from './memory-transport';
export { createModel, isModelName, MODEL_NAMES, type ModelName } from './models';
export { EmulatedSmartDevice, type SmartDeviceFaults } from './smart-device';
