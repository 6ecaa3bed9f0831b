import { spawn } from 'node:child_process';
import { BROOD_BIN } from './cluster.js';

/** What one CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const daemons = new Set<number>();

/**
 * Runs a program to completion, stdout and stderr apart; killed (and the
 * promise rejected) after `timeout` ms. `env` is the whole environment.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<CliRun> {
  const timeout = options.timeout ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeout} ms\n${stdout}\n${stderr}`));
    }, timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `brood <args>` to completion (killed after `timeout` ms) and
 * remembers any daemon it started. `via` runs it through another command
 * first (`['setpriv', '--reuid=nobody', …]`).
 */
export async function brood(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number; via?: string[] } = {},
): Promise<CliRun> {
  const [command, ...prefix] = [...(options.via ?? []), process.execPath];
  const { via: _via, ...rest } = options;
  const run = await runProcess(command as string, [...prefix, BROOD_BIN, ...args], { ...rest, env: { ...process.env, ...options.env } });
  const master = /master (\d+), agent/.exec(run.stdout);
  if (master !== null) daemons.add(Number(master[1]));
  return run;
}

/** Kills every daemon a test started, with its whole process group. */
export function killDaemons(): void {
  for (const pid of daemons) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  daemons.clear();
}

process.on('exit', killDaemons);
