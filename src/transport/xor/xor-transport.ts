/**
 * XorTransport: Kasa's legacy protocol on TCP 9999. No login and no encryption worth the name
 * (an XOR autokey), just length-prefixed frames on a TCP connection.
 *
 * The "session" is the connection: opened on first use, kept open and reused for every request
 * (devices take many requests on one connection, and opening one per request makes bulbs slow),
 * replaced when the device closes it, and destroyed after any failure so that a half-read reply
 * can never be taken for the answer to the next request. One request at a time per device.
 */
import * as net from 'node:net';
import { MalformedResponseError, TimeoutError } from '../errors';
import { mapNetworkError } from '../http';
import { SessionTransport, type SessionTransportOptions } from '../session-transport';
import type { LoginInfo } from '../types';
import { frame, XorFrameReader } from './codec';

export const LEGACY_PORT = 9999;

export interface XorTransportOptions extends Omit<SessionTransportOptions, 'port'> {
  /** Default 9999. */
  port?: number;
}

interface Connection {
  socket: net.Socket;
  reader: XorFrameReader;
  /** Never renewed by age: the connection lives until it fails or the device closes it. */
  renewAt: number;
}

const INFO: LoginInfo = { variant: 'Kasa legacy (XOR, TCP)' };

export class XorTransport extends SessionTransport<Connection> {
  readonly encryption = 'XOR';
  /** A dropped connection is the end of this "session": the retry opens a new one. */
  protected override readonly sessionSurvivesReset = false;
  private current: net.Socket | undefined;

  constructor(options: XorTransportOptions) {
    super({ ...options, port: options.port ?? LEGACY_PORT });
  }

  protected override usable(connection: Connection): boolean {
    return !connection.socket.destroyed && connection.socket === this.current;
  }

  protected release(): void {
    this.current?.destroy();
    this.current = undefined;
  }

  protected login(): Promise<{ session: Connection; info: LoginInfo }> {
    this.current?.destroy();
    this.current = undefined;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      const fail = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onError = (error: Error): void => fail(mapNetworkError(error, this.address, 'connect'));
      const onAbort = (): void =>
        fail(mapNetworkError(new Error('closed'), this.address, 'connect'));
      const timer = setTimeout(
        () => fail(new TimeoutError(this.address, 'the connection', this.timeoutMs)),
        this.timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        this.abort.signal.removeEventListener('abort', onAbort);
      };
      socket.once('error', onError);
      this.abort.signal.addEventListener('abort', onAbort);
      socket.once('connect', () => {
        cleanup();
        // One write per request: Nagle would hold it back waiting for more.
        socket.setNoDelay(true);
        // An idle connection the device drops must not crash us; the next request reconnects.
        socket.on('error', () => socket.destroy());
        this.current = socket;
        resolve({
          session: { socket, reader: new XorFrameReader(), renewAt: Number.POSITIVE_INFINITY },
          info: INFO,
        });
      });
    });
  }

  protected exchange(connection: Connection, plaintext: string): Promise<string> {
    const { socket, reader } = connection;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, reply?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
        this.abort.signal.removeEventListener('abort', onAbort);
        if (error) {
          socket.destroy();
          reject(error);
        } else {
          this.countRequest();
          resolve(reply as string);
        }
      };
      const onData = (chunk: Buffer): void => {
        let frames: string[];
        try {
          frames = reader.push(chunk);
        } catch (error) {
          const detail = error instanceof Error ? error.message : 'unreadable frame';
          finish(new MalformedResponseError(this.address, detail));
          return;
        }
        if (frames.length > 1) {
          finish(new MalformedResponseError(this.address, 'more than one reply to one request'));
        } else if (frames.length === 1) {
          const reply = frames[0] as string;
          // No checksum on this protocol: a reply that is not a JSON object means the stream is
          // out of step, so the connection goes (finish destroys it) before anything else.
          if (isJsonObjectText(reply)) finish(null, reply);
          else finish(new MalformedResponseError(this.address, 'a reply that is not JSON'));
        }
      };
      const onClose = (): void =>
        finish(
          mapNetworkError(
            Object.assign(new Error('closed'), { code: 'ECONNRESET' }),
            this.address,
            'the request',
          ),
        );
      const onError = (error: Error): void =>
        finish(mapNetworkError(error, this.address, 'the request'));
      const onAbort = (): void =>
        finish(mapNetworkError(new Error('closed'), this.address, 'the request'));
      const timer = setTimeout(
        () => finish(new TimeoutError(this.address, 'the request', this.timeoutMs)),
        this.timeoutMs,
      );
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.once('error', onError);
      this.abort.signal.addEventListener('abort', onAbort);
      if (socket.destroyed) {
        onClose();
        return;
      }
      socket.write(frame(plaintext));
    });
  }
}

/** Cheap shape check (the dialect parses the JSON itself): `{` … `}` around the text. */
function isJsonObjectText(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith('{') && trimmed.endsWith('}');
}
