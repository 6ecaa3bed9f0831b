/** process.hrtime() in ms; its origin is arbitrary. */
function hrMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/** hrMs() when this process started. */
const origin = hrMs() - process.uptime() * 1000;

/**
 * Milliseconds since this process started, on the monotonic clock: what
 * `performance.now()` gives, read without it. The `performance` global
 * loads perf_hooks and its timing modules the first time it is touched,
 * some 0.3 MB in every process that stays idle most of its life; Brood's
 * timers, heartbeats, request timings and boot timeline read
 * `process.hrtime()` instead, as cheap per call as `performance.now()`
 * (`process.uptime()` would cost twice as much on a request's path).
 */
export function monotonicMs(): number {
  return hrMs() - origin;
}
