/**
 * The device side of the legacy Kasa protocol: JSON in autokey-XOR frames on a TCP port (9999
 * on real devices), no login, no session.
 *
 * Like real devices it answers any number of requests on one connection, one at a time and in
 * order, so a client may keep its connection open or open one per request. Faults mirror the
 * HTTP servers' (latency, hang, dropped connection, close after each answer, malformed reply)
 * plus a reply whose length prefix promises more than arrives.
 */

import * as net from 'node:net';
import { frame, XorFrameError, XorFrameReader } from '../../transport/xor/codec';
import {
  defaultWireFaults,
  listen,
  type PlaintextHandler,
  shutDown,
  type WireCounters,
  type WireFaults,
  type WireServer,
} from './faults';

export interface XorServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** The device model: JSON request in, JSON reply out. */
  handler: PlaintextHandler;
  /** Larger request frames drop the connection. Default 64 KiB (real devices choke far sooner). */
  maxFrameBytes?: number;
}

export interface XorFaults extends WireFaults {
  /** The next N replies announce four times their length, then the connection closes. */
  truncatedReplies: number;
}

export function defaultXorFaults(): XorFaults {
  return { ...defaultWireFaults(), truncatedReplies: 0 };
}

const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

export class XorServer implements WireServer {
  faults: XorFaults = defaultXorFaults();
  counters: WireCounters = { connections: 0, requests: 0 };

  private options: XorServerOptions;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: net.Server | null = null;
  private boundPort: number;
  private closed = false;

  constructor(options: XorServerOptions) {
    this.options = options;
    this.boundPort = options.port ?? 0;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The listening port (the ephemeral one once started); kept across stop()/start(). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Takes another address while stopped (a new DHCP lease); start() then listens there. */
  rehost(host: string): void {
    if (this.server) throw new Error('stop the server before it changes address');
    this.options = { ...this.options, host };
  }

  /** Listens (again). After stop() it reuses the same port, like a device plugged back in. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('XorServer was closed');
    if (this.server) return;
    const server = net.createServer((socket) => this.onConnection(socket));
    this.boundPort = await listen(server, this.boundPort, this.host);
    this.server = server;
  }

  /** Stops listening and drops every connection; start() resumes on the same port (unplug). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await shutDown(server, this.sockets, this.timers);
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Nothing to forget: the protocol has no sessions. */
  forgetSessions(): void {}

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    this.counters.connections += 1;
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    // A client that vanishes must not crash the emulator.
    socket.on('error', () => socket.destroy());

    const reader = new XorFrameReader({
      maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    });
    // Requests on one connection are answered strictly in order, one after the other.
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let requests: string[];
      try {
        requests = reader.push(chunk);
      } catch (error) {
        if (!(error instanceof XorFrameError)) throw error;
        socket.destroy();
        return;
      }
      for (const request of requests) {
        this.counters.requests += 1;
        queue = queue
          .then(() => this.answer(socket, request))
          .catch(() => {
            // A model failure is an emulator bug; the client sees a dead connection.
            socket.destroy();
          });
      }
    });
  }

  private async answer(socket: net.Socket, request: string): Promise<void> {
    if (this.faults.hang) {
      // Never answer; stop()/close() destroys the socket, the client times out before that.
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return;
    }
    if (this.faults.dropConnections > 0) {
      this.faults.dropConnections -= 1;
      socket.destroy();
      return;
    }
    if (this.faults.latencyMs > 0) await this.delay(this.faults.latencyMs);
    if (socket.destroyed) return;

    let bytes: Buffer;
    let closeAfter = this.faults.closeConnections;
    if (this.faults.malformedReplies > 0) {
      this.faults.malformedReplies -= 1;
      // A correct length prefix around bytes that do not decode to JSON.
      bytes = Buffer.concat([Buffer.from([0, 0, 0, 6]), Buffer.from('\xff\x00garb', 'latin1')]);
    } else {
      bytes = frame(await this.options.handler(request));
      if (this.faults.truncatedReplies > 0) {
        this.faults.truncatedReplies -= 1;
        bytes.writeUInt32BE((bytes.length - 4) * 4, 0);
        closeAfter = true;
      }
    }
    if (socket.destroyed) return;
    if (closeAfter) socket.end(bytes);
    else socket.write(bytes);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
