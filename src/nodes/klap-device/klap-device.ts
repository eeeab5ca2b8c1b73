/**
 * `klap-device` config node: one per physical lamp or plug. Owns ONE LampClient (one KLAP
 * session) through a DeviceHub shared by every lamp-control and lamp-status node that uses it,
 * and serves the editor's "Test connection" button (POST lamp-control/probe) and "Search"
 * button (POST lamp-control/discover, see shared/discovery-route.ts).
 */
import type { Request, Response } from 'express';
import type { NodeAPI, NodeDef } from 'node-red';
import { LampClient } from '../../device/client';
import { explainFailure } from '../../device/diagnose';
import type { LampState } from '../../device/types';
import { LampError } from '../../transport/errors';
import { findByMac } from '../../transport/find-by-mac';
import { isMac, normaliseMac } from '../../transport/mac';
import {
  codedError,
  findDevice,
  type KlapDeviceCredentials,
  type KlapDeviceNode,
  parseSeconds,
} from '../shared/config';
import { DeviceHub, type LinkInfo, linkInfo } from '../shared/device-hub';
import { registerDiscoverRoute, searchSettings, settingsPort } from '../shared/discovery-route';
import { DeviceLocator } from '../shared/identity';
import { errorCode } from '../shared/status-mapping';
import { migrate, parsePort, parseProtocol, type SavedDeviceConfig } from './migrate';

interface KlapDeviceDef extends NodeDef, SavedDeviceConfig {
  /** The device's MAC (any notation); blank: learned at the first connection. */
  mac?: unknown;
}

/** Node-RED's stand-in for "the password has not been changed" in editor requests. */
const PASSWORD_PLACEHOLDER = '__PWRD__';
/** Express apps that already carry the probe route (one per runtime, also under the test helper). */
const probeRegistered = new WeakSet<object>();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `${VAR}` (the whole value), as Node-RED resolves it for deployed nodes. */
function expandEnv(value: string): string {
  const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
  if (!match) return value;
  return process.env[match[1]] ?? '';
}

/** Removes any trace of the secrets from a text that leaves the runtime. */
function scrub(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

export = (RED: NodeAPI) => {
  const t = (key: string, vars?: Record<string, string | number>): string => RED._(key, vars);
  /** Where wake-up probes go (setting lampControlDiscoveryPort, default 20002); read per use. */
  const discoveryPort = (): number =>
    settingsPort((RED.settings ?? {}) as unknown as Record<string, unknown>);
  /** Finds a device by MAC where the editor's Search looks (settings read per search). */
  const searchByMac = (mac: string) =>
    findByMac(mac, searchSettings((RED.settings ?? {}) as unknown as Record<string, unknown>));

  function KlapDevice(this: KlapDeviceNode, config: KlapDeviceDef) {
    RED.nodes.createNode(this, config);
    const settings = migrate(config);
    this.host = settings.host;
    this.port = settings.port;
    this.protocol = settings.protocol;
    this.timeout = parseSeconds(config.timeout, 5, false);
    this.mac = typeof config.mac === 'string' ? config.mac.trim() : '';
    const credentials: KlapDeviceCredentials = this.credentials ?? {};
    const badMac = this.mac !== '' && !isMac(this.mac);

    this.hub = new DeviceHub({
      host: this.host,
      port: this.port,
      protocol: this.protocol,
      timeoutMs: Math.round(this.timeout * 1000),
      username: credentials.username || undefined,
      password: credentials.password || undefined,
      mac: badMac ? undefined : this.mac,
      findByMac: searchByMac,
      t,
      warn: (text) => this.warn(text),
      log: (text) => this.log(text),
      createClient: (options) => {
        if (!options.host) throw codedError('NO_HOST', t('klap-device.errors.noHost'));
        if (badMac) throw codedError('BAD_MAC', t('klap-device.errors.badMac'));
        return new LampClient({ ...options, discoveryPort: discoveryPort() });
      },
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      // Same for removed and restarted: the session belongs to this instance only.
      this.hub.close().then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType<
    KlapDeviceNode,
    KlapDeviceDef,
    Record<string, never>,
    KlapDeviceCredentials
  >('klap-device', KlapDevice, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });

  async function probe(req: Request, res: Response): Promise<void> {
    const body: unknown = req.body;
    if (!isRecord(body) || typeof body.host !== 'string' || !expandEnv(body.host).trim()) {
      res
        .status(400)
        .json({ ok: false, code: 'BAD_REQUEST', message: t('klap-device.errors.probeHost') });
      return;
    }
    if (body.port !== undefined && body.port !== '' && parsePort(body.port) !== Number(body.port)) {
      res
        .status(400)
        .json({ ok: false, code: 'BAD_REQUEST', message: t('klap-device.errors.probePort') });
      return;
    }
    if (body.protocol !== undefined && !parseProtocol(body.protocol)) {
      res
        .status(400)
        .json({ ok: false, code: 'BAD_REQUEST', message: t('klap-device.errors.probeProtocol') });
      return;
    }
    if (body.mac !== undefined && body.mac !== '' && !isMac(body.mac)) {
      res
        .status(400)
        .json({ ok: false, code: 'BAD_REQUEST', message: t('klap-device.errors.badMac') });
      return;
    }
    const mac = typeof body.mac === 'string' && body.mac ? body.mac : undefined;
    const configuredHost = expandEnv(body.host).trim();
    /** Where the device answers: the host typed, or where its MAC was found. */
    let host = configuredHost;
    const port = parsePort(body.port);
    const protocol = parseProtocol(body.protocol) ?? 'auto';
    const timeoutSeconds = Math.min(parseSeconds(body.timeout, 5, false), 30);

    // Fall back to the deployed node's credentials for what the editor does not know.
    const deployed = findDevice(RED, body.id);
    let stored: KlapDeviceCredentials = {};
    if (deployed && isRecord(deployed.credentials)) {
      const creds = deployed.credentials;
      stored = {
        username: typeof creds.username === 'string' ? creds.username : undefined,
        password: typeof creds.password === 'string' ? creds.password : undefined,
      };
    }
    const typedUsername = typeof body.username === 'string' ? expandEnv(body.username) : undefined;
    const typedPassword =
      typeof body.password === 'string' && body.password !== PASSWORD_PLACEHOLDER
        ? expandEnv(body.password)
        : undefined;
    const username = typedUsername ?? stored.username;
    const password = typedPassword ?? stored.password;
    const succeed = (
      state: LampState,
      capabilities: unknown,
      link: LinkInfo,
      identity: { mac: string | null; deviceId: string } | undefined,
    ) =>
      res.json({
        ok: true,
        // Who answered: the editor fills MAC with it, so the device can be followed.
        ...(identity?.mac ? { mac: identity.mac } : {}),
        model: state.model,
        alias: state.alias,
        type: state.type,
        firmware: state.firmware,
        ...link,
        capabilities,
        // The editor's outlet list (lamp-control, lamp-status): numbers and names only.
        ...(state.outlets
          ? {
              outlets: state.outlets.map(({ position, id, alias, on }) => ({
                position,
                id,
                alias,
                on,
              })),
            }
          : {}),
        // An H200 keeps its buttons' presses out of every log a local client can read: say so.
        ...(link.protocol === 'SSLAES' &&
        state.children?.some((c) => c.kind === 'button' || c.kind === 'dial')
          ? { buttonsUnreadable: true }
          : {}),
        // Hubs: the devices paired to them, for Test connection and the editor's child list.
        ...(state.children
          ? {
              children: state.children.map(({ id, alias, model, kind, online }) => ({
                id,
                alias,
                model,
                kind,
                online,
              })),
            }
          : {}),
      });
    const fail = async (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      const secrets = [password, username, stored.password];
      // The evidence behind the error: did the host answer, whose account is the device on.
      const diagnosis =
        err instanceof LampError
          ? await explainFailure(err, { host, port, username, discoveryPort: discoveryPort() })
          : undefined;
      res.json({
        ok: false,
        code: errorCode(err) ?? 'ERROR',
        message: scrub(message, secrets),
        ...(diagnosis
          ? {
              sentence: scrub(diagnosis.sentence, secrets),
              hostAnswered: diagnosis.hostAnswered,
              owner: diagnosis.owner,
            }
          : {}),
      });
    };

    if (
      deployed &&
      deployed.host === configuredHost &&
      normaliseMac(deployed.mac) === normaliseMac(mac) &&
      deployed.port === port &&
      deployed.protocol === protocol &&
      typedPassword === undefined &&
      (typedUsername === undefined || typedUsername === (stored.username ?? ''))
    ) {
      // The deployed node's own settings: test through its session. A second session could
      // push the deployed one out on devices that allow only one.
      try {
        const state = await deployed.hub.refresh();
        succeed(
          state,
          await deployed.hub.capabilities(),
          deployed.hub.link(),
          deployed.hub.identity(),
        );
      } catch (err) {
        await fail(err);
      }
      return;
    }

    if (isMac(configuredHost)) {
      // Host given as a MAC: ask the network where that device is, as the runtime does.
      try {
        host = await new DeviceLocator({ host: configuredHost, find: searchByMac }).resolve();
      } catch (err) {
        await fail(err);
        return;
      }
    }
    const client = new LampClient({
      host,
      port,
      protocol,
      ...(mac ? { mac } : {}),
      username: username || undefined,
      password: password || undefined,
      timeoutMs: Math.round(timeoutSeconds * 1000),
      discoveryPort: discoveryPort(),
    });
    try {
      const state = await client.open();
      succeed(state, await client.capabilities(), linkInfo(client), client.identity);
    } catch (err) {
      await fail(err);
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  if (!probeRegistered.has(RED.httpAdmin)) {
    probeRegistered.add(RED.httpAdmin);
    RED.httpAdmin.post(
      '/lamp-control/probe',
      RED.auth.needsPermission('klap-device.write'),
      (req: Request, res: Response) => {
        probe(req, res).catch((err: unknown) => {
          if (!res.headersSent) {
            res.status(500).json({
              ok: false,
              code: 'ERROR',
              message: err instanceof Error ? err.name : 'error',
            });
          }
        });
      },
    );
  }
  registerDiscoverRoute(RED);
};
