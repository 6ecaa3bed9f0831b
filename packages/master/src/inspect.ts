/**
 * Inspector ports for the master's children. Started with `--inspect` (or
 * `--inspect-brk`, `--inspect-wait`, `--inspect-port`, or any of them in
 * NODE_OPTIONS), the master forks the agent with its own flags: both would
 * ask for the same port, and the second to bind it has no inspector.
 * Node's cluster gives workers ports of its own, counted up from the
 * master's on every fork — the first worker's collides with the agent's,
 * and a reforked worker moves to a new port each time.
 *
 * Instead each process gets a port it keeps: the master its own (9229 by
 * default), the agent port + 1, worker n port + 1 + n, whoever refills
 * that slot. With port 0 every process takes a free port of its own.
 */

/** `--inspect`, `--inspect-brk`, `--inspect-wait`, `--inspect-port`, `--debug-port`, with or without a value. */
const INSPECT_FLAG = /(?:^|\s)--(?:inspect(?:-brk|-wait|-port)?|debug-port)(?:[=\s]|$)/;

/** True when the master runs with an inspector flag, in its arguments or in NODE_OPTIONS. */
export function usesInspector(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return execArgv.some((arg) => INSPECT_FLAG.test(arg)) || INSPECT_FLAG.test(nodeOptions);
}

/** The inspector port of the agent (`slot` 0) or of worker `slot`, from the master's port `base`. */
export function inspectPort(role: 'agent' | 'worker', slot = 0, base = process.debugPort): number {
  if (base === 0) return 0;
  return base + 1 + (role === 'worker' ? slot : 0);
}

/**
 * The agent's execArgv: the master's, plus `--inspect-port` with the
 * agent's own port when the master inspects. Appended last, it overrides
 * the port of an earlier `--inspect=host:port` and keeps its host.
 */
export function agentExecArgv(execArgv: readonly string[], base = process.debugPort): string[] {
  if (!usesInspector(execArgv)) return [...execArgv];
  return [...execArgv, `--inspect-port=${inspectPort('agent', 0, base)}`];
}

/**
 * The workers' execArgv. Node's cluster gives a worker an inspector port
 * (`cluster.settings.inspectPort`) only when its execArgv holds an
 * inspector flag; a master inspected through NODE_OPTIONS alone has none
 * there, and its workers, inheriting NODE_OPTIONS, would all ask for the
 * master's port. `--inspect-port` added here makes cluster see the flag.
 */
export function workerExecArgv(execArgv: readonly string[], base = process.debugPort): string[] {
  if (!usesInspector(execArgv) || usesInspector(execArgv, '')) return [...execArgv];
  return [...execArgv, `--inspect-port=${base}`];
}
