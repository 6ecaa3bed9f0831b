import { ChildProcess } from 'node:child_process';

/**
 * Brood's children each lead a process group of their own, so that what
 * they start — a `sleep 60` from a route, a shell pipeline and its
 * background jobs — can be killed with them, as systemd's
 * `KillMode=control-group` does for a service (docs/cluster.md, "Nothing is
 * left behind"). The agent is forked with `detached: true`; cluster.fork()
 * takes no such option, hence {@link forkInOwnGroup}.
 */
const OWN_GROUPS = process.platform !== 'win32';

/**
 * Runs `fork` — a `cluster.fork()` — with the process it spawns leading a
 * process group (and session) of its own. cluster.fork() spawns through
 * `ChildProcess.prototype.spawn` within the call, synchronously, and passes
 * no `detached`: for the length of that one call the spawn options get
 * `detached: true`. test/process-groups.test.ts checks that every worker
 * leads its group, so a Node release that changes this is caught.
 */
export function forkInOwnGroup<T>(fork: () => T): T {
  if (!OWN_GROUPS) return fork();
  const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, options: { detached?: boolean }): unknown };
  const spawn = proto.spawn;
  proto.spawn = function (options) {
    options.detached = true;
    return spawn.call(this, options);
  };
  try {
    return fork();
  } finally {
    proto.spawn = spawn;
  }
}

/** Whether the agent is forked with `detached: true` (its own process group); not on Windows, where it means a console. */
export const DETACHED = OWN_GROUPS;

/**
 * SIGKILLs whatever is left of the process group that child `pid` led, once
 * the child itself has exited: grandchildren it left behind, killed with it
 * or not. The group id stays reserved while a member lives, so this reaches
 * those processes or nothing.
 */
export function killProcessGroup(pid: number): void {
  if (!OWN_GROUPS) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing was left.
  }
}
