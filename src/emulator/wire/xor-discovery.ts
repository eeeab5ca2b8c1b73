/**
 * Legacy Kasa discovery (UDP, port 9999 on real devices): an XOR-encoded JSON command without
 * a length prefix in, the XOR-encoded answer out. Clients send `{"system":{"get_sysinfo":{}}}`
 * and read the model, alias and MAC from the reply; like real devices we answer other commands
 * too, since some clients control legacy devices over UDP.
 */

import { xorDecode, xorEncode } from '../../transport/xor/codec';
import { parseObject } from '../json';
import type { PlaintextHandler } from './faults';
import { UdpResponder, type UdpResponderCounters, type UdpResponderOptions } from './udp-responder';

export interface XorDiscoveryOptions extends UdpResponderOptions {
  handler: PlaintextHandler;
}

export type XorDiscoveryCounters = UdpResponderCounters;

export class XorDiscoveryResponder extends UdpResponder {
  constructor(private readonly options: XorDiscoveryOptions) {
    super(options);
  }

  /** Any datagram that decodes to a JSON object is a command. */
  protected query(packet: Buffer): string | null {
    const request = xorDecode(packet);
    return parseObject(request) ? request : null;
  }

  protected async answer(request: string | Buffer): Promise<Buffer> {
    return xorEncode(await this.options.handler(String(request)));
  }
}
