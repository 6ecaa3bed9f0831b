import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on Linux unless built otherwise. */
const TICKS = 100;
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

/** Resident memory (bytes), CPU use (% of one core over the process's life) and uptime (s) of a process; zeros where unknown. */
export function processMetrics(pid: number): { rss: number; cpu: number; uptime: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const startTicks = Number(fields[19]);
    const rssPages = Number(fields[21]);
    const uptime = Math.max(0, Date.now() / 1000 - (machineBoot() + startTicks / TICKS));
    const cpu = uptime > 0 ? ((utime + stime) / TICKS / uptime) * 100 : 0;
    return { rss: rssPages * PAGE, cpu: Math.round(cpu * 10) / 10, uptime: Math.round(uptime) };
  } catch {
    return { rss: 0, cpu: 0, uptime: 0 };
  }
}
