import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on Linux unless built otherwise. */
export const TICKS = 100;
const PAGE = 4096;

let bootTime: number | undefined;

/** Seconds since the epoch at which the machine booted (from /proc/stat). */
function machineBoot(): number {
  if (bootTime === undefined) {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('btime '));
    bootTime = Number(line?.split(' ')[1] ?? 0);
  }
  return bootTime;
}

/** What /proc/<pid>/stat says of a process: CPU ticks used (user and system), its start in ticks after boot, resident pages. */
export function readStat(pid: number): { ticks: number; startTicks: number; rssPages: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), startTicks: Number(fields[19]), rssPages: Number(fields[21]) };
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in bytes, from /proc/<pid>/statm; `undefined` where there is no /proc or no such process. */
export function residentMemory(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return undefined;
  }
}

/** Resident memory (bytes), CPU use (% of one core over the process's life) and uptime (s) of a process; zeros where unknown. */
export function processMetrics(pid: number): { rss: number; cpu: number; uptime: number } {
  const stat = readStat(pid);
  if (stat === undefined) return { rss: 0, cpu: 0, uptime: 0 };
  const uptime = Math.max(0, Date.now() / 1000 - (machineBoot() + stat.startTicks / TICKS));
  const cpu = uptime > 0 ? (stat.ticks / TICKS / uptime) * 100 : 0;
  return { rss: stat.rssPages * PAGE, cpu: Math.round(cpu * 10) / 10, uptime: Math.round(uptime) };
}
