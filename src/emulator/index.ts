/**
 * Emulated devices on loopback: a model's JSON behaviour (EmulatedSmartDevice or
 * EmulatedIotDevice) behind a KlapServer. Used by tests, the demo and `lamp-emulator`.
 */
import {
  type DiscoveryIdentity,
  DiscoveryResponder,
  type EmulatedEncryption,
} from './discovery-responder';
import { EmulatedIotDevice } from './iot-device';
import { createModel, type DeviceModel, type ModelName } from './models';
import { EmulatedSmartDevice, type SmartDeviceFaults } from './smart-device';
import type { CredentialMode } from './wire/credentials';
import { KlapServer, type KlapServerOptions } from './wire/klap-server';

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
  /**
   * Answer UDP discovery queries on this port (0 = an ephemeral one), on the same host.
   * Default: no discovery service.
   */
  discoveryPort?: number;
  /**
   * Fault: keep the HTTP port closed (connections refused) until a discovery probe arrives, as
   * P110 fw 1.4.6 does after a power cut (notes §7 #5). Needs discoveryPort. After unplug() and
   * plugIn() the port is closed again until the next probe.
   */
  lazyHttp?: boolean;
  /**
   * What the firmware speaks. 'AES' or 'TPAP' emulate devices this package cannot control:
   * discovery announces that encrypt_type, and HTTP answers 404 at /app/handshake1. Default KLAP.
   */
  encryption?: EmulatedEncryption;
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
  /** The UDP discovery port, or null without discoveryPort. */
  readonly discoveryPort: number | null;
  /** The discovery side (`counters.probes`), or null without discoveryPort. */
  readonly discovery: DiscoveryResponder | null;
  /** Stop listening (HTTP and discovery) and forget sessions, as pulling the plug does. */
  unplug(): Promise<void>;
  /** Listen again on the same ports (with lazyHttp: discovery only, HTTP after a probe). */
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

/** Discovery names carry the variant and region, e.g. L530E(EU), where get_device_info says L530. */
const DISCOVERY_MODELS: Partial<Record<ModelName, string>> = {
  L530: 'L530E(EU)',
  L510: 'L510E(EU)',
  L900: 'L900-5(EU)',
  P100: 'P100(EU)',
  P110: 'P110(EU)',
  HS100: 'HS100(UK)',
};

function discoveryIdentity(model: DeviceModel, klap: 1 | 2): DiscoveryIdentity {
  const info = model.dialect === 'smart' ? model.info : model.sysinfo;
  const field = (key: string): string => (typeof info[key] === 'string' ? info[key] : '');
  return {
    deviceType: model.dialect === 'smart' ? field('type') : field('mic_type'),
    deviceModel: DISCOVERY_MODELS[model.name] ?? field('model'),
    mac: field('mac').replace(/:/g, '-'),
    deviceId: model.dialect === 'smart' ? field('device_id') : field('deviceId'),
    hwVer: field('hw_ver'),
    dialect: model.dialect,
    klap,
  };
}

export async function startEmulator(options: EmulatorOptions): Promise<EmulatedDevice> {
  const lazyHttp = options.lazyHttp === true;
  if (lazyHttp && options.discoveryPort === undefined) {
    throw new Error('lazyHttp needs a discoveryPort (the probe is what opens the HTTP port)');
  }
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
  const encryption = options.encryption ?? 'KLAP';
  // AES and TPAP firmware have no KLAP endpoints (notes §8: TTC assumes 404).
  if (encryption !== 'KLAP') klap.faults.handshake1Status = 404;
  await klap.start();
  // The port is bound (and kept); a lazy device closes it again until the first probe.
  if (lazyHttp) await klap.stop();

  let powered = true;
  let discovery: DiscoveryResponder | null = null;
  /** One start at a time: probes arriving together must not both bind the port. */
  let opening: Promise<void> = Promise.resolve();
  if (options.discoveryPort !== undefined) {
    discovery = new DiscoveryResponder({
      host: klap.host,
      port: options.discoveryPort,
      identity: discoveryIdentity(model, klapVersion),
      encryption,
      httpPort: () => klap.port,
      onProbe: () => {
        const run = opening.then(async () => {
          if (powered && !klap.listening) await klap.start();
        });
        opening = run.catch(() => undefined);
        return run;
      },
    });
    try {
      await discovery.start();
    } catch (error) {
      await klap.close();
      throw error;
    }
  }
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
    get discoveryPort() {
      return discovery ? discovery.port : null;
    },
    discovery,
    klap,
    device,
    get deviceFaults() {
      return device.faults;
    },
    get info() {
      return device.info;
    },
    unplug: async () => {
      powered = false;
      await Promise.all([klap.stop(), discovery?.stop()]);
    },
    plugIn: async () => {
      powered = true;
      await discovery?.start();
      if (!lazyHttp) await klap.start();
    },
    close: async () => {
      powered = false;
      await Promise.all([klap.close(), discovery?.stop()]);
    },
  };
}

export type { DiscoveryCounters, EmulatedEncryption } from './discovery-responder';
export { EmulatedIotDevice } from './iot-device';
export { MemoryTransport } from './memory-transport';
export { createModel, isModelName, MODEL_NAMES, type ModelName } from './models';
export { EmulatedSmartDevice, type SmartDeviceFaults } from './smart-device';
export type { CredentialMode } from './wire/credentials';
