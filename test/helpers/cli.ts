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
 * Runs `brood <args>` to completion (killed after `timeout` ms) and
 * remembers any daemon it started. `via` runs it through another command
 * first (`['setpriv', '--reuid=nobody', …]`).
 */
export function brood(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number; via?: string[] } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = [...(options.via ?? []), process.execPath];
    const child = spawn(command as string, [...prefix, BROOD_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      reject(new Error(`brood ${args.join(' ')} did not finish within ${options.timeout ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, options.timeout ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const master = /master (\d+), agent/.exec(stdout);
      if (master !== null) daemons.add(Number(master[1]));
      resolve({ code, stdout, stderr });
    });
  });
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
