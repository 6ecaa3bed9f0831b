import type { MasterState } from '../master-state.js';
import type { ProcessTable } from '../process-table.js';
import type { Heartbeat } from './heartbeat.js';

/** The liveness limit when `maxEventLoopBlock` is not set: a process silent this long is wedged. */
export const WEDGED_MS = 30_000;

/** A probe's verdict and, when it fails, why. */
export interface Verdict {
  ok: boolean;
  reason: string;
}

/**
 * The instance's health as the master sees it, for the management port's
 * probes and (through the heartbeat) the workers' ones:
 * - ready: the handshake is done and no stop has begun, and a worker is ready;
 * - live: the master is not stopped, it has a ready worker once running,
 *   and no ready process has been silent for `wedgedMs` (a blocked event
 *   loop: `maxEventLoopBlock`, else {@link WEDGED_MS}).
 */
export class InstanceHealth {
  readonly #host: { readonly state: MasterState };
  readonly #table: ProcessTable;
  readonly #heartbeat: Heartbeat;
  readonly #wedgedMs: number;

  constructor(host: { readonly state: MasterState }, table: ProcessTable, heartbeat: Heartbeat, wedgedMs: number) {
    this.#host = host;
    this.#table = table;
    this.#heartbeat = heartbeat;
    this.#wedgedMs = wedgedMs;
  }

  ready(): Verdict {
    const { state } = this.#host;
    if (state !== 'running') return { ok: false, reason: state };
    if (this.#table.readyWorkers().length === 0) return { ok: false, reason: 'no worker is ready' };
    return { ok: true, reason: 'ready' };
  }

  live(): Verdict {
    const { state } = this.#host;
    if (state === 'stopped' || state === 'idle') return { ok: false, reason: state };
    if (state === 'running' && this.#table.readyWorkers().length === 0) return { ok: false, reason: 'no worker is ready' };
    for (const proc of this.#table.all()) {
      const silent = proc.state === 'ready' ? this.#heartbeat.silentFor(proc.pid) : 0;
      if (silent > this.#wedgedMs) return { ok: false, reason: `${proc.label} has not answered for ${Math.round(silent)} ms` };
    }
    return { ok: true, reason: 'live' };
  }
}
