#!/usr/bin/env node
// `npm start`: eight emulated devices (a hub with three paired devices among them) on 127.0.0.1, speaking all three protocols the package knows
// (KLAP, AES, Kasa legacy), and Node-RED 4 on http://127.0.0.1:1880 with this package and a ready
// flow (scripts/demo-flow.json) wired to them. Ctrl-C stops everything.
//
//   node scripts/demo.mjs              build, start, keep your edits to the demo flow
//   node scripts/demo.mjs --reset      also put the original demo flow back
//   node scripts/demo.mjs --no-build   use the existing build (the test of this script does)
//
// Node-RED's user dir is .tmp/demo (git-ignored; LAMP_DEMO_DIR overrides it); the package is
// linked into it.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const userDir = path.resolve(process.env.LAMP_DEMO_DIR || path.join(root, '.tmp', 'demo'));
const HOST = '127.0.0.1';
// Every port moves by LAMP_DEMO_PORT_OFFSET, so the demo's own test runs beside a running demo.
const OFFSET = Number(process.env.LAMP_DEMO_PORT_OFFSET || 0);
const PORT = 1880 + OFFSET;
// Demo-only credentials: the emulators accept exactly these, the demo flow uses them.
const USERNAME = 'demo@example.com';
const PASSWORD = 'demo-password';
// Ports: Node-RED 1880; KLAP and AES devices 8080…, their discovery (UDP) 20002…; the Kasa legacy
// bulb on TCP 9999 and its legacy discovery on UDP 9999, as real legacy devices (every port plus
// OFFSET). `protocol` is the emulated wire; the flow's device nodes all use Protocol "auto".
// `login: false`: the legacy protocol has no login, so its device node gets no credentials.
// The hub's control interface listens on 8090 (plus OFFSET); the flow's URLs name 8090.
const DEMO_CONTROL_PORT = 8090;
const LEGACY_PORT = 9999 + OFFSET;
const DEVICES = [
  {
    id: 'demo-dev-l530',
    model: 'L530',
    port: 8080 + OFFSET,
    discoveryPort: 20002 + OFFSET,
    alias: 'Colour bulb',
  },
  {
    id: 'demo-dev-l510',
    model: 'L510',
    port: 8081 + OFFSET,
    discoveryPort: 20003 + OFFSET,
    alias: 'White bulb',
  },
  {
    id: 'demo-dev-l900',
    model: 'L900',
    port: 8082 + OFFSET,
    discoveryPort: 20004 + OFFSET,
    alias: 'Light strip',
  },
  {
    id: 'demo-dev-p100',
    model: 'P100',
    port: 8083 + OFFSET,
    discoveryPort: 20005 + OFFSET,
    alias: 'Plug',
  },
  {
    id: 'demo-dev-l510-aes',
    model: 'L510',
    protocol: 'aes',
    port: 8084 + OFFSET,
    discoveryPort: 20006 + OFFSET,
    alias: 'Old-firmware bulb',
  },
  {
    id: 'demo-dev-p300',
    model: 'P300',
    port: 8085 + OFFSET,
    discoveryPort: 20007 + OFFSET,
    alias: 'Study power strip',
  },
  {
    // A Tapo hub with a button, a motion sensor and a wall switch paired; its control interface
    // (CONTROL_PORT) presses the button for the flow's inject nodes.
    id: 'demo-dev-h100',
    model: 'H100',
    port: 8086 + OFFSET,
    discoveryPort: 20008 + OFFSET,
    alias: 'Hallway hub',
    children: ['S200B', 'T100', 'S220'],
    controlPort: 8090 + OFFSET,
  },
  {
    id: 'demo-dev-kl130',
    model: 'KL130',
    protocol: 'legacy',
    port: LEGACY_PORT,
    discoveryPort: LEGACY_PORT,
    alias: 'Kasa bulb',
    login: false,
  },
];
/** The devices the editor's search asks on the 20002-style port; the legacy one answers on 9999. */
const DISCOVERY_DEVICES = DEVICES.filter((d) => d.protocol !== 'legacy');

/** Set once something is running, so a failure part-way still cleans up. */
let shutdown = async (code) => process.exit(code);

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function main() {
  const reset = process.argv.includes('--reset');
  // Device ports are TCP; the legacy bulb's discovery port shares its number, on UDP.
  const controlPorts = DEVICES.flatMap((d) => (d.controlPort ? [d.controlPort] : []));
  for (const port of [PORT, ...DEVICES.map((d) => d.port), ...controlPorts]) {
    if (!(await portFree(port))) {
      throw new Error(`port ${HOST}:${port} is in use (another demo still running?)`);
    }
  }

  if (!process.argv.includes('--no-build')) {
    console.log('Building …');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  }

  // Node-RED user dir with this package linked in and demo settings.
  const link = path.join(userDir, 'node_modules', '@lamp-control', 'node-red');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(root, link, 'dir');
  const settings = {
    uiHost: HOST,
    uiPort: PORT,
    flowFile: 'flows.json',
    credentialSecret: 'lamp-control-demo',
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    // The editor's device search asks the emulated devices on this machine, never the LAN: the
    // 20002-style query to each, and Kasa's legacy query to the same address on the legacy port.
    lampControlDiscoveryTargets: DISCOVERY_DEVICES.map((d) => `${HOST}:${d.discoveryPort}`),
    lampControlLegacyDiscoveryPort: LEGACY_PORT,
    editorTheme: { tours: false, projects: { enabled: false } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  };
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `// Written by scripts/demo.mjs\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`,
  );
  const flowFile = path.join(userDir, 'flows.json');
  const installFlow = reset || !fs.existsSync(flowFile);
  if (installFlow) {
    fs.rmSync(flowFile, { force: true });
    fs.rmSync(path.join(userDir, 'flows_cred.json'), { force: true });
  }

  // The emulated devices.
  const { startEmulator } = require(path.join(root, 'dist', 'emulator', 'index.js'));
  const emulators = [];
  for (const d of DEVICES) {
    const emulator = await startEmulator({
      model: d.model,
      protocol: d.protocol,
      host: HOST,
      port: d.port,
      discoveryPort: d.discoveryPort,
      alias: d.alias,
      ...(d.children ? { children: d.children, controlPort: d.controlPort } : {}),
      ...(d.login === false ? {} : { username: USERNAME, password: PASSWORD }),
    });
    emulators.push(emulator);
    console.log(
      `  emulated ${d.model} "${d.alias}" on ${HOST}:${emulator.port} (${emulator.protocol})`,
    );
    if (emulator.controlUrl) {
      console.log(
        `    its paired devices: ${d.children.join(', ')}; control at ${emulator.controlUrl}`,
      );
    }
  }

  // Node-RED.
  const red = spawn(
    process.execPath,
    [
      require.resolve('node-red/red.js'),
      '--userDir',
      userDir,
      '--settings',
      path.join(userDir, 'settings.js'),
    ],
    { cwd: userDir, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping …');
    if (red.exitCode === null) {
      red.kill('SIGINT');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          red.kill('SIGKILL');
          resolve();
        }, 10_000);
        red.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await Promise.all(emulators.map((e) => Promise.resolve(e.close()).catch(() => undefined)));
    process.exit(code);
  };
  shutdown = stop;
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  red.once('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited (code ${code}).`);
      stop(1);
    }
  });

  const url = `http://${HOST}:${PORT}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${url}/settings`)).ok) break;
    } catch {
      // not up yet
    }
    if (tries > 300) throw new Error('Node-RED did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  if (installFlow) {
    // Deploy through the admin API so Node-RED encrypts the demo credentials itself.
    const flow = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'demo-flow.json'), 'utf8'));
    for (const node of flow) {
      // The inject nodes that press the emulated button name the hub's control port.
      for (const prop of node.type === 'inject' ? (node.props ?? []) : []) {
        if (prop.p === 'url') {
          prop.v = prop.v.replace(`:${DEMO_CONTROL_PORT}/`, `:${DEMO_CONTROL_PORT + OFFSET}/`);
        }
      }
      if (node.type !== 'klap-device') continue;
      const device = DEVICES.find((d) => d.id === node.id);
      if (device.login !== false) node.credentials = { username: USERNAME, password: PASSWORD };
      node.port = device.port;
    }
    const res = await fetch(`${url}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flow),
    });
    if (!res.ok)
      throw new Error(`deploying the demo flow failed: ${res.status} ${await res.text()}`);
  }

  console.log(`
  Node-RED with lamp-control: ${url}
  Open it, click an inject button on the "Lamp demo" tab and watch the debug sidebar;
  "press the hub's button" toggles the colour bulb through a lamp-event node.
  Ctrl-C stops Node-RED and the emulated lamps.${installFlow ? '' : '\n  (kept your demo flow; `npm start -- --reset` restores the original)'}
`);
}

main().catch((err) => {
  console.error(`demo: ${err.message}`);
  shutdown(1);
});
