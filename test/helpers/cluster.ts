/**
 * Starts real Brood clusters for tests and guarantees none outlives them.
 *
 * Every master is spawned in a process group of its own, so the whole tree
 * (master, agent, workers) is killed with one signal in teardown, even when
 * a test fails half-way. Every wait has a timeout.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BROOD_BIN = fileURLToPath(new URL('../../packages/brood/bin/brood.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/apps/', import.meta.url));

/** One parsed line of a cluster's stdout. */
export interface LogLine {
  level?: number;
  role?: 'master' | 'agent' | 'worker';
  pid?: number;
  msg?: string;
  event?: string;
  raw: string;
  [key: string]: unknown;
}

const running = new Set<Cluster>();
let started = 0;

/** A process tree started by a test. */
export class Cluster {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** For `brood start` clusters: the instance title and app folder, to reach its control socket. */
  title = '';
  dir = '';
  /** Every pid seen in the logs, to check they are gone after. */
  readonly pids = new Set<number>();
  /**
   * False when the processes run in a PID namespace of their own: the pids
   * their lines name mean other processes here, and are never signalled.
   */
  trackPids = true;
  /** `performance.now()` when the master's exit event came; undefined while it runs. */
  exitedAt: number | undefined;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT) {
    this.child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    let buffer = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        this.#push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#wake();
    });
    // Resolves once the output is read to its end too ('close'), or shortly after the exit when a
    // leftover child still holds the pipe open: assertions on the last lines must see them.
    const closed = once(this.child, 'close');
    this.child.once('exit', () => {
      this.exitedAt = performance.now();
    });
    this.exited = once(this.child, 'exit').then(async ([code, signal]) => {
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 500))]);
      this.#wake();
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  #push(raw: string): void {
    let line: LogLine;
    try {
      line = { ...(JSON.parse(raw) as object), raw };
    } catch {
      line = { raw };
    }
    if (typeof line.pid === 'number' && this.trackPids) this.pids.add(line.pid);
    this.lines.push(line);
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves with the first line (from `from` on) matching `match`; rejects after `timeout` ms. */
  waitFor(match: (line: LogLine) => boolean, what: string, timeout = 15_000, from = 0): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      let exitSeen = false;
      const check = (): boolean => {
        const found = this.lines.slice(from).find(match);
        if (found !== undefined) {
          done();
          resolve(found);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}\n--- stdout\n${this.output()}\n--- stderr\n${this.stderr}`));
      }, timeout);
      const waiter = (): void => {
        if (check()) return;
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          // Give the pipes a moment to deliver the last lines before giving up.
          if (exitSeen) return;
          exitSeen = true;
          setTimeout(() => {
            if (check()) return;
            done();
            reject(new Error(`process exited while waiting for ${what}\n--- stdout\n${this.output()}\n--- stderr\n${this.stderr}`));
          }, 200);
        }
      };
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      this.#waiters.add(waiter);
      waiter();
    });
  }

  /** Resolves once stderr matches `pattern`; rejects after `timeout` ms, or when the process exits first. */
  waitForStderr(pattern: RegExp, what: string, timeout = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = (): void => {
        if (pattern.test(this.stderr)) done(resolve);
        else if (this.child.exitCode !== null || this.child.signalCode !== null)
          done(() => reject(new Error(`process exited while waiting for ${what}\n--- stderr\n${this.stderr}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out after ${timeout} ms waiting for ${what}\n--- stderr\n${this.stderr}`))),
        timeout,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        settle();
      };
      this.#waiters.add(waiter);
      waiter();
    });
  }

  /** Waits for the ready line and returns it. */
  async started(timeout = 20_000): Promise<StartedLine> {
    const line = await this.waitFor((l) => l.event === 'started', 'the started line', timeout);
    return line as StartedLine;
  }

  /** Waits for the master to exit; rejects after `timeout` ms. */
  async exit(timeout = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`master did not exit within ${timeout} ms\n${this.output()}\n${this.stderr}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the master alone. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends a signal to the master's whole process group, as a terminal or systemd does. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal);
  }

  output(): string {
    return this.lines.map((l) => l.raw).join('\n');
  }

  /** Kills the whole process group, every pid the logs named and their groups, and removes its control socket files. */
  destroy(): void {
    running.delete(this);
    if (this.title !== '' && this.dir !== '') {
      for (const ext of ['sock', 'json']) rmSync(`${this.dir}/run/${this.title}.${ext}`, { force: true });
    }
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    // The agent and the workers lead process groups of their own, with what they started in them.
    for (const pid of this.pids) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }
}

/** The master's ready line. */
export interface StartedLine extends LogLine {
  url: string;
  workers: number[];
  agent: number;
  ms: number;
}

/** `brood start <app> --port 0 --workers 2 …` in a fresh process group. */
export function startBrood(app: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Cluster {
  const dir = app.startsWith('/') ? app : `${FIXTURES}${app}`;
  const hasWorkers = args.includes('--workers') || args.includes('-w');
  const hasPort = args.includes('--port') || args.includes('-p');
  // Tests run side by side on the same fixtures: each cluster gets its own title, hence its own control socket.
  const title = args.includes('--title') ? [] : ['--title', `t${process.pid}-${++started}`];
  const cluster = new Cluster(
    process.execPath,
    [BROOD_BIN, 'start', dir, ...(hasPort ? [] : ['--port', '0']), ...(hasWorkers ? [] : ['--workers', '2']), ...title, ...args],
    {
      BROOD_ENV: 'test',
      ...env,
    },
  );
  cluster.title = title[1] ?? (args[args.indexOf('--title') + 1] as string);
  cluster.dir = dir;
  return cluster;
}

/** Any node script in a fresh process group. */
export function spawnNode(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Cluster {
  return new Cluster(process.execPath, [script, ...args], env);
}

/** Kills every cluster still running; call from `afterEach`. */
export function killAll(): void {
  for (const cluster of [...running]) cluster.destroy();
}

process.on('exit', killAll);

/**
 * True when a process with this pid runs. A zombie has exited: it only
 * waits for whoever adopted it to collect its status, so it counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}

/** `1234 (S node …)`: the state and command line of a process, for failure messages. */
function describeProcess(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return `${pid} (${stat.split(' ')[2]} ${cmdline})`;
  } catch {
    return String(pid);
  }
}

/**
 * Polls until none of `pids` is alive; resolves with the ms it took,
 * rejects after `timeout`. Both count from `since` (a `performance.now()`
 * time), by default from the call.
 */
export async function waitGone(pids: number[], timeout: number, since = performance.now()): Promise<number> {
  const started = since;
  while (pids.some(isAlive)) {
    if (performance.now() - started > timeout) {
      throw new Error(`still alive after ${timeout} ms: ${pids.filter(isAlive).map(describeProcess).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

/**
 * Waits for a master that must fail to start: exit code 1, one `brood:`
 * line on stderr (returned), and nothing it forked left behind.
 */
export async function failedStart(cluster: Cluster): Promise<string> {
  const exit = await cluster.exit(20_000);
  assert.equal(exit.code, 1, `exit code 1 expected\n${cluster.output()}\n${cluster.stderr}`);
  const lines = cluster.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('brood:'));
  assert.equal(lines.length, 1, `one brood: line on stderr, got:\n${cluster.stderr}`);
  await waitGone([...cluster.pids], 3000);
  return lines[0] as string;
}
