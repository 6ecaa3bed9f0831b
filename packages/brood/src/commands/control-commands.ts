import { type StopResult, sendControl } from '@brood/master';
import { isAlive } from '../process-alive.js';
import { describe, findAppInstance } from './instance.js';
import { explain, out } from './output.js';
import { parseTaskArgs } from './task-args.js';

/** Exit codes of the operating commands (docs/cli.md). */
export const EXIT = { ok: 0, failed: 1, notRunning: 3 } as const;

/** The flag every operating command takes. */
export interface TitleFlags {
  title?: string;
}

/**
 * `brood stop`: graceful; waits until every process of the instance is
 * gone, as long as the master says its stop can take (its shutdownTimeout
 * twice, and the kill of what is left), or `--timeout` ms.
 */
export async function stop(dir: string | undefined, flags: TitleFlags & { timeout?: number }): Promise<number> {
  const instance = await findAppInstance(dir, flags.title);
  if (!instance.running) {
    out(
      `${describe(instance)} is not running${instance.stale ? ' (removed the stale control socket of a master that was killed)' : ''}; nothing to stop`,
    );
    return EXIT.ok;
  }
  const started = Date.now();
  let answer: StopResult;
  try {
    answer = await sendControl(instance.socket, 'stop', {});
  } catch (error) {
    out(`brood: cannot stop ${describe(instance)}: ${explain(error)}`, true);
    return EXIT.failed;
  }
  const { status } = answer;
  const pids = status.processes.map((p) => p.pid);
  const within = flags.timeout ?? answer.within;
  const deadline = started + within;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) {
      out(`brood: ${describe(instance)} is still stopping after ${within} ms: ${pids.filter(isAlive).join(', ')}`, true);
      return EXIT.failed;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const workers = status.processes.filter((p) => p.role === 'worker').length;
  out(
    `stopped ${describe(instance)}: master ${status.processes[0]?.pid}, agent and ${workers} worker${workers === 1 ? '' : 's'}, in ${Date.now() - started} ms`,
  );
  return EXIT.ok;
}

/** `brood reload [--workers]`: rolling restart through the control socket; `--workers` keeps the agent. */
export async function reload(dir: string | undefined, flags: TitleFlags & { workers?: boolean }): Promise<number> {
  const instance = await findAppInstance(dir, flags.title);
  if (!instance.running) {
    out(`${describe(instance)} is not running; nothing to reload`, true);
    return EXIT.notRunning;
  }
  try {
    // No clock here: the master bounds a reload by its own start and shutdown timeouts.
    const result = await sendControl(instance.socket, 'reload', flags.workers === true ? { workers: true } : {});
    const agent = `agent ${result.agent}${result.agentReplaced ? '' : ' kept'}`;
    out(`reloaded ${describe(instance)} in ${result.ms} ms: workers ${result.workers.join(', ')}, ${agent}`);
    return EXIT.ok;
  } catch (error) {
    out(`brood: reload of ${describe(instance)} failed: ${explain(error)}`, true);
    return EXIT.failed;
  }
}

/**
 * `brood run-task <name> [--data '<json>']`: exit 0 when the run succeeded,
 * 1 otherwise. It waits as long as the run lasts (the task's own `timeout`
 * bounds it), or `--timeout` ms. `--data` is the task's second parameter.
 */
export async function runTask(
  name: string,
  dir: string | undefined,
  flags: TitleFlags & { timeout?: number; data?: string },
): Promise<number> {
  const taskArgs = parseTaskArgs(flags.data);
  const instance = await findAppInstance(dir, flags.title);
  if (!instance.running) {
    out(`${describe(instance)} is not running; start it to run a task`, true);
    return EXIT.failed;
  }
  try {
    const args = {
      name,
      ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
      ...(taskArgs === undefined ? {} : { args: taskArgs }),
    };
    const result = await sendControl(instance.socket, 'run-task', args);
    const ms = Math.round(result.ms);
    if (result.outcome === 'ok') {
      const claim = result.claim === undefined ? '' : ` (cluster claim, token ${result.claim.token})`;
      out(`task ${result.name}: ok in ${ms} ms${claim}`);
      return EXIT.ok;
    }
    out(`task ${result.name}: ${result.outcome}${result.error === undefined ? '' : `: ${result.error.message}`} (after ${ms} ms)`, true);
    return EXIT.failed;
  } catch (error) {
    out(`brood: ${explain(error)}`, true);
    return EXIT.failed;
  }
}
