import { createRequire } from 'node:module';
import type { EarlyAnswer } from './builtin/probes.js';
import { pathOf } from './middleware-match.js';

/** Bytes kept of the request line (`GET /path`). */
const TEXT_BYTES = 240;

/**
 * The watchdog thread. A blocked event loop cannot answer the master's
 * heartbeat, nor say what blocks it; a thread of the same process still
 * runs. It watches the beat the main thread keeps and, when it has not
 * moved for `limit` ms, writes one log line (synchronously, to stdout)
 * naming the last request the worker began.
 */
const THREAD = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { shared, limit, fields } = workerData;
const ctl = new Int32Array(shared, 0, 2);
const text = new Uint8Array(shared, 8);
const decoder = new TextDecoder();
let last = Atomics.load(ctl, 0);
let since = Date.now();
let told = false;
setInterval(() => {
  const beat = Atomics.load(ctl, 0);
  if (beat !== last) { last = beat; since = Date.now(); told = false; return; }
  const blocked = Date.now() - since;
  if (told || blocked < limit) return;
  told = true;
  const length = Atomics.load(ctl, 1);
  const request = length > 0 ? decoder.decode(text.slice(0, length)) : null;
  const msg = 'event loop blocked for ' + blocked + ' ms' + (request === null ? '' : '; last request begun: ' + request);
  const line = { level: 40, time: Date.now(), ...fields, event: 'blocked', blockedMs: blocked, request, msg };
  try { writeSync(1, JSON.stringify(line) + '\\n'); } catch {}
}, Math.max(10, Math.floor(limit / 4)));
`;

/**
 * The worker's half of the event-loop guard (`maxEventLoopBlock`): a beat
 * on the main thread, the request line of each request as it arrives, and
 * the thread above. Per request it costs one string encoded into shared
 * memory; made only with the guard on.
 */
export class Watchdog {
  readonly #ctl: Int32Array;
  readonly #text: Uint8Array;
  readonly #encoder = new TextEncoder();

  constructor(limit: number, fields: Record<string, unknown>) {
    const shared = new SharedArrayBuffer(8 + TEXT_BYTES);
    this.#ctl = new Int32Array(shared, 0, 2);
    this.#text = new Uint8Array(shared, 8);
    // Loaded with the guard on only: a worker without it loads no worker_threads (0.3 MB of RSS alone).
    const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    const thread = new Worker(THREAD, { eval: true, workerData: { shared, limit, fields } });
    thread.unref();
    setInterval(() => Atomics.add(this.#ctl, 0, 1), Math.max(10, Math.floor(limit / 4))).unref();
  }

  /** Records the request line as a request arrives; never answers it. */
  readonly note: EarlyAnswer = (req) => {
    const { written } = this.#encoder.encodeInto(`${req.method} ${pathOf(req)}`, this.#text);
    Atomics.store(this.#ctl, 1, written);
    return false;
  };
}
