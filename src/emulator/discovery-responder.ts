/**
 * The device side of UDP discovery (docs/protocols/discovery.md §1–§2): answers valid discovery queries with a reply
 * shaped like a real lamp's or plug's, from a UDP port of its own (one per emulated device, so
 * several can share 127.0.0.1). It also tells its owner about each probe, which is how the
 * emulator models plugs whose HTTP port opens only after a probe (P110 fw 1.4.6).
 */

import { createHash } from 'node:crypto';
import * as dgram from 'node:dgram';
import { encodeDiscoveryPacket, hasValidHeader } from '../transport/discovery';

/** What the firmware announces in mgt_encrypt_schm.encrypt_type. */
export type EmulatedEncryption = 'KLAP' | 'AES' | 'TPAP';

export interface DiscoveryIdentity {
  /** e.g. SMART.TAPOBULB, IOT.SMARTPLUGSWITCH */
  deviceType: string;
  /** With region, e.g. "L530E(EU)". */
  deviceModel: string;
  mac: string;
  deviceId: string;
  hwVer: string;
  dialect: 'smart' | 'iot';
  klap: 1 | 2;
  /** AES firmware: which login it expects, announced as lv (2) or no lv at all (1). */
  aesLoginVersion?: 1 | 2;
  /** The account the device is bound to; announced as `owner`, the MD5 of its e-mail. */
  ownerEmail?: string;
}

export interface DiscoveryResponderOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  identity: DiscoveryIdentity;
  encryption: EmulatedEncryption;
  /** The device's HTTP port, announced as http_port (read at each answer). */
  httpPort: () => number;
  /**
   * TPAP devices: the passcode kinds announced in `tpap.pake` (default [2]) and the preference
   * flag (default true; false = announces TPAP but wants KLAP, as KP125M 1.4.1 does).
   */
  tpap?: { pake?: number[]; preferred?: boolean };
  /** Called for every valid probe, before the answer goes out. */
  onProbe?: () => void | Promise<void>;
}

export interface DiscoveryCounters {
  /** Valid discovery queries received (each one is answered). */
  probes: number;
  /** Packets that were not a valid query (ignored, like a device does). */
  ignored: number;
}

export class DiscoveryResponder {
  counters: DiscoveryCounters = { probes: 0, ignored: 0 };
  private readonly options: DiscoveryResponderOptions;
  private socket: dgram.Socket | null = null;
  private boundPort: number;

  constructor(options: DiscoveryResponderOptions) {
    this.options = options;
    this.boundPort = options.port;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The UDP port (the ephemeral one once started); kept across stop()/start(). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.socket !== null;
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const socket = dgram.createSocket('udp4');
    // A send failure to a vanished client must not crash the emulator.
    socket.on('error', () => undefined);
    socket.on('message', (packet, remote) => {
      this.onPacket(socket, packet, remote).catch(() => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.boundPort, this.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.boundPort = socket.address().port;
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** The JSON a real device of this identity sends (docs/protocols/discovery.md §2), with our own identifiers. */
  replyJson(): Record<string, unknown> {
    const { identity, encryption } = this.options;
    const scheme: Record<string, unknown> = {
      is_support_https: false,
      encrypt_type: encryption,
      http_port: this.options.httpPort(),
    };
    if (encryption === 'AES') {
      if (identity.aesLoginVersion !== 1) scheme.lv = 2;
    } else if (identity.dialect === 'smart' || identity.klap === 2) scheme.lv = 2;
    if (identity.dialect === 'iot' && identity.klap === 2 && encryption === 'KLAP') {
      scheme.new_klap = 1;
    }
    const result: Record<string, unknown> = {
      device_id: identity.deviceId,
      // Bound devices announce the MD5 of their account's e-mail; unbound ones a stand-in.
      owner: createHash('md5')
        .update(identity.ownerEmail ?? `owner-${identity.deviceId}`)
        .digest('hex')
        .toUpperCase(),
      device_type: identity.deviceType,
      device_model: identity.deviceModel,
      ip: this.host,
      mac: identity.mac,
      is_support_iot_cloud: true,
      obd_src: 'tplink',
      factory_default: false,
      mgt_encrypt_schm: scheme,
    };
    if (identity.dialect === 'iot') result.hw_ver = identity.hwVer;
    else result.protocol_version = 1;
    if (encryption === 'TPAP') {
      // The port-80 plain-HTTP variant of lamps and plugs (docs/protocols/tpap.md §8).
      const { pake = [2], preferred = true } = this.options.tpap ?? {};
      result.tpap = { tls: 0, dac: 0, noc: 0, pake, port: this.options.httpPort() };
      result.tpap_preferred = preferred;
    }
    return { error_code: 0, result };
  }

  private async onPacket(
    socket: dgram.Socket,
    packet: Buffer,
    remote: dgram.RemoteInfo,
  ): Promise<void> {
    // Real devices stay silent on anything that is not a version-2 probe with a valid CRC.
    if (!hasValidHeader(packet) || packet.readUInt16BE(2) !== 1) {
      this.counters.ignored += 1;
      return;
    }
    this.counters.probes += 1;
    await this.options.onProbe?.();
    if (this.socket !== socket) return; // stopped meanwhile
    const payload = Buffer.from(JSON.stringify(this.replyJson()));
    const reply = encodeDiscoveryPacket({ payload, flags: 0, serial: Buffer.alloc(4) });
    socket.send(reply, remote.port, remote.address, () => undefined);
  }
}
