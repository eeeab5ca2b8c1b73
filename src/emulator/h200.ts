/**
 * A running emulated Tapo H200 hub: the smartcam JSON side (smartcam-hub.ts) behind the sslaes
 * wire (HTTPS, self-signed certificate, secure login, Seq and Tapo_tag), with the same control
 * interface as the H100 (hub-control-server.ts) on request. The H200 speaks sslaes only.
 */
import type { EmulatedHub } from './hub';
import { startHubControl } from './hub-control-server';
import { EmulatedSmartcamHub, type H200ChildOption, type H200DumpSpec } from './smartcam-hub';
import type { CredentialMode } from './wire/credentials';
import { SslAesServer, type SslAesServerOptions } from './wire/sslaes-server';

export interface H200EmulatorOptions {
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  username?: string;
  password?: string;
  credentials?: CredentialMode;
  alias?: string;
  /** Serve a device dump's hub (scripts/check-fixtures.mjs). */
  dump?: H200DumpSpec;
  /** The paired devices: any H100 child model, and D230 doorbells. */
  children?: readonly H200ChildOption[];
  /** Make buttons and dials log their presses (real H200s keep those logs empty). */
  logButtons?: boolean;
  /** Also run the control interface on this port (0 = ephemeral). */
  controlPort?: number;
  sslaes?: Pick<SslAesServerOptions, 'passwordHash' | 'users' | 'login' | 'lockout'>;
}

export interface EmulatedH200 {
  readonly host: string;
  readonly port: number;
  /** "https://host:port". */
  readonly url: string;
  readonly protocol: 'sslaes';
  /** The smartcam side: counters, siren, cameras, setLogButtons. */
  readonly device: EmulatedSmartcamHub;
  /** The paired SMART devices and their actions (press, contact, motion, …), as on an H100. */
  readonly hub: EmulatedHub;
  /** The HTTPS server: faults, counters, certificateFingerprint. */
  readonly server: SslAesServer;
  readonly controlUrl: string | null;
  close(): Promise<void>;
}

export async function startH200(options: H200EmulatorOptions = {}): Promise<EmulatedH200> {
  const device = new EmulatedSmartcamHub({
    alias: options.alias,
    dump: options.dump,
    children: options.children,
    logButtons: options.logButtons,
  });
  const host = options.host ?? '127.0.0.1';
  const mode = options.credentials ?? (options.username ? 'account' : 'blank');
  const server = new SslAesServer({
    ...options.sslaes,
    host,
    port: options.port ?? 0,
    credentials: { mode, username: options.username, password: options.password },
    handler: (plaintext) => device.respond(plaintext),
  });
  await server.start();
  device.basic.local_ip = host;
  const control = await startHubControl(device.hub, host, options.controlPort, () =>
    server.close(),
  );
  return {
    get host() {
      return server.host;
    },
    get port() {
      return server.port;
    },
    get url() {
      return `https://${server.host}:${server.port}`;
    },
    protocol: 'sslaes',
    device,
    hub: device.hub,
    server,
    get controlUrl() {
      return control ? control.url : null;
    },
    async close() {
      await Promise.all([server.close(), control?.close()]);
    },
  };
}
