// Emulated devices in their own process (the `lamp-emulator` CLI), so that the CPU the bench
// process uses is the client's alone.
import { spawn } from 'node:child_process';

const cli = new URL('../../dist/emulator/cli.js', import.meta.url).pathname;

/**
 * Starts `lamp-emulator` with `args`; resolves once all `count` devices print their listening
 * line, with their addresses and a stop() that ends the process.
 */
export function emulatorProcess(args, count = 1) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const devices = [];
    child.once('exit', (code) => reject(new Error(`lamp-emulator exited (${code}): ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      for (const match of out.matchAll(/listening on \w+:\/\/([\d.]+):(\d+)/g)) {
        const device = { host: match[1], port: Number(match[2]) };
        if (!devices.some((d) => d.port === device.port)) devices.push(device);
      }
      if (devices.length >= count) {
        resolve({ devices, ...devices[0], stop: () => child.kill() });
      }
    });
  });
}

/** Client CPU (user + system) in µs spent in `fn`. */
export async function cpuOf(fn) {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

export const median = (samples) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
