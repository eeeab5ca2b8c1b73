/**
 * The device side of UDP discovery (docs/protocols/discovery.md §1–§2): answers valid discovery queries with a reply
 * shaped like a real lamp's or plug's, from a UDP port of its own (one per emulated device, so
 * several can share 127.0.0.1). It also tells its owner about each probe, which is how the
 * emulator models plugs whose HTTP port opens only after a probe (P110 fw 1.4.6).
 */

import { createHash } from 'node:crypto';
import { encodeDiscoveryPacket, hasValidHeader } from '../transport/discovery';
import {
  UdpResponder,
  type UdpResponderCounters,
  type UdpResponderOptions,
} from './wire/udp-responder';

/**
 * What the firmware announces in mgt_encrypt_schm.encrypt_type; 'HTTPS' stands for the H200's
 * announcement, which has no encrypt_type there but `is_support_https: true` (sslaes).
 */
export type EmulatedEncryption = 'KLAP' | 'AES' | 'TPAP' | 'HTTPS';

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

export interface DiscoveryResponderOptions extends UdpResponderOptions {
  identity: DiscoveryIdentity;
  encryption: EmulatedEncryption;
  /** The device's HTTP port, announced as http_port (read at each answer). */
  httpPort: () => number;
  /**
   * TPAP devices: the passcode kinds announced in `tpap.pake` (default [2]) and the preference
   * flag (default true; false = announces TPAP but wants KLAP, as KP125M 1.4.1 does).
   */
  tpap?: { pake?: number[]; preferred?: boolean };
}

export type DiscoveryCounters = UdpResponderCounters;

export class DiscoveryResponder extends UdpResponder {
  constructor(private readonly options: DiscoveryResponderOptions) {
    super(options);
  }

  /** The JSON a real device of this identity sends (docs/protocols/discovery.md §2), with our own identifiers. */
  replyJson(): Record<string, unknown> {
    const { identity, encryption } = this.options;
    if (encryption === 'HTTPS') return this.httpsReply();
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
      ...this.deviceFields(),
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

  /**
   * The H200's shape: `is_support_https` and no encrypt_type in mgt_encrypt_schm, the secure
   * login's "3" at the top. Its port (443 on a real hub) is announced as http_port, because the
   * emulator's is not 443.
   */
  private httpsReply(): Record<string, unknown> {
    return {
      error_code: 0,
      result: {
        ...this.deviceFields(),
        factory_default: false,
        encrypt_type: ['3'],
        encrypt_info: { sym_schm: 'AES', key: '', data: '' },
        mgt_encrypt_schm: { is_support_https: true, http_port: this.options.httpPort() },
      },
    };
  }

  /** The fields every reply opens with, in the devices' order. */
  private deviceFields(): Record<string, unknown> {
    const { identity } = this.options;
    return {
      device_id: identity.deviceId,
      owner: ownerOf(identity),
      device_type: identity.deviceType,
      device_model: identity.deviceModel,
      ip: this.host,
      mac: identity.mac,
      is_support_iot_cloud: true,
    };
  }

  /** Real devices stay silent on anything that is not a version-2 probe with a valid CRC. */
  protected query(packet: Buffer): Buffer | null {
    return hasValidHeader(packet) && packet.readUInt16BE(2) === 1 ? packet : null;
  }

  protected answer(): Buffer {
    const payload = Buffer.from(JSON.stringify(this.replyJson()));
    return encodeDiscoveryPacket({ payload, flags: 0, serial: Buffer.alloc(4) });
  }
}

/** Bound devices announce the MD5 of their account's e-mail; unbound ones a stand-in. */
function ownerOf(identity: DiscoveryIdentity): string {
  return createHash('md5')
    .update(identity.ownerEmail ?? `owner-${identity.deviceId}`)
    .digest('hex')
    .toUpperCase();
}
