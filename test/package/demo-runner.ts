/**
 * Runs `npm start` (scripts/demo.mjs --no-build) for a test: in a temporary user dir, on the
 * demo's ports shifted by the first of `offsets` whose ports are all free (so tests run beside
 * a running demo and beside each other), until it prints its URL; `stop()` sends Ctrl-C
 * (SIGINT) and resolves with the exit code. Needs a build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, waitFor } from './support';

/** The demo's own ports (before the offset): Node-RED, devices, the hub's control, legacy. */
export const DEMO_BASE_PORTS = [1880, 8080, 8081, 8082, 8083, 8084, 8085, 8086, 8090, 9999];

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface RunningDemo {
  offset: number;
  /** The shifted port of one of the demo's own ports (1880 → Node-RED's). */
  port(base: number): number;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<number | null | 'timeout'>;
}

export async function startDemo(offsets: readonly number[]): Promise<RunningDemo> {
  let offset = offsets[0] as number;
  for (const candidate of offsets) {
    const free = await Promise.all(DEMO_BASE_PORTS.map((p) => portFree(p + candidate)));
    if (free.every(Boolean)) {
      offset = candidate;
      break;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-demo-'));
  const demo: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'demo.mjs'), '--no-build'],
    {
      cwd: repoRoot,
      env: { ...process.env, LAMP_DEMO_DIR: dir, LAMP_DEMO_PORT_OFFSET: String(offset) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  demo.stdout?.on('data', (d) => {
    out += d;
  });
  demo.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    demo.once('exit', (code) => resolve(code)),
  );
  const stop = async (): Promise<number | null | 'timeout'> => {
    demo.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), 15_000);
      }),
    ]);
    clearTimeout(timer);
    if (code === 'timeout') demo.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    return code;
  };
  try {
    await waitFor(
      'the demo to print its URL',
      async () => out.includes('Node-RED with lamp-control:'),
      40_000,
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return { offset, port: (base) => base + offset, output: () => out, stop };
}
