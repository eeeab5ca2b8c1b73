#!/usr/bin/env node
import { type EmulatedH200, startH200 } from './h200';
import { HUB_CHILD_MODEL_NAMES } from './hub-types';
/**
 * lamp-emulator: run emulated TP-Link devices on loopback for trying flows without hardware.
 *
 *   lamp-emulator --port 8080 --model L530 [--model P110 ...] [--protocol klap|aes|tpap|sslaes|legacy]
 *                 [--username U --password P] [--host 127.0.0.1] [--klap 1|2]
 *                 [--login-version 1|2] [--credentials MODE] [--alias NAME] [--discovery-port N]
 *                 [--child MODEL[:NAME] ...] [--control PORT] [--nested-control-child MODE]
 *                 [--single-session]
 *
 * Each further --model takes the next port. One line per device is printed once it listens;
 * the password is never printed. Bad arguments exit with code 2.
 */
import {
  type EmulatedDevice,
  type EmulatedProtocol,
  type EmulatorOptions,
  resolveProtocol,
  startEmulator,
} from './index';
import { createModel, isModelName, MODEL_NAMES, type ModelName } from './models';
import {
  HUB_MODEL_NAMES,
  type HubChildOption,
  type HubModelName,
  isHubChildModelName,
} from './models-hubs';
import { NESTED_CONTROL_CHILD_MODES, type NestedControlChildMode } from './nested-control-child';
import { EmulatedSmartDevice } from './smart-device';
import type { H200ChildOption } from './smartcam-hub';
import { CREDENTIAL_MODES, type CredentialMode } from './wire/credentials';

const PROTOCOLS: readonly EmulatedProtocol[] = ['klap', 'aes', 'tpap', 'sslaes', 'legacy'];

export const USAGE = `Usage: lamp-emulator --model MODEL [--model MODEL ...] [options]

Runs emulated TP-Link Tapo/Kasa devices on this machine, speaking KLAP, AES
securePassthrough, TPAP, sslaes (HTTPS, the H200 hub's) or the legacy Kasa XOR
protocol.

Options:
  --model MODEL         ${MODEL_NAMES.join(', ')}, H200 (repeat for several devices)
  --port N              port of the first device (default 0 = any free port);
                        each further device takes the next port
  --host ADDRESS        address to listen on (default 127.0.0.1)
  --username U          account e-mail the devices expect
  --password P          account password the devices expect
  --credentials MODE    ${CREDENTIAL_MODES.join(', ')}
                        (default: account with --username, else blank)
  --protocol P          ${PROTOCOLS.join(', ')} (default: the model's own; KLAP for Tapo
                        and the HS100, legacy for legacy Kasa models); aes, tpap and
                        sslaes take Tapo models only, legacy Kasa ones only
  --klap 1|2            KLAP hash variant (default: the model's own; HS100 1, Tapo 2)
  --login-version 1|2   AES login form expected (default 2, announced as lv: 2)
  --alias NAME          device name (with several devices, "NAME 2", "NAME 3", ...)
  --single-session      keep one session, as Tapo firmware of 2025-26 does: a new
                        login ends the older one (KLAP, AES and TPAP devices)
  --discovery-port N    also answer UDP discovery (as on port 20002), the first device
                        on port N (0 = any free port), each further one on the next;
                        default: no discovery

Hubs (${HUB_MODEL_NAMES.join(', ')}, H200 on sslaes):
  --child MODEL[:NAME]  pair a device with the hub given last before it (repeat):
                        ${HUB_CHILD_MODEL_NAMES.join(', ')}; D230 (doorbell, H200 only);
                        default names: Button, Dial, Motion sensor, Contact sensor,
                        Leak sensor, Climate sensor, Light switch, Radiator valve
  --control PORT        run the control interface on PORT of --host (each further
                        hub on the next port) to make things happen to paired devices
                        (CHILD = id, name or 1-based number; bodies are JSON):
                          GET  /children                  list them with their records
                          GET  /children/CHILD            one of them
                          POST /children                  {"model":"T100","alias":"Hall"} pairs one
                          DELETE /children/CHILD          unpairs it
                          POST /children/CHILD/press      {"event":"singleClick"|"doubleClick"}
                          POST /children/CHILD/rotate     {"degrees":-360..360} (dials)
                          POST /children/CHILD/motion
                          POST /children/CHILD/contact    {"open":true|false}
                          POST /children/CHILD/keep-open  a door left open
                          POST /children/CHILD/leak       {"wet":true|false}
                          POST /children/CHILD/climate    {"temperature":21.5,"humidity":55}
                          POST /children/CHILD/online     {"online":true|false}
                          POST /children/CHILD/battery    {"low":true|false}
                          POST /children/CHILD/switch     press a wall switch (toggles it)
                          GET  /alarm                     the siren's state
                        e.g. curl -X POST localhost:9100/children/Button/press
  --log-buttons         H200: buttons and dials log their presses (real H200s keep
                        those logs empty, so presses cannot be read; for tests)
  --nested-control-child MODE
                        how strips and hubs answer control_child inside a parent
                        multipleRequest (no real device is known to take it):
                        ${NESTED_CONTROL_CHILD_MODES.join(', ')} (default slot-error)
  --help                show this help
`;

export class UsageError extends Error {}

/** An H200 to start (startH200): it has a wire and a JSON side of its own. */
export type H200CliOptions = Omit<EmulatorOptions, 'model' | 'children'> & {
  model: 'H200';
  children: H200ChildOption[];
  logButtons: boolean;
};

export interface CliConfig {
  devices: (EmulatorOptions | H200CliOptions)[];
}

function isH200(options: EmulatorOptions | H200CliOptions): options is H200CliOptions {
  return options.model === 'H200';
}

function isHubModel(name: ModelName | 'H200'): name is HubModelName | 'H200' {
  return name === 'H200' || (HUB_MODEL_NAMES as readonly string[]).includes(name);
}

/** `MODEL` or `MODEL:NAME` of --child. */
function childOption(text: string): H200ChildOption {
  const split = text.indexOf(':');
  const model = (split < 0 ? text : text.slice(0, split)).trim().toUpperCase();
  const alias = split < 0 ? undefined : text.slice(split + 1).trim();
  if (alias === '') throw new UsageError(`--child ${text}: the name after ":" is empty`);
  if (model === 'D230') return alias === undefined ? model : { model, alias };
  if (!isHubChildModelName(model)) {
    throw new UsageError(
      `unknown child model "${model}"; valid: ${HUB_CHILD_MODEL_NAMES.join(', ')}`,
    );
  }
  if (alias === '') throw new UsageError(`--child ${text}: the name after ":" is empty`);
  return alias === undefined ? model : { model, alias };
}

function portNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new UsageError(`${flag} must be a number from 0 to 65535 (got "${text}")`);
  return n;
}

/** Parses argv (without node and script) into one EmulatorOptions per device. */
export function parseArgs(argv: readonly string[]): CliConfig | 'help' {
  const models: (ModelName | 'H200')[] = [];
  /** --child options by the index of the hub in `models` they follow. */
  const children = new Map<number, H200ChildOption[]>();
  let logButtons = false;
  let controlPort: number | undefined;
  const shared: Omit<EmulatorOptions, 'model'> = {};
  let port = 0;
  let discoveryPort: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || (inline === undefined && next.startsWith('--'))) {
        throw new UsageError(`${flag} needs a value`);
      }
      return next;
    };
    switch (flag) {
      case '--model': {
        const name = value().toUpperCase();
        if (name === 'H200') {
          models.push(name);
          break;
        }
        if (!isModelName(name))
          throw new UsageError(`unknown model "${name}"; valid models: ${MODEL_NAMES.join(', ')}`);
        models.push(name);
        break;
      }
      case '--port':
        port = portNumber(flag, value());
        break;
      case '--discovery-port':
        discoveryPort = portNumber(flag, value());
        break;
      case '--control':
        controlPort = portNumber(flag, value());
        break;
      case '--child': {
        const option = childOption(value());
        let hub = models.length - 1;
        while (hub >= 0 && !isHubModel(models[hub])) hub--;
        if (hub < 0) {
          throw new UsageError(
            `--child pairs a device with a hub: give --model ${HUB_MODEL_NAMES.join('|')} before it`,
          );
        }
        children.set(hub, [...(children.get(hub) ?? []), option]);
        break;
      }
      case '--log-buttons':
        logButtons = true;
        break;
      case '--nested-control-child': {
        const mode = value() as NestedControlChildMode;
        if (!NESTED_CONTROL_CHILD_MODES.includes(mode)) {
          throw new UsageError(
            `--nested-control-child must be one of ${NESTED_CONTROL_CHILD_MODES.join(', ')} (got "${mode}")`,
          );
        }
        shared.nestedControlChild = mode;
        break;
      }
      case '--host':
        shared.host = value();
        break;
      case '--username':
        shared.username = value();
        break;
      case '--password':
        shared.password = value();
        break;
      case '--alias':
        shared.alias = value();
        break;
      case '--protocol': {
        const text = value().toLowerCase();
        if (!(PROTOCOLS as readonly string[]).includes(text)) {
          throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')} (got "${text}")`);
        }
        shared.protocol = text as EmulatedProtocol;
        break;
      }
      case '--login-version': {
        const text = value();
        if (text !== '1' && text !== '2')
          throw new UsageError(`--login-version must be 1 or 2 (got "${text}")`);
        shared.loginVersion = text === '1' ? 1 : 2;
        break;
      }
      case '--klap': {
        const text = value();
        if (text !== '1' && text !== '2')
          throw new UsageError(`--klap must be 1 or 2 (got "${text}")`);
        shared.klap = text === '1' ? 1 : 2;
        break;
      }
      case '--single-session':
        if (inline !== undefined) throw new UsageError('--single-session takes no value');
        shared.singleSession = true;
        break;
      case '--credentials': {
        const mode = value() as CredentialMode;
        if (!CREDENTIAL_MODES.includes(mode)) {
          throw new UsageError(
            `--credentials must be one of ${CREDENTIAL_MODES.join(', ')} (got "${mode}")`,
          );
        }
        shared.credentials = mode;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  if (models.length === 0)
    throw new UsageError(`--model is required; valid models: ${MODEL_NAMES.join(', ')}`);
  // One half of an account alone is a typo; silently running with blank credentials hides it.
  if (shared.password !== undefined && !shared.username) {
    throw new UsageError('--password needs --username (the account e-mail the devices expect)');
  }
  if (shared.username && shared.password === undefined) {
    throw new UsageError('--username needs --password (the account password the devices expect)');
  }
  if (
    (shared.credentials === 'account' || shared.credentials === 'alternating') &&
    !shared.username
  ) {
    throw new UsageError(`--credentials ${shared.credentials} needs --username and --password`);
  }
  for (const model of new Set(models)) {
    if (model === 'H200') {
      if (shared.protocol !== undefined && shared.protocol !== 'sslaes') {
        throw new UsageError(`--model H200 speaks sslaes only (got --protocol ${shared.protocol})`);
      }
      continue;
    }
    let protocol: string;
    try {
      protocol = resolveProtocol(createModel(model), shared).protocol;
    } catch (error) {
      throw new UsageError(`--model ${model}: ${(error as Error).message}`);
    }
    if (shared.klap !== undefined && protocol !== 'klap')
      throw new UsageError(`--klap applies to KLAP devices; ${model} here speaks ${protocol}`);
    if (shared.singleSession && protocol === 'legacy')
      throw new UsageError(
        `--single-session applies to devices with sessions; ${model} here speaks legacy`,
      );
    if (shared.loginVersion !== undefined && protocol !== 'aes')
      throw new UsageError(
        `--login-version applies to AES devices; ${model} here speaks ${protocol}`,
      );
  }
  const hubs = models.filter(isHubModel).length;
  if (controlPort !== undefined && hubs === 0) {
    throw new UsageError(`--control needs a hub: --model ${HUB_MODEL_NAMES.join('|')}`);
  }
  if (controlPort !== undefined && controlPort !== 0 && controlPort + hubs - 1 > 65535)
    throw new UsageError('not enough ports above --control for every hub');
  if (port + models.length - 1 > 65535)
    throw new UsageError('not enough ports above --port for every device');
  if (discoveryPort !== undefined && discoveryPort + models.length - 1 > 65535)
    throw new UsageError('not enough ports above --discovery-port for every device');
  let hubIndex = 0;
  return {
    devices: models.map((model, index) => {
      const alias =
        shared.alias !== undefined && index > 0 ? `${shared.alias} ${index + 1}` : shared.alias;
      const hubControl =
        controlPort !== undefined && isHubModel(model)
          ? { controlPort: controlPort === 0 ? 0 : controlPort + hubIndex++ }
          : {};
      if (model === 'H200') {
        return {
          model,
          protocol: 'sslaes',
          host: shared.host,
          username: shared.username,
          password: shared.password,
          credentials: shared.credentials,
          alias,
          children: children.get(index) ?? [],
          logButtons,
          ...hubControl,
          port: port === 0 ? 0 : port + index,
        } satisfies H200CliOptions;
      }
      const paired = children.get(index);
      if (paired?.some((c) => (typeof c === 'string' ? c : c.model) === 'D230')) {
        throw new UsageError(`--child D230: a doorbell pairs with an H200, not an ${model}`);
      }
      return {
        ...shared,
        model,
        ...(paired ? { children: paired as HubChildOption[] } : {}),
        ...hubControl,
        // Port 0 stays 0 for every device: each gets its own free port.
        port: port === 0 ? 0 : port + index,
        ...(discoveryPort === undefined
          ? {}
          : { discoveryPort: discoveryPort === 0 ? 0 : discoveryPort + index }),
        alias,
      };
    }),
  };
}

/** The line printed once a device listens (never the password). */
export function describeDevice(device: EmulatedDevice): string {
  const dialect = device.dialect === 'smart' ? 'SMART' : 'IOT';
  let wire: string;
  switch (device.protocol) {
    case 'klap':
      wire = `KLAP v${device.klapVersion}, ${dialect}, credentials: ${device.credentialMode}`;
      break;
    case 'aes':
      wire = `AES login v${device.loginVersion}, ${dialect}, credentials: ${device.credentialMode}`;
      break;
    case 'tpap':
      wire = `TPAP suite ${device.tpap.suite.id}, ${dialect}, credentials: ${device.credentialMode}`;
      break;
    case 'sslaes':
      wire = `sslaes (HTTPS), ${dialect}, credentials: ${device.credentialMode}, certificate SHA-256 ${device.sslaes.certificateFingerprint}`;
      break;
    case 'legacy':
      // No login on this wire: there are no credentials to name.
      wire = `legacy XOR, ${dialect}`;
      break;
  }
  let line = `${device.description} listening on ${device.url} (${wire})`;
  if (device.discoveryPort !== null)
    line += `, discovery on udp ${device.host}:${device.discoveryPort}`;
  if (device.controlUrl !== null) line += `, control on ${device.controlUrl}`;
  // A strip names its outlets by number, a hub its paired devices, so a user can tell which
  // one a flow (or a control request) means.
  const outlets = device.outlets.map((o) => `${o.position} ${o.alias}`);
  if (outlets.length > 0) return `${line}; outlets: ${outlets.join(', ')}`;
  const hub = device.device instanceof EmulatedSmartDevice ? device.device.hub : undefined;
  if (hub) {
    const paired = hub.children.map(
      (child, i) => `${i + 1} ${child.alias} (${String(child.info.model)})`,
    );
    return `${line}; paired: ${paired.join(', ') || 'none'}`;
  }
  return line;
}

/** The line printed once an H200 listens. */
export function describeH200(device: EmulatedH200): string {
  let line = `Tapo hub H200 listening on ${device.url} (sslaes (HTTPS), smartcam, certificate SHA-256 ${device.server.certificateFingerprint})`;
  if (device.controlUrl !== null) line += `, control on ${device.controlUrl}`;
  const paired = [
    ...device.hub.children.map((c) => `${c.alias} (${String(c.info.model)})`),
    ...device.device.cameras.map((r) => `${String(r.alias)} (D230)`),
  ].map((name, i) => `${i + 1} ${name}`);
  return `${line}; paired: ${paired.join(', ') || 'none'}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let config: CliConfig | 'help';
  try {
    config = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`lamp-emulator: ${error.message}\nRun lamp-emulator --help for usage.\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const devices: (EmulatedDevice | EmulatedH200)[] = [];
  const closeAll = () => Promise.allSettled(devices.map((d) => d.close()));
  // Listening for Ctrl-C before the first line goes out: a caller that stops us as soon as it
  // has read the lines must find the handler there, not Node's default (die at once).
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    for (const options of config.devices) {
      if (isH200(options)) {
        const device = await startH200({
          host: options.host,
          port: options.port,
          username: options.username,
          password: options.password,
          credentials: options.credentials,
          alias: options.alias,
          children: options.children,
          logButtons: options.logButtons,
          controlPort: options.controlPort,
        });
        devices.push(device);
        process.stdout.write(`${describeH200(device)}\n`);
        continue;
      }
      const device = await startEmulator(options);
      devices.push(device);
      process.stdout.write(`${describeDevice(device)}\n`);
    }
  } catch (error) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await closeAll();
    process.stderr.write(`lamp-emulator: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  await stopped;
  await closeAll();
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`lamp-emulator: ${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
