/**
 * What a process tree is and what it costs, from /proc (Linux): the
 * descendants of a pid, and the RSS and PSS of each process from
 * /proc/<pid>/smaps_rollup. PSS divides the pages shared between
 * processes (the node binary, forked copy-on-write pages) among them, so
 * the PSS of a tree adds up to what it really takes; RSS counts shared
 * pages in every process that maps them.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Every process on the machine: pid → parent pid. */
function parents() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in parentheses may hold spaces or parentheses: read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), Number(fields[1]));
    } catch {}
  }
  return table;
}

/** `root` and every process below it, root first. */
export function treeOf(root) {
  const table = parents();
  if (!table.has(root)) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of table) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** The children of `pid`: where a master does not tell its workers' pids, they are found here. */
export function childrenOf(pid) {
  return [...parents()].filter(([, parent]) => parent === pid).map(([child]) => child);
}

/** RSS and PSS of one process in MB, or null when it is gone. */
export function memoryOf(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? Number.NaN);
    return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 };
  } catch {
    return null;
  }
}

/** The command line of a process, shortened, for the report. */
export function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 160);
  } catch {
    return '';
  }
}

/**
 * RSS and PSS of the tree under `root`, in MB, and of each process in it;
 * `roleOf(pid)` names each process in the report.
 */
export function treeMemory(root, roleOf = () => '') {
  const processes = [];
  for (const pid of treeOf(root)) {
    const memory = memoryOf(pid);
    if (memory !== null) processes.push({ pid, role: roleOf(pid), rss: memory.rss, pss: memory.pss, command: commandOf(pid) });
  }
  return {
    rss: processes.reduce((sum, p) => sum + p.rss, 0),
    pss: processes.reduce((sum, p) => sum + p.pss, 0),
    processes,
  };
}

/** The machine's CPU times (all cores) from /proc/stat: busy and total, in clock ticks. */
function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  // idle and iowait
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/**
 * The share of the machine's CPU time other processes kept busy over
 * `ms` while this one slept: 0 on a quiet machine, 1 with every core taken.
 * Unlike the load average, the benchmark's own work just before (the build,
 * a system just stopped) does not linger in it.
 */
export async function busyShare(ms = 2000) {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  const total = after.total - before.total;
  return total === 0 ? 0 : (after.busy - before.busy) / total;
}

/** Whether Linux's scheduler autogroup is on (`/proc/sys/kernel/sched_autogroup_enabled`); null where it cannot be read. */
export function autogroupEnabled() {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return null;
  }
}
