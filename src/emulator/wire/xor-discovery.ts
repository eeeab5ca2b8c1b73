/**
 * Legacy Kasa discovery (UDP, port 9999 on real devices): an XOR-encoded JSON command without
 * a length prefix in, the XOR-encoded answer out. Clients send `{"system":{"get_sysinfo":{}}}`
 * and read the model, alias and MAC from the reply; like real devices we answer other commands
 * too, since some clients control legacy devices over UDP.
 */

import * as dgram from 'node:dgram';
import { xorDecode, xorEncode } from '../../transport/xor/codec';
import { parseObject } from '../json';
import type { PlaintextHandler } from './faults';

export interface XorDiscoveryOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  handler: PlaintextHandler;
  /** Called for every valid query, before the answer goes out. */
  onProbe?: () => void | Promise<void>;
}

export interface XorDiscoveryCounters {
  /** Datagrams that decoded to a JSON object (each one is answered). */
  probes: number;
  /** Anything else (ignored, like a device does). */
  ignored: number;
}

export class XorDiscoveryResponder {
  counters: XorDiscoveryCounters = { probes: 0, ignored: 0 };
  private readonly options: XorDiscoveryOptions;
  private socket: dgram.Socket | null = null;
  private boundPort: number;

  constructor(options: XorDiscoveryOptions) {
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

  private async onPacket(
    socket: dgram.Socket,
    packet: Buffer,
    remote: dgram.RemoteInfo,
  ): Promise<void> {
    const request = xorDecode(packet);
    if (!parseObject(request)) {
      this.counters.ignored += 1;
      return;
    }
    this.counters.probes += 1;
    await this.options.onProbe?.();
    const answer = await this.options.handler(request);
    if (this.socket !== socket) return; // stopped meanwhile
    socket.send(xorEncode(answer), remote.port, remote.address, () => undefined);
  }
}
