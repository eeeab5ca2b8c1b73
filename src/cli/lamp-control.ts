#!/usr/bin/env node
/**
 * lamp-control: the library from a shell, for trying a device before building a flow and for
 * support threads ("what does the device say?").
 *
 *   lamp-control discover [--target ADDR ...] [--port UDP-PORT] [--legacy-port UDP-PORT]
 *                         [--timeout S] [--json]
 *   lamp-control state    --host H [--outlet N | --child NAME] [--port P] [--protocol P] [--timeout S] [--json]
 *   lamp-control set      --host H [--outlet N | --child NAME] [--port P] [--protocol P] [--timeout S] [--json] PAYLOAD
 *   lamp-control events   --host H [--child NAME] [--interval S] [--count N] [--port P] [--protocol P] [--json]
 *   lamp-control diagnose --host H [--port P] [--protocol P] [--timeout S] [--json]
 *
 * Credentials come from --username and --password-env NAME, or LAMP_USERNAME / LAMP_PASSWORD:
 * never from the command line, where other users and the shell history would see them. Exit
 * code 0 on success; otherwise one line on stderr saying what is wrong (2: bad arguments).
 */
import { type ConnectOptions, connect, type LampClient } from '../device/client';
import { diagnose } from '../device/diagnose';
import type { HubEvent } from '../device/hub/event-reader';
import { type DiscoveredDevice, discover } from '../transport/discovery';
import { byAddress, defaultDiscoveryTargets, expandTargets } from '../transport/discovery-targets';
import { LampError } from '../transport/errors';
import { PROTOCOL_CHOICES, type ProtocolChoice } from '../transport/factory';

export class UsageError extends Error {}

const COMMON = `  --host H             the device's IP address or host name (required)
  --port P             its port (default: the protocol's own; auto tries 80, 443, 9999)
  --protocol P         ${PROTOCOL_CHOICES.join(', ')} (default auto)
  --username EMAIL     TP-Link / Tapo account e-mail (or LAMP_USERNAME)
  --password-env NAME  read the password from environment variable NAME
                       (default LAMP_PASSWORD); never give a password as an argument
  --timeout S          seconds per network step (default 5)
  --discovery-port P   the device's UDP discovery port, for the wake-up probe and, in
                       diagnose, its account check (default 20002; 0 turns both off)
  --json               print one JSON document on stdout
  --help               this help`;

const OUTLET = `  --outlet N           one outlet of a power strip: its number on the housing,
                       its name or its id (default: the whole device)
  --child NAME         one child: a device paired to a hub by its name (as the app
                       shows it) or id, or a strip's outlet (default: the device)`;

export const HELP: Record<string, string> = {
  main: `Usage: lamp-control COMMAND [options]

Talks to TP-Link Tapo and Kasa lamps and plugs on the local network (KLAP, AES or
the Kasa legacy protocol, found by itself).

Commands:
  discover   list the devices that answer a search
  state      print a device's state
  set        change a device with a payload ('{"on":true,"brightness":40}', 'toggle', ...)
  diagnose   log in and say which protocol and credentials work, or exactly what fails
  events     print the events of a hub's children as they happen (presses, motion, ...)

Run lamp-control COMMAND --help for a command's options.
`,
  discover: `Usage: lamp-control discover [--target ADDR ...] [options]

Asks devices for their model and address (UDP 20002, and Kasa's legacy UDP 9999).

  --target ADDR        an address to ask, host or host:port, or a network such as
                       192.0.2.0/24 asked host by host (for Docker bridges and VLANs,
                       which broadcasts do not cross); repeat for several;
                       default: the broadcast address of every network of this host
  --port UDP-PORT      the discovery port (default 20002)
  --legacy-port P      Kasa's legacy discovery port (default 9999; 0 leaves it out)
  --timeout S          seconds to collect answers (default 3)
  --json               print one JSON document on stdout
  --help               this help
`,
  state: `Usage: lamp-control state --host H [options]

Prints the device's state (the same object a lamp-status node sends).

${OUTLET}
${COMMON}
`,
  set: `Usage: lamp-control set --host H [options] PAYLOAD

Sends PAYLOAD (the msg.payload grammar: true, "off", "toggle", 40, "#ff8800",
'{"on":true,"brightness":40,"colorTemp":2700}') and prints the state after it.

${OUTLET}
${COMMON}
`,
  events: `Usage: lamp-control events --host H [options]

Prints each event a hub's children log (button presses, dial turns, motion,
contact open/close, water leak, wall-switch presses, ...) as it happens, once each,
in order; events logged before it started are not printed. Ctrl-C stops it.

  --child NAME         only this child's events: its name or id (default: every child)
  --interval S         seconds between reads of the logs (default 1, at least 0.5)
  --count N            stop after N events
${COMMON.replace('print one JSON document on stdout', 'print one JSON line per event on stdout')}
`,
  diagnose: `Usage: lamp-control diagnose --host H [options]

Logs in and reports model, firmware, protocol, which credentials matched and the
round-trip time; on failure, the reason and what to do.

${COMMON}
`,
};

interface Parsed {
  command: string;
  help: boolean;
  json: boolean;
  targets: string[];
  options: Partial<ConnectOptions>;
  discoveryPort?: number;
  legacyPort?: number | null;
  timeoutSeconds?: number;
  passwordEnv: string;
  payload?: string;
  /** state and set: one outlet of a strip. */
  outlet?: string;
  /** state, set and events: one child of a hub (or a strip's outlet). */
  child?: string;
  /** events: seconds between reads. */
  intervalSeconds?: number;
  /** events: stop after this many. */
  count?: number;
}

function port(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`${flag} must be a port from 1 to 65535 (got ${value ?? 'nothing'})`);
  }
  return n;
}

/** Parses argv (without node and script). */
export function parseArgs(argv: readonly string[]): Parsed {
  const [command = '', ...rest] = argv;
  const parsed: Parsed = {
    command,
    help: false,
    json: false,
    targets: [],
    options: {},
    passwordEnv: 'LAMP_PASSWORD',
  };
  if (command === '--help' || command === '-h' || command === '') {
    return { ...parsed, command: 'main', help: true };
  }
  if (!(command in HELP) || command === 'main') {
    throw new UsageError(
      `unknown command "${command}"; commands: discover, state, set, diagnose, events`,
    );
  }
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const value = (): string => {
      const next = rest[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--help':
      case '-h':
        parsed.help = true;
        break;
      case '--json':
        parsed.json = true;
        break;
      case '--host':
        parsed.options.host = value();
        break;
      case '--port':
        if (command === 'discover') parsed.discoveryPort = port(value(), arg);
        else parsed.options.port = port(value(), arg);
        break;
      case '--legacy-port': {
        const v = value();
        parsed.legacyPort = v === '0' ? null : port(v, arg);
        break;
      }
      case '--discovery-port': {
        const v = value();
        parsed.options.discoveryPort = v === '0' ? null : port(v, arg);
        break;
      }
      case '--target':
        parsed.targets.push(value());
        break;
      case '--outlet':
        if (command !== 'state' && command !== 'set') {
          throw new UsageError(`--outlet applies to state and set, not ${command}`);
        }
        parsed.outlet = value();
        break;
      case '--child':
        if (command !== 'state' && command !== 'set' && command !== 'events') {
          throw new UsageError(`--child applies to state, set and events, not ${command}`);
        }
        parsed.child = value();
        break;
      case '--interval': {
        if (command !== 'events') throw new UsageError(`--interval applies to events only`);
        const n = Number(value());
        if (!Number.isFinite(n) || n < 0.5 || n > 3600) {
          throw new UsageError('--interval must be a number of seconds from 0.5 to 3600');
        }
        parsed.intervalSeconds = n;
        break;
      }
      case '--count': {
        if (command !== 'events') throw new UsageError(`--count applies to events only`);
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1)
          throw new UsageError('--count must be a whole number from 1');
        parsed.count = n;
        break;
      }
      case '--protocol': {
        const v = value();
        if (!PROTOCOL_CHOICES.includes(v as ProtocolChoice)) {
          throw new UsageError(`--protocol must be one of ${PROTOCOL_CHOICES.join(', ')}`);
        }
        parsed.options.protocol = v as ProtocolChoice;
        break;
      }
      case '--username':
        parsed.options.username = value();
        break;
      case '--password-env':
        parsed.passwordEnv = value();
        break;
      case '--password':
        throw new UsageError(
          'a password on the command line is visible to other users and kept in shell history; ' +
            'put it in an environment variable and use --password-env NAME (or LAMP_PASSWORD)',
        );
      case '--timeout': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0 || n > 600) {
          throw new UsageError('--timeout must be a number of seconds from 0 to 600');
        }
        parsed.timeoutSeconds = n;
        break;
      }
      default:
        if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg} for ${command}`);
        positional.push(arg);
    }
  }
  if (parsed.help) return parsed;
  if (command === 'set') {
    if (positional.length !== 1) {
      throw new UsageError('set needs exactly one PAYLOAD, e.g. \'{"on":true,"brightness":40}\'');
    }
    parsed.payload = positional[0];
  } else if (positional.length > 0) {
    throw new UsageError(`unexpected argument "${positional[0]}"`);
  }
  if (parsed.outlet !== undefined && parsed.child !== undefined) {
    throw new UsageError('give --outlet or --child, not both (--child covers outlets too)');
  }
  if (command !== 'discover' && !parsed.options.host) {
    throw new UsageError(`${command} needs --host (the device's IP address or host name)`);
  }
  return parsed;
}

/** A payload as the user typed it: JSON when it parses, else the bare word ("toggle", "off"). */
export function payloadOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type Out = (text: string) => void;

function connectOptions(parsed: Parsed, env: NodeJS.ProcessEnv): ConnectOptions {
  return {
    ...parsed.options,
    host: parsed.options.host as string,
    username: parsed.options.username ?? env.LAMP_USERNAME,
    password: env[parsed.passwordEnv],
    ...(parsed.timeoutSeconds ? { timeoutMs: Math.round(parsed.timeoutSeconds * 1000) } : {}),
  };
}

function printState(state: object, json: boolean, out: Out): void {
  if (json) {
    out(`${JSON.stringify(state)}\n`);
    return;
  }
  for (const [key, value] of Object.entries(state)) {
    out(`${key.padEnd(12)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
  }
}

async function withLamp<T>(options: ConnectOptions, use: (lamp: LampClient) => Promise<T>) {
  const lamp = await connect(options);
  try {
    return await use(lamp);
  } finally {
    await lamp.close();
  }
}

/** --target values with networks ("192.0.2.0/24") expanded into their hosts. */
function targets(values: string[]): string[] {
  const expanded = expandTargets(values);
  if (!expanded)
    throw new UsageError('a --target network must be written like 192.0.2.0/24 (at most a /22)');
  return expanded;
}

async function runDiscover(parsed: Parsed, out: Out): Promise<void> {
  const devices: DiscoveredDevice[] = await discover({
    targets: parsed.targets.length > 0 ? targets(parsed.targets) : defaultDiscoveryTargets(),
    ...(parsed.discoveryPort ? { port: parsed.discoveryPort } : {}),
    ...(parsed.legacyPort !== undefined ? { legacyPort: parsed.legacyPort } : {}),
    timeoutMs: Math.round((parsed.timeoutSeconds ?? 3) * 1000),
  });
  devices.sort(byAddress);
  if (parsed.json) {
    out(`${JSON.stringify(devices)}\n`);
    return;
  }
  if (devices.length === 0) {
    out(
      'No device answered. Broadcasts do not cross Docker bridge networks or VLANs: ask a ' +
        'device directly with --target ADDRESS, or run Node-RED with host networking.\n',
    );
    return;
  }
  for (const d of devices) {
    const address = `${d.host}:${d.port}`.padEnd(22);
    out(
      `${address} ${(d.model || '?').padEnd(10)} ${(d.protocol ?? '-').padEnd(7)} ${d.verdict}\n`,
    );
  }
}

/** Prints the diagnosis; false when the device could not be used (exit code 1). */
async function runDiagnose(options: ConnectOptions, json: boolean, out: Out, err: Out) {
  const report = await diagnose(options);
  if (json) out(`${JSON.stringify(report)}\n`);
  else if (report.ok) out(`${report.sentence}\n`);
  if (!report.ok) err(`lamp-control: ${report.code}: ${report.sentence.replace(/\s+/g, ' ')}\n`);
  return report.ok;
}

/** One event as a line: time, child, name, and a dial's degrees or a switch's new state. */
function eventLine(event: HubEvent): string {
  const extra =
    event.degrees !== undefined
      ? ` ${event.degrees > 0 ? '+' : ''}${event.degrees}°`
      : event.on !== undefined
        ? ` -> ${event.on ? 'on' : 'off'}`
        : '';
  return `${event.time}  ${event.child.alias} (${event.child.model})  ${event.name}${extra}\n`;
}

/** Link failures the events loop rides out: the next read picks up where the last one stood. */
const PASSING: ReadonlySet<string> = new Set(['UNREACHABLE', 'TIMEOUT', 'SESSION_EXPIRED']);

/** Reads the hub's events until `count` are printed (or for ever); the first read is the baseline. */
async function runEvents(parsed: Parsed, lamp: LampClient, out: Out, err: Out): Promise<void> {
  const reader = lamp.events({ child: parsed.child });
  await reader.read();
  // On stderr either way, so that --json output stays one event per line.
  err('lamp-control: listening for events (Ctrl-C stops)\n');
  const intervalMs = Math.round((parsed.intervalSeconds ?? 1) * 1000);
  let printed = 0;
  let failing = false;
  while (parsed.count === undefined || printed < parsed.count) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    let events: HubEvent[];
    try {
      events = await reader.read();
      failing = false;
    } catch (error) {
      if (!(error instanceof LampError && PASSING.has(error.code))) throw error;
      if (!failing) err(`lamp-control: ${error.code}: ${error.message}; still trying\n`);
      failing = true;
      continue;
    }
    for (const event of events) {
      out(parsed.json ? `${JSON.stringify(event)}\n` : eventLine(event));
      printed += 1;
      if (parsed.count !== undefined && printed >= parsed.count) return;
    }
  }
}

/** Runs the CLI; returns the exit code. `out`/`err` receive whole lines. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: Out = (text) => process.stdout.write(text),
  err: Out = (text) => process.stderr.write(text),
): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`lamp-control: ${error.message}. Run lamp-control --help for usage.\n`);
    return 2;
  }
  if (parsed.help) {
    out(HELP[parsed.command] as string);
    return 0;
  }
  try {
    if (parsed.command === 'discover') {
      await runDiscover(parsed, out);
    } else {
      const options = connectOptions(parsed, env);
      const { outlet, child } = parsed;
      const target = (lamp: LampClient) =>
        child !== undefined ? lamp.child(child) : outlet !== undefined ? lamp.outlet(outlet) : lamp;
      if (parsed.command === 'state') {
        printState(await withLamp(options, (lamp) => target(lamp).getState()), parsed.json, out);
      } else if (parsed.command === 'set') {
        const payload = payloadOf(parsed.payload as string);
        const change = (lamp: LampClient) => target(lamp).setState(payload);
        printState(await withLamp(options, change), parsed.json, out);
      } else if (parsed.command === 'events') {
        await withLamp(options, (lamp) => runEvents(parsed, lamp, out, err));
      } else if (!(await runDiagnose(options, parsed.json, out, err))) {
        return 1;
      }
    }
    return 0;
  } catch (error) {
    const code = error instanceof LampError ? error.code : 'ERROR';
    const message = error instanceof Error ? error.message : String(error);
    if (parsed.json) out(`${JSON.stringify({ ok: false, code, message })}\n`);
    // One line, no stack trace: the message says what happened and what to do.
    err(`lamp-control: ${code}: ${message.replace(/\s+/g, ' ')}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`lamp-control: unexpected failure: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
