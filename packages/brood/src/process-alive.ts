import { existsSync, readFileSync } from 'node:fs';

/** Linux tells a zombie from a live process in /proc; without it, a process that takes signals runs. */
const HAS_PROC = existsSync('/proc/self/stat');

/**
 * True while `pid` runs; a zombie (exited, not yet collected by whoever
 * adopted it) has stopped, and so has a process whose /proc entry went
 * between the two looks.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!HAS_PROC) return true;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}
