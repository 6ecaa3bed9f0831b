import { type ProcessStatus, type StatusResult, sendControl } from '@brood/master';
import { clusterStatus } from './cluster-status.js';
import { EXIT, type TitleFlags } from './control-commands.js';
import { describe, findAppInstance } from './instance.js';
import { explain, out, table } from './output.js';

/** How often `status --watch` asks again. */
export const WATCH_MS = 2000;

function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
}

function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

function processRow(p: ProcessStatus): string[] {
  const heap = p.heapUsed === null ? '-' : `${formatBytes(p.heapUsed)}/${formatBytes(p.heapTotal)}`;
  const lag = p.lag === null ? '-' : `${p.lag < 10 ? p.lag.toFixed(1) : Math.round(p.lag)} ms`;
  return [p.role, String(p.pid), p.state, formatUptime(p.uptime), String(p.restarts), `${p.cpu}%`, formatBytes(p.rss), heap, lag];
}

/** The status as the table `brood status` prints. */
export function renderStatus(instance: { title: string; baseDir: string }, result: StatusResult): string {
  const rows = [['ROLE', 'PID', 'STATE', 'UPTIME', 'RESTARTS', 'CPU', 'RSS', 'HEAP', 'LAG'], ...result.processes.map(processRow)];
  let text = `${describe(instance)}: ${result.state}, ${result.url ?? 'no URL yet'}, env ${result.env}\n${table(rows)}`;
  const tasks = result.tasks ?? [];
  if (tasks.length > 0) {
    const taskRows = [['TASK', 'TYPE', 'SCOPE', 'SCHEDULE', 'STATE', 'RUNS', 'FAILURES', 'SKIPS', 'LAST RUN', 'OUTCOME', 'MS', 'NEXT RUN']];
    for (const t of tasks) {
      const last = t.lastRun;
      // off: switched off by `disable` or `env`; running: a run is under way now.
      const state = !t.enabled ? 'off' : t.running ? 'running' : 'on';
      taskRows.push([
        t.name,
        t.type,
        t.scope,
        t.schedule,
        state,
        String(t.runs),
        String(t.failures),
        String(t.skips),
        last?.at ?? '-',
        last?.outcome ?? '-',
        last === null ? '-' : String(Math.round(last.ms)),
        t.nextRun ?? '-',
      ]);
    }
    text += `\n\n${table(taskRows)}`;
  }
  return text;
}

/** `brood status [--json] [--cluster] [--watch]`: exit 0 when running, 3 when nothing runs. */
export async function status(
  dir: string | undefined,
  flags: TitleFlags & { json?: boolean; cluster?: boolean; watch?: boolean },
): Promise<number> {
  if (flags.watch && !flags.cluster) return watch(dir, flags);
  const instance = await findAppInstance(dir, flags.title);
  if (!instance.running) {
    if (flags.json) out(JSON.stringify({ running: false, title: instance.title, baseDir: instance.baseDir }));
    else out(`${describe(instance)} is not running`);
    return EXIT.notRunning;
  }
  if (flags.cluster) return clusterStatus(instance, flags.json === true);
  let result: StatusResult;
  try {
    result = await sendControl(instance.socket, 'status', {});
  } catch (error) {
    out(`brood: cannot read the status of ${describe(instance)}: ${explain(error)}`, true);
    return EXIT.failed;
  }
  out(flags.json ? JSON.stringify({ running: true, ...result }, null, 2) : renderStatus(instance, result));
  return EXIT.ok;
}

/**
 * `brood status --watch`: the table again every {@link WATCH_MS}, drawn
 * over the last one on a terminal (one block after another otherwise),
 * until Ctrl-C (exit 0) or the instance stops (exit 3).
 */
async function watch(dir: string | undefined, flags: TitleFlags): Promise<number> {
  const tty = process.stdout.isTTY === true;
  let stop: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => {
    stop = resolve;
  });
  const onInterrupt = (): void => stop(EXIT.ok);
  process.once('SIGINT', onInterrupt);
  try {
    for (;;) {
      const instance = await findAppInstance(dir, flags.title);
      if (!instance.running) {
        out(`${describe(instance)} is not running`);
        return EXIT.notRunning;
      }
      let text: string;
      try {
        text = renderStatus(instance, await sendControl(instance.socket, 'status', {}));
      } catch (error) {
        out(`brood: cannot read the status of ${describe(instance)}: ${explain(error)}`, true);
        return EXIT.failed;
      }
      const stamp = `every ${WATCH_MS / 1000} s, Ctrl-C to quit · ${new Date().toLocaleTimeString()}`;
      // Home and clear below: the new table is drawn where the last one was.
      // Off a terminal (a pipe, a file), each table is followed by the time it was read.
      process.stdout.write(tty ? `\x1b[H\x1b[J${text}\n\n${stamp}\n` : `${text}\nread at ${new Date().toISOString()}\n\n`);
      const next = await Promise.race([stopped, new Promise<null>((resolve) => setTimeout(() => resolve(null), WATCH_MS))]);
      if (next !== null) return next;
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
