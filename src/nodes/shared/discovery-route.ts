/**
 * `POST /lamp-control/discover`: UDP discovery run by the runtime for the editor's "Search"
 * button (browsers cannot send UDP, so the runtime asks on their behalf).
 *
 * Request body (JSON, all optional): `{ target?: string, timeout?: number }`
 *   target   an IPv4 address or host name, optionally ":port", the user typed: the query goes
 *            there only (unicast). Without it: the targets of the Node-RED setting
 *            `lampControlDiscoveryTargets`, or when that is unset, 255.255.255.255 plus the
 *            directed broadcast of every non-internal IPv4 interface.
 *   timeout  seconds to collect answers, 0.1 to 30 (number or numeric string); default 3.
 * Answers 200 `{ devices: DiscoveredDevice[], targets: string[] }`, 400 `{ code: 'BAD_REQUEST',
 * message }` for a bad body, 500 `{ code: 'ERROR', message }` if the search itself failed.
 * Setting `lampControlDiscoveryPort` (default 20002) is the UDP port queried; Kasa's legacy
 * query goes to the same addresses on `lampControlLegacyDiscoveryPort` (default 9999; false
 * leaves legacy devices out).
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import {
  DISCOVERY_PORT,
  discover,
  LEGACY_DISCOVERY_PORT,
  parseTarget,
} from '../../transport/discovery';
import {
  byAddress,
  defaultDiscoveryTargets,
  expandTargets,
} from '../../transport/discovery-targets';

// Kept importable from here for the route's own tests and older callers.
export { defaultDiscoveryTargets, directedBroadcast } from '../../transport/discovery-targets';

export const DISCOVER_PATH = '/lamp-control/discover';
export const DEFAULT_DISCOVER_SECONDS = 3;
const MAX_DISCOVER_SECONDS = 30;

/** Express apps that already carry the route (one per runtime, also under the test helper). */
const registered = new WeakSet<object>();

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** The discovery port from settings, else 20002. */
export function settingsPort(settings: Record<string, unknown>): number {
  const port = settings.lampControlDiscoveryPort;
  return isPort(port) ? port : DISCOVERY_PORT;
}

/** Kasa's legacy discovery port from settings (false turns it off), else 9999. */
export function settingsLegacyPort(settings: Record<string, unknown>): number | null {
  const port = settings.lampControlLegacyDiscoveryPort;
  if (port === false) return null;
  return isPort(port) ? port : LEGACY_DISCOVERY_PORT;
}

/** The configured targets (a string or an array of strings), or undefined when unset. */
function settingsTargets(settings: Record<string, unknown>): string[] | undefined {
  const value = settings.lampControlDiscoveryTargets;
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.filter((t): t is string => typeof t === 'string' && t.trim() !== '');
}

/**
 * Where a search goes without a typed target: the configured targets (networks expanded,
 * unusable ones skipped), or the broadcasts of this host's networks when none are configured.
 */
function settingsSearchTargets(settings: Record<string, unknown>): string[] {
  const port = settingsPort(settings);
  const configured = settingsTargets(settings);
  // A configured network that is malformed or too wide is skipped like any bad target.
  const targets =
    configured === undefined
      ? defaultDiscoveryTargets()
      : configured.flatMap((t) => expandTargets([t]) ?? []);
  return targets.filter((t) => parseTarget(t, port) !== null);
}

/** The targets and ports a search by MAC uses (the config node following its device). */
export function searchSettings(settings: Record<string, unknown>): {
  targets: string[];
  port: number;
  legacyPort: number | null;
} {
  return {
    targets: settingsSearchTargets(settings),
    port: settingsPort(settings),
    legacyPort: settingsLegacyPort(settings),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Seconds from the body: undefined → default; null when invalid. */
function parseTimeout(value: unknown): number | null {
  if (value === undefined || value === '') return DEFAULT_DISCOVER_SECONDS;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0.1 && n <= MAX_DISCOVER_SECONDS ? n : null;
}

export function registerDiscoverRoute(RED: NodeAPI): void {
  if (registered.has(RED.httpAdmin)) return;
  registered.add(RED.httpAdmin);

  const badRequest = (res: Response, message: string): void => {
    res.status(400).json({ code: 'BAD_REQUEST', message });
  };

  async function handle(req: Request, res: Response): Promise<void> {
    const body: unknown = req.body ?? {};
    if (!isRecord(body)) {
      badRequest(res, 'The body must be a JSON object: { target?, timeout? }.');
      return;
    }
    const seconds = parseTimeout(body.timeout);
    if (seconds === null) {
      badRequest(res, `timeout must be a number of seconds from 0.1 to ${MAX_DISCOVER_SECONDS}.`);
      return;
    }
    const settings = (RED.settings ?? {}) as unknown as Record<string, unknown>;
    const port = settingsPort(settings);
    let targets: string[];
    if (body.target !== undefined && body.target !== '') {
      const target = typeof body.target === 'string' ? body.target.trim() : '';
      // One address, or a whole network ("192.0.2.0/24") asked host by host.
      const expanded = target ? expandTargets([target]) : null;
      if (!expanded?.every((t) => parseTarget(t, port))) {
        badRequest(
          res,
          'target must be an IPv4 address or host name, optionally with ":port", or a network ' +
            'such as 192.0.2.0/24 (at most a /22).',
        );
        return;
      }
      targets = expanded;
    } else {
      // Configured targets that cannot be used are skipped, not fatal.
      targets = settingsSearchTargets(settings);
    }
    const devices =
      targets.length === 0
        ? []
        : await discover({
            targets,
            port,
            legacyPort: settingsLegacyPort(settings),
            timeoutMs: Math.round(seconds * 1000),
            rounds: 3,
          });
    res.json({ devices: devices.sort(byAddress), targets });
  }

  RED.httpAdmin.post(
    DISCOVER_PATH,
    RED.auth.needsPermission('klap-device.read'),
    (req: Request, res: Response) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.status(500).json({
            code: 'ERROR',
            message: err instanceof Error ? err.message : 'discovery failed',
          });
        }
      });
    },
  );
}
