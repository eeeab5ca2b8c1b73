/** The `lamp-control` CLI run as a process, for the CLI tests against emulated hubs. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const CLI = path.join(__dirname, '../../src/cli/lamp-control.ts');

export interface Running {
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stderr has shown `text`. */
  saw: (text: string) => Promise<void>;
  done: Promise<number | null>;
}

/** Runs the CLI with `args` as a process, the account in its environment. */
export function cliRunner(user: string, pass: string): (args: string[]) => Running {
  return (args) => run(args, user, pass);
}

function run(args: string[], user: string, pass: string): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMP_USERNAME: user, LAMP_PASSWORD: pass },
  });
  let stdout = '';
  let stderr = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of waiting.filter((w) => stderr.includes(w.text))) w.resolve();
  });
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    saw: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiting.push({ text, resolve });
            done.then(() => reject(new Error(`exited before "${text}": ${stderr}`)));
          }),
    done,
  };
}
