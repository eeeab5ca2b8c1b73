/**
 * The control interface of an emulated hub (`lamp-emulator --control PORT`): a small HTTP
 * server beside the device that makes things happen to its paired devices, so the demo's
 * inject nodes and tests can press buttons, trigger motion or flood a leak sensor.
 *
 *   GET  /children                       every paired device: index, id, alias, model, kind,
 *                                        online and its record as the hub lists it
 *   GET  /children/<child>               one of them
 *   POST /children                       {"model": "T100", "alias"?: "Hall"}: pair a new device
 *   DELETE /children/<child>             unpair one (it leaves the hub's lists)
 *   POST /children/<child>/press         {"event": "singleClick" | "doubleClick"} (default single)
 *   POST /children/<child>/rotate        {"degrees": -360…360, not 0}
 *   POST /children/<child>/motion
 *   POST /children/<child>/contact       {"open": true | false}
 *   POST /children/<child>/keep-open     an open door left open (logs keepOpen)
 *   POST /children/<child>/leak          {"wet": true | false}
 *   POST /children/<child>/climate       {"temperature"?: °C, "humidity"?: %}
 *   POST /children/<child>/online        {"online": true | false}
 *   POST /children/<child>/battery       {"low": true | false}
 *   POST /children/<child>/switch        a press on the wall switch itself (toggles it)
 *   GET  /alarm                          the siren: sounding, type, volume, duration, plays
 *
 * <child> is an id, a name (URL-encoded, any case) or a 1-based number. A POST answers
 * {"child": …, "logged": [entries the child's trigger log got]}; a mistake answers 400 or 404
 * with {"error": "what to do"} and changes nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type EmulatedHub, HubActionError } from './hub';
import type { EmulatedHubChild } from './hub-child';
import { HUB_CHILD_MODEL_NAMES, type HubChildModelName, type TriggerLogEntry } from './hub-types';
import { isObject, type Json } from './json';
import { isHubChildModelName } from './models-hubs';
import { listen, shutDown } from './wire/faults';

/** The largest request body taken (the bodies above are a few bytes). */
const MAX_BODY = 16 * 1024;

type Action = (
  child: EmulatedHubChild,
  body: Json,
) => TriggerLogEntry | TriggerLogEntry[] | undefined;

const ACTIONS: Record<string, Action> = {
  press: (child, body) =>
    child.press((body.event ?? 'singleClick') as 'singleClick' | 'doubleClick'),
  rotate: (child, body) => child.rotate(body.degrees as number),
  motion: (child) => child.motion(),
  contact: (child, body) => child.contact(body.open as boolean),
  'keep-open': (child) => child.keepOpen(),
  leak: (child, body) => child.leak(body.wet as boolean),
  climate: (child, body) =>
    child.climate({
      temperature: body.temperature as number | undefined,
      humidity: body.humidity as number | undefined,
    }),
  online: (child, body) => {
    child.setOnline(body.online as boolean);
    return undefined;
  },
  battery: (child, body) => child.setBatteryLow(body.low as boolean),
  switch: (child) => child.toggleSwitch(),
};

/** An answer other than 200, with the message a caller reads. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<Json> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, `the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const body: unknown = JSON.parse(text);
        if (isObject(body)) return resolve(body);
      } catch {
        // answered below
      }
      reject(new HttpError(400, 'the body must be a JSON object, e.g. {"event":"singleClick"}'));
    });
  });
}

export class HubControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(
    private readonly hub: EmulatedHub,
    readonly host: string,
    private readonly port: number,
  ) {}

  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get listeningPort(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => this.fail(res, error));
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.boundPort = await listen(server, this.port, this.host);
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    await shutDown(server, this.sockets, new Set());
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    const parts = path
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (parts.length === 1 && parts[0] === 'alarm') {
      this.only(method, 'GET');
      return this.send(res, 200, this.hub.alarm);
    }
    if (parts[0] !== 'children' || parts.length > 3) {
      throw new HttpError(404, `no route ${path}; see GET /children and lamp-emulator --help`);
    }
    if (parts.length === 1 && method === 'POST') return this.pair(req, res);
    if (parts.length === 1) {
      this.only(method, 'GET');
      return this.send(
        res,
        200,
        this.hub.children.map((child) => this.hub.summary(child)),
      );
    }
    const child = this.find(parts[1]);
    if (parts.length === 2 && method === 'DELETE') {
      this.hub.unpair(child.id);
      return this.send(res, 200, { unpaired: this.hub.summary(child) });
    }
    if (parts.length === 2) {
      this.only(method, 'GET');
      return this.send(res, 200, this.hub.summary(child));
    }
    const action = ACTIONS[parts[2]];
    if (!action) {
      throw new HttpError(
        404,
        `no action "${parts[2]}"; actions: ${Object.keys(ACTIONS).join(', ')}`,
      );
    }
    this.only(method, 'POST');
    const body = await readBody(req);
    const logged = action(child, body);
    const entries = logged === undefined ? [] : Array.isArray(logged) ? logged : [logged];
    this.send(res, 200, { child: this.hub.summary(child), logged: entries });
  }

  private async pair(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { model, alias } = await readBody(req);
    if (typeof model !== 'string' || !isHubChildModelName(model.toUpperCase())) {
      throw new HttpError(400, `give {"model": one of ${HUB_CHILD_MODEL_NAMES.join(', ')}}`);
    }
    if (alias !== undefined && (typeof alias !== 'string' || alias.trim() === '')) {
      throw new HttpError(400, 'alias must be a non-empty name, or left out');
    }
    const name = model.toUpperCase() as HubChildModelName;
    const child = this.hub.pair(alias === undefined ? name : { model: name, alias: alias.trim() });
    this.send(res, 200, { child: this.hub.summary(child) });
  }

  private only(method: string, allowed: string): void {
    if (method !== allowed) throw new HttpError(405, `use ${allowed} here`);
  }

  private find(selector: string): EmulatedHubChild {
    try {
      return this.hub.child(selector);
    } catch (error) {
      throw new HttpError(404, (error as Error).message);
    }
  }

  private fail(res: ServerResponse, error: unknown): void {
    const status =
      error instanceof HttpError ? error.status : error instanceof HubActionError ? 400 : 500;
    this.send(res, status, { error: (error as Error).message });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/**
 * The started control server of `hub` when a port was asked for, else null. If it cannot start,
 * `undo` first closes what the caller has already started, then the error goes on.
 */
export async function startHubControl(
  hub: EmulatedHub | undefined,
  host: string,
  port: number | undefined,
  undo: () => Promise<unknown>,
): Promise<HubControlServer | null> {
  if (!hub || port === undefined) return null;
  const control = new HubControlServer(hub, host, port);
  try {
    await control.start();
  } catch (error) {
    await undo();
    throw error;
  }
  return control;
}
