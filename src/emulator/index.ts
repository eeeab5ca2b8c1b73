/**
 * Emulated devices on loopback: a model's JSON behaviour (EmulatedSmartDevice or
 * EmulatedIotDevice) behind the server of one wire: KLAP, AES or TPAP over HTTP, or legacy XOR
 * over TCP. The model never knows which wire carries it. Used by tests, the demo and `lamp-emulator`.
 */

import { isIPv4 } from 'node:net';
import { normaliseMac } from '../transport/mac';
import {
  type DiscoveryIdentity,
  DiscoveryResponder,
  type EmulatedEncryption,
} from './discovery-responder';
import type { EmulatedHub } from './hub';
import { startHubControl } from './hub-control-server';
import { EmulatedIotDevice } from './iot-device';
import { createModel, type DeviceModel, type ModelName } from './models';
import { type HubChildOption, pairChildren } from './models-hubs';
import type { NestedControlChildMode } from './nested-control-child';
import { type EmulatedOutlet, outletsOf } from './outlets';
import { EmulatedSmartDevice, type SmartDeviceFaults } from './smart-device';
import { AesServer } from './wire/aes-server';
import type { CredentialMode } from './wire/credentials';
import type { WireServer } from './wire/faults';
import { KlapServer, type KlapServerOptions } from './wire/klap-server';
import { SslAesServer, type SslAesServerOptions } from './wire/sslaes-server';
import { TpapServer, type TpapServerOptions } from './wire/tpap-server';
import { XorDiscoveryResponder } from './wire/xor-discovery';
import { XorServer } from './wire/xor-server';

/**
 * The wires an emulated device can speak. A model's optional `protocol` field says which one its
 * current firmware speaks (absent: KLAP).
 */
export type EmulatedProtocol = NonNullable<DeviceModel['protocol']>;
/** The wires that are emulated (all of them since TPAP is). */
export type RunningProtocol = EmulatedProtocol;

export interface EmulatorOptions {
  /**
   * One of our models by name, or a whole description of a device (e.g. built from a real
   * device's dump). A description is copied: the running device never changes the caller's.
   */
  model: ModelName | DeviceModel;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  username?: string;
  password?: string;
  /** Default 'account' when a username is given, else 'blank'. */
  credentials?: CredentialMode;
  /**
   * The wire: 'klap' (SMART or IOT models), 'aes', 'tpap' and 'sslaes' (SMART only), 'legacy'
   * (IOT only).
   * Default: the model's own (KLAP for Tapo and the HS100, legacy for the legacy Kasa models).
   */
  protocol?: EmulatedProtocol;
  /** KLAP only. Default: what real devices of the model use (HS100 1, SMART models 2). */
  klap?: 1 | 2;
  /** AES only: the login_device form expected, announced as `lv` in discovery. Default 2. */
  loginVersion?: 1 | 2;
  /** The device's name (nickname / alias). */
  alias?: string;
  /** HTTP server details for tests: session lifetime, session limit, KLAP auth hash override. */
  server?: Pick<KlapServerOptions, 'sessionTimeoutSeconds' | 'maxSessions' | 'authKind'>;
  /** sslaes only: the firmware's password hash, accepted user names, login style, lock-out. */
  sslaes?: Pick<SslAesServerOptions, 'passwordHash' | 'users' | 'login' | 'lockout'>;
  /** TPAP only: the cipher suite and session cipher the device chooses (default 1, AES-128-CCM). */
  tpap?: Pick<TpapServerOptions, 'suite' | 'cipher'>;
  /**
   * KLAP only: false makes a device whose discovery announces TPAP but prefers KLAP (its HTTP
   * TPAP discover answers tpap_preferred: false), as KP125M fw 1.4.1 does.
   */
  tpapPreferred?: false;
  /**
   * Answer discovery on this UDP port (0 = an ephemeral one), on the same host: the 20002-style
   * query for KLAP and AES devices, the XOR get_sysinfo datagram (9999-style) for legacy ones.
   * Default: no discovery service.
   */
  discoveryPort?: number;
  /**
   * Fault: keep the device port closed (connections refused) until a discovery probe arrives, as
   * P110 fw 1.4.6 does after a power cut. Needs discoveryPort. After unplug() and plugIn() the
   * port is closed again until the next probe.
   */
  lazyHttp?: boolean;
  /**
   * The older spelling of `protocol`, as discovery announces it: 'KLAP' = klap, 'AES' = aes,
   * 'TPAP' = tpap, 'HTTPS' = sslaes. Give `protocol` or this, not both.
   */
  encryption?: EmulatedEncryption;
  /**
   * Hubs (H100, KH100) only: the devices paired to it, in list order, each a model name
   * (S200B, S200D, S210, S220, T100, T110, T300, T310, T315, KE100) or `{ model, alias }`.
   */
  children?: readonly HubChildOption[];
  /**
   * Hubs only: also run the control interface (hub-control-server.ts) on this port of `host`
   * (0 = an ephemeral one). Default: none.
   */
  controlPort?: number;
  /**
   * Strips and hubs: how control_child inside a parent multipleRequest is answered (a shape no
   * real device is known to take). Default 'slot-error'; see SmartDeviceFaults.
   */
  nestedControlChild?: NestedControlChildMode;
  /**
   * The device's MAC in any notation (default: the model's own), so two devices of one model
   * can be told apart, as discovery and get_device_info / sysinfo tell real ones apart.
   */
  mac?: string;
  /**
   * Single-session firmware (Tapo 2025-26): a new login ends the older session, which then
   * gets what such firmware answers a dead session (KLAP 403, AES 9999, TPAP -40401).
   */
  singleSession?: boolean;
}

/** Any of the wire servers, with their protocol-specific faults and counters. */
export type EmulatorServer = KlapServer | AesServer | TpapServer | SslAesServer | XorServer;

export interface EmulatedDevice {
  readonly host: string;
  readonly port: number;
  /** The model's name: a ModelName, or the name of a model given as a description. */
  readonly model: string;
  readonly dialect: 'smart' | 'iot';
  /** The wire this device speaks. */
  readonly protocol: RunningProtocol;
  /** One-line description, e.g. "L530 colour bulb". */
  readonly description: string;
  /** The KLAP variant (meaningful with protocol 'klap'). */
  readonly klapVersion: 1 | 2;
  /** The AES login version, or null on other wires. */
  readonly loginVersion: 1 | 2 | null;
  readonly credentialMode: CredentialMode;
  /** The wire server: `faults`, `counters`, `forgetSessions()`, whatever the protocol. */
  readonly server: EmulatorServer & WireServer;
  /** The KLAP server; throws on other wires (use `server`, `aes` or `legacy`). */
  readonly klap: KlapServer;
  /** The AES server; throws on other wires. */
  readonly aes: AesServer;
  /** The TPAP server; throws on other wires. */
  readonly tpap: TpapServer;
  /** The sslaes (HTTPS) server; throws on other wires. */
  readonly sslaes: SslAesServer;
  /** The legacy XOR server; throws on other wires. */
  readonly legacy: XorServer;
  /** The JSON side. */
  readonly device: EmulatedSmartDevice | EmulatedIotDevice;
  /** Device-level faults: SMART { refuseBatches, errorCodes, rateLimit }, IOT { errorCodes }. */
  readonly deviceFaults: SmartDeviceFaults | EmulatedIotDevice['faults'];
  /** Live device JSON (get_device_info / sysinfo), for assertions. */
  readonly info: Record<string, unknown>;
  /** A strip's outlets now, by position (empty for single devices), for assertions. */
  readonly outlets: EmulatedOutlet[];
  /**
   * A hub's paired devices, alarm and actions (press, rotate, motion, contact, leak, climate,
   * setOnline, setBatteryLow, toggleSwitch); throws on devices that are not hubs.
   */
  readonly hub: EmulatedHub;
  /** The control interface's URL ("http://host:port"), or null without controlPort. */
  readonly controlUrl: string | null;
  /** "http://host:port", "https://host:port" for sslaes, or "tcp://host:port" for legacy devices. */
  readonly url: string;
  /** The UDP discovery port, or null without discoveryPort. */
  readonly discoveryPort: number | null;
  /** The 20002-style discovery side (`counters.probes`), or null (no discoveryPort, or legacy). */
  readonly discovery: DiscoveryResponder | null;
  /** A legacy device's XOR UDP discovery side, or null (no discoveryPort, or not legacy). */
  readonly xorDiscovery: XorDiscoveryResponder | null;
  /** Stop listening (device port and discovery) and forget sessions, as pulling the plug does. */
  unplug(): Promise<void>;
  /** Listen again on the same ports (with lazyHttp: discovery only, the rest after a probe). */
  plugIn(): Promise<void>;
  close(): Promise<void>;
  /**
   * A new address for the same device (a new DHCP lease): stops listening, forgets sessions and
   * listens again on `host` with the same ports, MAC and state. Loopback (127.x.y.z) only.
   */
  moveTo(host: string): Promise<void>;
}

export function createDevice(
  model: DeviceModel,
  alias?: string,
): EmulatedSmartDevice | EmulatedIotDevice {
  return model.dialect === 'smart'
    ? new EmulatedSmartDevice(model, { alias })
    : new EmulatedIotDevice(model, { alias });
}

/**
 * Listens again on the old port after an unplug. Emulated devices sit on ephemeral ports, and
 * while one is unplugged the kernel may hand that port number to a short-lived client socket
 * (a probe, a connection attempt); wait for it instead of staying unplugged.
 */
async function rebind(responder: { start(): Promise<void> } | null | undefined): Promise<void> {
  for (let attempt = 1; responder; attempt++) {
    try {
      await responder.start();
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EADDRINUSE' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Discovery names carry the variant and region, e.g. L530E(EU), where get_device_info says L530. */
const DISCOVERY_MODELS: Partial<Record<string, string>> = {
  L530: 'L530E(EU)',
  L510: 'L510E(EU)',
  L900: 'L900-5(EU)',
  P100: 'P100(EU)',
  P110: 'P110(EU)',
  HS100: 'HS100(UK)',
  P300: 'P300(EU)',
  P304M: 'P304M(UK)',
  L920: 'L920-5(EU)',
  L930: 'L930-5(EU)',
  H100: 'H100(EU)',
  KH100: 'KH100(EU)',
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

/** What to run: the wire, and what discovery announces for it. */
interface Plan {
  protocol: RunningProtocol;
  announce: EmulatedEncryption;
}

const ENCRYPTION_PROTOCOL: Record<EmulatedEncryption, EmulatedProtocol> = {
  KLAP: 'klap',
  AES: 'aes',
  TPAP: 'tpap',
  HTTPS: 'sslaes',
};

/** Picks the wire from the options and the model, refusing combinations no device has. */
export function resolveProtocol(
  model: DeviceModel,
  options: Pick<EmulatorOptions, 'protocol' | 'encryption' | 'tpapPreferred'>,
): Plan {
  if (options.protocol !== undefined && options.encryption !== undefined) {
    if (ENCRYPTION_PROTOCOL[options.encryption] !== options.protocol) {
      throw new Error(
        `protocol '${options.protocol}' and encryption '${options.encryption}' disagree; give only protocol`,
      );
    }
  }
  const fromEncryption =
    options.encryption === undefined ? undefined : ENCRYPTION_PROTOCOL[options.encryption];
  const protocol = options.protocol ?? fromEncryption ?? model.protocol ?? 'klap';
  if (protocol === 'legacy' && model.dialect !== 'iot') {
    throw new Error(
      `${model.name} is a Tapo (SMART) model; the legacy XOR protocol carries only Kasa (IOT) models`,
    );
  }
  if (
    (protocol === 'aes' || protocol === 'tpap' || protocol === 'sslaes') &&
    model.dialect !== 'smart'
  ) {
    const name = { aes: 'AES securePassthrough', tpap: 'TPAP', sslaes: 'sslaes (HTTPS)' }[protocol];
    throw new Error(
      `${model.name} is a Kasa (IOT) model; ${name} carries only Tapo (SMART) models`,
    );
  }
  if (options.tpapPreferred === false && protocol !== 'klap') {
    throw new Error('tpapPreferred: false describes a KLAP device that announces TPAP');
  }
  const announce: EmulatedEncryption =
    protocol === 'aes'
      ? 'AES'
      : protocol === 'sslaes'
        ? 'HTTPS'
        : protocol === 'tpap' || options.tpapPreferred === false
          ? 'TPAP'
          : 'KLAP';
  return { protocol, announce };
}

function wrongWire(protocol: RunningProtocol, wanted: string): Error {
  return new Error(`this device speaks ${protocol}, not ${wanted}; use device.server`);
}

export async function startEmulator(options: EmulatorOptions): Promise<EmulatedDevice> {
  const lazyHttp = options.lazyHttp === true;
  if (lazyHttp && options.discoveryPort === undefined) {
    throw new Error('lazyHttp needs a discoveryPort (the probe is what opens the device port)');
  }
  const model =
    typeof options.model === 'string' ? createModel(options.model) : structuredClone(options.model);
  if (options.children !== undefined) {
    if (model.dialect !== 'smart')
      throw new Error(`${model.name} is not a hub; it takes no children`);
    pairChildren(model, options.children);
  }
  if (options.controlPort !== undefined && !(model.dialect === 'smart' && model.hub)) {
    throw new Error(`controlPort needs a hub (H100, KH100); ${model.name} has no paired devices`);
  }
  if (options.mac !== undefined) setMac(model, options.mac);
  const plan = resolveProtocol(model, options);
  if (plan.protocol === 'aes' && model.dialect === 'smart' && model.aesFirmware) {
    // Only older firmware speaks AES: report that version, not today's.
    model.info.fw_ver = model.aesFirmware;
  }
  if (options.klap !== undefined && plan.protocol !== 'klap') {
    throw new Error(`the klap option applies to KLAP devices; this one speaks ${plan.protocol}`);
  }
  if (options.singleSession && plan.protocol === 'legacy') {
    throw new Error(
      'singleSession applies to KLAP, AES and TPAP devices; the legacy protocol has no sessions',
    );
  }
  if (options.sslaes !== undefined && plan.protocol !== 'sslaes') {
    throw new Error(
      `the sslaes option applies to sslaes devices; this one speaks ${plan.protocol}`,
    );
  }
  if (options.loginVersion !== undefined && plan.protocol !== 'aes') {
    throw new Error(`loginVersion applies to AES devices; this one speaks ${plan.protocol}`);
  }
  const device = createDevice(model, options.alias);
  if (options.nestedControlChild !== undefined && device instanceof EmulatedSmartDevice) {
    device.faults.nestedControlChild = options.nestedControlChild;
  }
  const handler = (plaintext: string) =>
    device instanceof EmulatedSmartDevice ? device.respond(plaintext) : device.handle(plaintext);
  const credentialMode = options.credentials ?? (options.username ? 'account' : 'blank');
  const credentials = {
    mode: credentialMode,
    username: options.username,
    password: options.password,
  };
  const klapVersion = options.klap ?? model.klap;
  const loginVersion = plan.protocol === 'aes' ? (options.loginVersion ?? 2) : null;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const { authKind, ...serverOptions } = options.server ?? {};
  const sessionOptions = options.singleSession
    ? { ...serverOptions, maxSessions: 1 }
    : serverOptions;

  let server: EmulatorServer;
  if (plan.protocol === 'legacy') {
    server = new XorServer({ host, port, handler });
  } else if (plan.protocol === 'aes') {
    server = new AesServer({
      ...sessionOptions,
      host,
      port,
      loginVersion: loginVersion ?? 2,
      credentials,
      handler,
    });
  } else if (plan.protocol === 'sslaes') {
    server = new SslAesServer({ ...options.sslaes, host, port, credentials, handler });
  } else if (plan.protocol === 'tpap') {
    server = new TpapServer({
      ...sessionOptions,
      ...options.tpap,
      host,
      port,
      mac: String(device.info.mac ?? ''),
      credentials,
      handler,
    });
  } else {
    server = new KlapServer({
      ...sessionOptions,
      authKind,
      host,
      port,
      klap: klapVersion,
      credentials,
      handler,
      ...(options.tpapPreferred === false ? { tpapDiscover: 'prefers-klap' as const } : {}),
    });
  }
  device.onReboot = () => server.forgetSessions();
  await server.start();
  // The port is bound (and kept); a lazy device closes it again until the first probe.
  if (lazyHttp) await server.stop();

  let powered = true;
  let discovery: DiscoveryResponder | null = null;
  let xorDiscovery: XorDiscoveryResponder | null = null;
  /** One start at a time: probes arriving together must not both bind the port. */
  let opening: Promise<void> = Promise.resolve();
  const onProbe = () => {
    const run = opening.then(async () => {
      if (powered && !server.listening) await server.start();
    });
    opening = run.catch(() => undefined);
    return run;
  };
  if (options.discoveryPort !== undefined) {
    if (plan.protocol === 'legacy') {
      xorDiscovery = new XorDiscoveryResponder({
        host,
        port: options.discoveryPort,
        handler,
        onProbe,
      });
    } else {
      discovery = new DiscoveryResponder({
        host,
        port: options.discoveryPort,
        identity: {
          ...discoveryIdentity(model, klapVersion),
          aesLoginVersion: loginVersion ?? 2,
          ...(options.username && (credentialMode === 'account' || credentialMode === 'alternating')
            ? { ownerEmail: options.username }
            : {}),
        },
        encryption: plan.announce,
        httpPort: () => server.port,
        tpap: {
          pake: server instanceof TpapServer ? server.pake : [2],
          preferred: options.tpapPreferred !== false,
        },
        onProbe,
      });
    }
    try {
      await (discovery ?? xorDiscovery)?.start();
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  const hub = device instanceof EmulatedSmartDevice ? device.hub : undefined;
  const control = await startHubControl(hub, host, options.controlPort, () =>
    Promise.all([server.close(), (discovery ?? xorDiscovery)?.stop()]),
  );
  const udp = () => discovery ?? xorDiscovery;
  const scheme = plan.protocol === 'legacy' ? 'tcp' : plan.protocol === 'sslaes' ? 'https' : 'http';
  return {
    get host() {
      return server.host;
    },
    get port() {
      return server.port;
    },
    get url() {
      return `${scheme}://${server.host}:${server.port}`;
    },
    model: model.name,
    dialect: model.dialect,
    protocol: plan.protocol,
    description: `${model.name} ${model.description}`,
    klapVersion,
    loginVersion,
    credentialMode,
    get discoveryPort() {
      return udp()?.port ?? null;
    },
    discovery,
    xorDiscovery,
    server,
    get klap() {
      if (!(server instanceof KlapServer)) throw wrongWire(plan.protocol, 'KLAP');
      return server;
    },
    get aes() {
      if (!(server instanceof AesServer)) throw wrongWire(plan.protocol, 'AES');
      return server;
    },
    get tpap() {
      if (!(server instanceof TpapServer)) throw wrongWire(plan.protocol, 'TPAP');
      return server;
    },
    get sslaes() {
      if (!(server instanceof SslAesServer)) throw wrongWire(plan.protocol, 'sslaes');
      return server;
    },
    get legacy() {
      if (!(server instanceof XorServer)) throw wrongWire(plan.protocol, 'legacy XOR');
      return server;
    },
    device,
    get deviceFaults() {
      return device.faults;
    },
    get info() {
      return device.info;
    },
    get outlets() {
      return outletsOf(device);
    },
    get hub() {
      if (!hub)
        throw new Error(`${model.name} is not a hub; only H100 and KH100 have paired devices`);
      return hub;
    },
    get controlUrl() {
      return control ? control.url : null;
    },
    unplug: async () => {
      powered = false;
      await Promise.all([server.stop(), udp()?.stop()]);
    },
    plugIn: async () => {
      powered = true;
      // The wire first: a UDP port that cannot be had back at once must not keep it closed.
      if (!lazyHttp) await rebind(server);
      await rebind(udp());
    },
    close: async () => {
      powered = false;
      await Promise.all([server.close(), udp()?.stop(), control?.close()]);
    },
    moveTo: async (newHost: string) => {
      if (!isIPv4(newHost) || !newHost.startsWith('127.')) {
        throw new Error(
          `emulated devices stay on loopback: moveTo needs 127.x.y.z (got ${newHost})`,
        );
      }
      await Promise.all([server.stop(), udp()?.stop()]);
      server.rehost(newHost);
      udp()?.rehost(newHost);
      if (typeof device.info.ip === 'string') device.info.ip = newHost;
      if (!powered) return;
      if (!lazyHttp) await rebind(server);
      await rebind(udp());
    },
  };
}

/** Gives a model another MAC, in the notation its dialect uses (SMART dashes, IOT colons / bare). */
function setMac(model: DeviceModel, value: string): void {
  const mac = normaliseMac(value);
  if (!mac) throw new Error(`mac must be a MAC address such as 5C:E9:31:AA:BB:CC (got ${value})`);
  if (model.dialect === 'smart') {
    model.info.mac = mac.replace(/:/g, '-');
    return;
  }
  if ('mic_mac' in model.sysinfo) model.sysinfo.mic_mac = mac.replace(/:/g, '');
  else model.sysinfo.mac = mac;
}

export type { DiscoveryCounters, EmulatedEncryption } from './discovery-responder';
export { type EmulatedH200, type H200EmulatorOptions, startH200 } from './h200';
export {
  type EmulatedHub,
  HubActionError,
  type HubAlarmState,
  type HubChildSelector,
  type HubChildSummary,
} from './hub';
export type { EmulatedHubChild } from './hub-child';
export type {
  HubChildKind,
  HubChildModel,
  HubChildModelName,
  HubSpec,
  TriggerLogEntry,
} from './hub-types';
export { HUB_CHILD_MODEL_NAMES } from './hub-types';
export { EmulatedIotDevice } from './iot-device';
export { MemoryTransport } from './memory-transport';
export {
  createModel,
  type DeviceModel,
  type EmeterProfile,
  type IotModel,
  isModelName,
  MODEL_NAMES,
  type ModelName,
  type SmartModel,
} from './models';
export {
  HUB_MODEL_NAMES,
  type HubChildOption,
  type HubModelName,
  hubChildModel,
  pairChildren,
} from './models-hubs';
export { NESTED_CONTROL_CHILD_MODES, type NestedControlChildMode } from './nested-control-child';
export type { EmulatedOutlet } from './outlets';
export type { SmartChildMeter, SmartChildModel } from './smart-children';
export { EmulatedSmartDevice, type SmartDeviceFaults } from './smart-device';
export {
  EmulatedSmartcamHub,
  type H200ChildOption,
  type H200DumpSpec,
  type H200Options,
} from './smartcam-hub';
export type { AesFaults, AesServerCounters } from './wire/aes-server';
export { CREDENTIAL_MODES, type CredentialMode } from './wire/credentials';
export type { WireCounters, WireFaults, WireServer } from './wire/faults';
export type { KlapFaults, KlapServerCounters } from './wire/klap-server';
export type {
  SslAesFaults,
  SslAesServerCounters,
  SslAesServerOptions,
} from './wire/sslaes-server';
export type { TpapFaults, TpapServerCounters } from './wire/tpap-server';
export type { XorFaults } from './wire/xor-server';
