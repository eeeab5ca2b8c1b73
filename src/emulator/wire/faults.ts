/**
 * The fault switches and counters every emulated wire has, whatever carries the JSON (KLAP or
 * AES over HTTP, XOR over TCP). Each server adds its own protocol-specific switches on top.
 * Fault objects are mutable on purpose: tests flip fields between requests.
 */
import type { Server, Socket } from 'node:net';

export interface WireFaults {
  /** Delay before every answer, ms. */
  latencyMs: number;
  /** Accept requests but never answer (until stop/close). */
  hang: boolean;
  /** Destroy the connection of the next N payload requests without answering. */
  dropConnections: number;
  /** Close the connection after every answer, as some plug firmware does. */
  closeConnections: boolean;
  /** Answer the next N payload requests with bytes that do not decode. */
  malformedReplies: number;
}

export interface WireCounters {
  /** TCP connections accepted. */
  connections: number;
  /** Payload requests received (the ones carrying a device command). */
  requests: number;
}

/** What the emulator's device wrapper needs from any wire, to plug it in and out. */
export interface WireServer {
  readonly host: string;
  readonly port: number;
  readonly listening: boolean;
  faults: WireFaults;
  counters: WireCounters;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
  /** Forgets every session, as a reboot does (a no-op where there are none). */
  forgetSessions(): void;
}

export function defaultWireFaults(): WireFaults {
  return {
    latencyMs: 0,
    hang: false,
    dropConnections: 0,
    closeConnections: false,
    malformedReplies: 0,
  };
}

/** The device model behind a wire: JSON request in, JSON reply out. */
export type PlaintextHandler = (plaintext: string) => string | Promise<string>;

/**
 * Starts `server` listening and resolves with the port it got (the ephemeral one for port 0),
 * so that stop() and start() again keep a device on the same port, as unplugging does.
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(address && typeof address === 'object' ? address.port : port);
    });
  });
}

/**
 * Stops listening, cancels pending answers and drops every open connection (as pulling the
 * plug does); resolves once the server is closed. The sets are emptied for the next start().
 */
export async function shutDown(
  server: Server | null,
  sockets: Set<Socket>,
  timers: Set<NodeJS.Timeout>,
): Promise<void> {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  if (!server) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await closed;
}
