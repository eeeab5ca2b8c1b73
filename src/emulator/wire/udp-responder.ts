/**
 * What every emulated UDP service shares (the 20002 discovery responder, Kasa's legacy UDP
 * port): a socket of its own on a fixed or ephemeral port kept across stop()/start(), probe
 * counters, and a hook before each answer (lazy devices open their HTTP port on a probe).
 * A subclass says only whether a packet is a query and what the answer is.
 */
import * as dgram from 'node:dgram';

export interface UdpResponderOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  /** Called for every valid query, before the answer goes out. */
  onProbe?: () => void | Promise<void>;
}

export interface UdpResponderCounters {
  /** Valid queries received (each one is answered). */
  probes: number;
  /** Anything else (ignored, as devices do). */
  ignored: number;
}

export abstract class UdpResponder {
  counters: UdpResponderCounters = { probes: 0, ignored: 0 };
  private socket: dgram.Socket | null = null;
  private boundPort: number;

  constructor(private udp: UdpResponderOptions) {
    this.boundPort = udp.port;
  }

  /** The query in `packet`, or null when a device would ignore the packet. */
  protected abstract query(packet: Buffer): string | Buffer | null;

  /** The datagram that answers `query`. */
  protected abstract answer(query: string | Buffer): Buffer | Promise<Buffer>;

  get host(): string {
    return this.udp.host ?? '127.0.0.1';
  }

  /** The UDP port (the ephemeral one once started); kept across stop()/start(). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.socket !== null;
  }

  /** Takes another address while stopped (a new DHCP lease); start() then binds there. */
  rehost(host: string): void {
    if (this.socket) throw new Error('stop the responder before it changes address');
    this.udp = { ...this.udp, host };
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
    const query = this.query(packet);
    if (query === null) {
      this.counters.ignored += 1;
      return;
    }
    this.counters.probes += 1;
    await this.udp.onProbe?.();
    const reply = await this.answer(query);
    if (this.socket !== socket) return; // stopped meanwhile
    socket.send(reply, remote.port, remote.address, () => undefined);
  }
}
