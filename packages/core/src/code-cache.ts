/** Where `run-bundle.cts` leaves the function that writes the running bundle's code cache. */
const SAVE_KEY = Symbol.for('brood.code-cache.save');

/**
 * Says that start-up is over: when this process runs from a bundle that
 * had no valid code cache, the cache is written now, holding the code
 * start-up compiled, so that the next process of the same bundle skips
 * compiling it. Does nothing when the cache exists or outside a bundle.
 */
export function codeCacheReady(): void {
  const save = (globalThis as Record<symbol, unknown>)[SAVE_KEY];
  if (typeof save === 'function') save();
}
