/**
 * A router over fake channels, for the router's unit tests: a process table
 * of the smallest kind, and channels that record what they are written and
 * can be stalled, as the pipe of a process whose event loop is blocked.
 */
import { type ActionMessage, type Directory, type Envelope, envelope, Router, type RouterOptions, unpack } from '@brood/messenger';

export const PIDS = { AGENT: 101, W1: 201, W2: 202 } as const;
const { AGENT, W1, W2 } = PIDS;

/** Who is ready, and whether the app serves. The router reads it, as it reads the master's process table. */
export class Table implements Directory {
  readonly ready = new Set<number>();
  serving = false;
  router: Router | undefined;
  agent(): number | undefined {
    return this.ready.has(AGENT) ? AGENT : undefined;
  }
  readyWorkers(): number[] {
    return [W1, W2].filter((pid) => this.ready.has(pid));
  }
  appReady(): boolean {
    return this.serving;
  }
  markReady(pid: number): void {
    this.ready.add(pid);
    this.router?.release();
  }
  markClosing(pid: number): void {
    this.ready.delete(pid);
    this.router?.release();
  }
  markAppReady(): void {
    this.serving = true;
    this.router?.release();
  }
}

/** An action from `from`; with `seq`, a request. */
export const action = (
  from: number,
  role: 'agent' | 'worker',
  to: 'agent' | 'app' | 'all' | 'random' | number,
  name: string,
  seq?: number,
  data: unknown = null,
) =>
  envelope<ActionMessage>({
    type: 'action',
    action: name,
    data,
    from: { role, pid: from },
    to,
    ...(seq === undefined ? {} : { seq }),
  });

/**
 * A router with a channel to the agent and two workers. A stalled channel
 * answers each write with `full` and completes none until it is released,
 * as Node's send() does for a process that does not read.
 */
export function setup(options: Pick<RouterOptions, 'maxPendingBytes'> = {}) {
  const inbox = new Map<number, Envelope[]>([
    [AGENT, []],
    [W1, []],
    [W2, []],
  ]);
  const warnings: string[] = [];
  const logged: Array<Record<string, unknown>> = [];
  const controls: Envelope[] = [];
  const stalled = new Map<number, Array<() => void>>();
  const table = new Table();
  const router = new Router({
    ...options,
    log: {
      warn: (fields, message) => {
        warnings.push(message);
        logged.push(fields);
      },
    },
    directory: table,
    onControl: (_from, m) => controls.push(m),
  });
  table.router = router;
  for (const [pid, role] of [
    [AGENT, 'agent'],
    [W1, 'worker'],
    [W2, 'worker'],
  ] as const) {
    router.open({ role, pid }, (m, written) => {
      // An action named `unwritable` is one Node's serialiser gives up on (nested past its stack).
      unpack(m, (inner) => {
        if (inner.type === 'action' && (inner as ActionMessage).action === 'unwritable')
          throw new RangeError('Maximum call stack size exceeded');
      });
      unpack(m, (inner) => inbox.get(pid)?.push(inner));
      const held = stalled.get(pid);
      if (held === undefined) {
        queueMicrotask(written);
        return 'sent';
      }
      held.push(written);
      return 'full';
    });
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const actions = (pid: number) => (inbox.get(pid) ?? []).filter((m) => m.type === 'action').map((m) => (m as { action: string }).action);
  const stall = (pid: number): void => {
    stalled.set(pid, []);
  };
  const unstall = (pid: number): void => {
    const held = stalled.get(pid) ?? [];
    stalled.delete(pid);
    for (const written of held) written();
  };
  return { router, table, inbox, warnings, logged, controls, tick, actions, stall, unstall };
}
