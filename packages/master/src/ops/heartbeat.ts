import { envelope, monotonicMs, type PingMessage, type PongMessage, type Router } from '@brood/messenger';
import type { ProcessTable } from '../process-table.js';

/** What the last answer to the heartbeat said of a process. */
export interface Vitals {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** ms between the ping and its answer: how late the process's event loop was, IPC included. */
  lag: number;
}

/** The heartbeat's period without `maxEventLoopBlock`. */
export const HEARTBEAT_MS = 1000;

/** The period for a `maxEventLoopBlock` limit: a quarter of it, from 100 ms to a second, so a block is seen soon after the limit. */
export function heartbeatPeriod(maxEventLoopBlock: number | null): number {
  return maxEventLoopBlock === null ? HEARTBEAT_MS : Math.min(HEARTBEAT_MS, Math.max(100, Math.floor(maxEventLoopBlock / 4)));
}

/**
 * The master's heartbeat: every period it pings each ready process
 * (`process:ping`, carrying the instance's liveness) and keeps what the
 * answers say — memory, heap and how late the answer came — and since
 * when a process has not answered. A process whose event loop is blocked
 * answers nothing: {@link Heartbeat.silentFor} grows, and the guards and
 * the liveness probe read it.
 */
export class Heartbeat {
  readonly period: number;
  readonly #table: ProcessTable;
  readonly #router: Router;
  readonly #live: () => boolean;
  readonly #onTick: () => void;
  readonly #onPong: (pid: number) => void;
  /** pid → `monotonicMs()` of its oldest unanswered ping. */
  readonly #waiting = new Map<number, number>();
  readonly #vitals = new Map<number, Vitals>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    table: ProcessTable;
    router: Router;
    period: number;
    live: () => boolean;
    /** At each round, before the pings. */
    onTick: () => void;
    /** After each answer, with its figures recorded. */
    onPong: (pid: number) => void;
  }) {
    this.#table = options.table;
    this.#router = options.router;
    this.period = options.period;
    this.#live = options.live;
    this.#onTick = options.onTick;
    this.#onPong = options.onPong;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tickNow(), this.period);
    // The master's life is its children's; the heartbeat alone never keeps it up.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** A process answered. */
  pong(pid: number, message: PongMessage): void {
    const sent = this.#waiting.get(pid);
    this.#waiting.delete(pid);
    const lag = sent === undefined ? (this.#vitals.get(pid)?.lag ?? 0) : monotonicMs() - sent;
    this.#vitals.set(pid, { rss: message.rss, heapUsed: message.heapUsed, heapTotal: message.heapTotal, lag: Math.round(lag * 10) / 10 });
    this.#onPong(pid);
  }

  /** ms since the oldest ping the process has not answered; 0 when it answered them all. */
  silentFor(pid: number): number {
    const sent = this.#waiting.get(pid);
    return sent === undefined ? 0 : monotonicMs() - sent;
  }

  /** The last answer of a process, if it gave one. */
  vitals(pid: number): Vitals | undefined {
    return this.#vitals.get(pid);
  }

  /**
   * One round, now (the timer's job, and a test's): first `onTick` (the
   * guards take a process they replace out of the work, so the liveness the
   * pings carry does not count it), then a ping to each ready process.
   */
  tickNow(): void {
    this.#onTick();
    const ping = envelope<PingMessage>({ type: 'process:ping', live: this.#live() });
    const now = monotonicMs();
    const present = new Set<number>();
    for (const proc of this.#table.all()) {
      present.add(proc.pid);
      // A closing process is not pinged, but what it owes is kept: a guard asks whether it answered since.
      if (proc.state !== 'ready') continue;
      if (!this.#waiting.has(proc.pid)) this.#waiting.set(proc.pid, now);
      this.#router.send(proc.pid, ping);
    }
    for (const pid of this.#vitals.keys()) if (!present.has(pid)) this.#vitals.delete(pid);
    for (const pid of this.#waiting.keys()) if (!present.has(pid)) this.#waiting.delete(pid);
  }
}
