#!/usr/bin/env node
/**
 * lamp-emulator: run emulated TP-Link devices on loopback for trying flows without hardware.
 *
 *   lamp-emulator --port 8080 --model L530 [--model P110 ...] [--protocol klap|aes|tpap|sslaes|legacy]
 *                 [--username U --password P] [--host 127.0.0.1] [--klap 1|2]
 *                 [--login-version 1|2] [--credentials MODE] [--alias NAME] [--discovery-port N]
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
import { CREDENTIAL_MODES, type CredentialMode } from './wire/credentials';

const PROTOCOLS: readonly EmulatedProtocol[] = ['klap', 'aes', 'tpap', 'sslaes', 'legacy'];

export const USAGE = `Usage: lamp-emulator --model MODEL [--model MODEL ...] [options]

Runs emulated TP-Link Tapo/Kasa devices on this machine, speaking KLAP, AES
securePassthrough, TPAP, sslaes (HTTPS, the H200 hub's) or the legacy Kasa XOR
protocol.

Options:
  --model MODEL         ${MODEL_NAMES.join(', ')} (repeat for several devices)
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
  --discovery-port N    also answer UDP discovery (as on port 20002), the first device
                        on port N (0 = any free port), each further one on the next;
                        default: no discovery
  --help                show this help
`;

export class UsageError extends Error {}

export interface CliConfig {
  devices: EmulatorOptions[];
}

/** Parses argv (without node and script) into one EmulatorOptions per device. */
export function parseArgs(argv: readonly string[]): CliConfig | 'help' {
  const models: ModelName[] = [];
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
        if (!isModelName(name))
          throw new UsageError(`unknown model "${name}"; valid models: ${MODEL_NAMES.join(', ')}`);
        models.push(name);
        break;
      }
      case '--port': {
        const text = value();
        const n = Number(text);
        if (!/^\d+$/.test(text) || n > 65535)
          throw new UsageError(`--port must be a number from 0 to 65535 (got "${text}")`);
        port = n;
        break;
      }
      case '--discovery-port': {
        const text = value();
        const n = Number(text);
        if (!/^\d+$/.test(text) || n > 65535)
          throw new UsageError(`--discovery-port must be a number from 0 to 65535 (got "${text}")`);
        discoveryPort = n;
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
    let protocol: string;
    try {
      protocol = resolveProtocol(createModel(model), shared).protocol;
    } catch (error) {
      throw new UsageError(`--model ${model}: ${(error as Error).message}`);
    }
    if (shared.klap !== undefined && protocol !== 'klap')
      throw new UsageError(`--klap applies to KLAP devices; ${model} here speaks ${protocol}`);
    if (shared.loginVersion !== undefined && protocol !== 'aes')
      throw new UsageError(
        `--login-version applies to AES devices; ${model} here speaks ${protocol}`,
      );
  }
  if (port + models.length - 1 > 65535)
    throw new UsageError('not enough ports above --port for every device');
  if (discoveryPort !== undefined && discoveryPort + models.length - 1 > 65535)
    throw new UsageError('not enough ports above --discovery-port for every device');
  return {
    devices: models.map((model, index) => ({
      ...shared,
      model,
      // Port 0 stays 0 for every device: each gets its own free port.
      port: port === 0 ? 0 : port + index,
      ...(discoveryPort === undefined
        ? {}
        : { discoveryPort: discoveryPort === 0 ? 0 : discoveryPort + index }),
      alias:
        shared.alias !== undefined && index > 0 ? `${shared.alias} ${index + 1}` : shared.alias,
    })),
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
  // A strip names its outlets by number, so a user can tell which one a flow should switch.
  const outlets = device.outlets.map((o) => `${o.position} ${o.alias}`);
  return outlets.length === 0 ? line : `${line}; outlets: ${outlets.join(', ')}`;
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
  const devices: EmulatedDevice[] = [];
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
