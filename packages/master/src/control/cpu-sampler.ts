import { monotonicMs } from '@brood/messenger';
import { readStat, TICKS } from './metrics.js';

/** How far back the CPU figure of `brood status` looks. */
export const CPU_WINDOW_MS = 5000;

/** Most readings kept per process. */
const MAX_SAMPLES = 64;

interface Sample {
  at: number;
  ticks: number;
}

/**
 * CPU use over the last few seconds, not since start: the master reads
 * /proc/<pid>/stat of each process at every heartbeat and keeps the
 * readings of the last {@link CPU_WINDOW_MS}; the figure is the CPU time
 * used between the oldest and a fresh reading, over the time between them.
 */
export class CpuSampler {
  readonly #samples = new Map<number, Sample[]>();

  /** Takes a reading of each pid and forgets the pids not given. */
  sampleAll(pids: number[]): void {
    const keep = new Set(pids);
    for (const pid of this.#samples.keys()) if (!keep.has(pid)) this.#samples.delete(pid);
    for (const pid of pids) this.#sample(pid);
  }

  /** % of one core used over the last few seconds, from a fresh reading; `undefined` without two readings. */
  percent(pid: number): number | undefined {
    const latest = this.#sample(pid);
    const oldest = this.#samples.get(pid)?.[0];
    if (latest === undefined || oldest === undefined || latest.at - oldest.at < 200) return undefined;
    const percent = ((latest.ticks - oldest.ticks) / TICKS / ((latest.at - oldest.at) / 1000)) * 100;
    return Math.round(percent * 10) / 10;
  }

  #sample(pid: number): Sample | undefined {
    const stat = readStat(pid);
    if (stat === undefined) return undefined;
    const sample = { at: monotonicMs(), ticks: stat.ticks };
    const samples = this.#samples.get(pid) ?? [];
    samples.push(sample);
    while (samples.length > 2 && (samples[0] as Sample).at < sample.at - CPU_WINDOW_MS) samples.shift();
    // Readings on demand (status asked often) are bounded too: the oldest one is kept, the window's start.
    if (samples.length > MAX_SAMPLES) samples.splice(1, 1);
    this.#samples.set(pid, samples);
    return sample;
  }
}
