import { readdirSync, readFileSync } from 'node:fs';

/** The process group of `pid` (`self` for this process), from /proc; undefined when it cannot be read. */
function groupOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces and parentheses: the fields after it are
    // state, ppid, pgrp, …
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/**
 * Kills what this process started and left running, as it exits: every
 * other member of the process group it leads (the master forks the agent
 * and each worker as the leader of a group of its own). Grandchildren are
 * members unless they left the group (`detached: true`, `setsid`): those
 * are theirs to stop. Runs on the process's 'exit' event, so it is
 * synchronous: on Linux it reads /proc and SIGKILLs each member; elsewhere
 * the group gets SIGTERM, which this process itself ignores. A process
 * that leads no group (one not forked by the master) kills nothing.
 *
 * The master does the same with the group of every child that exits,
 * killed or not; this is what still works when the master is gone.
 */
export function killOwnGroup(): void {
  const self = process.pid;
  if (process.platform !== 'linux') {
    if (process.platform === 'win32') return;
    try {
      process.kill(-self, 'SIGTERM');
    } catch {
      // not a group leader
    }
    return;
  }
  if (groupOf('self') !== self) return;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) > 57 || entry === String(self) || groupOf(entry) !== self) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
