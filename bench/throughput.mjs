/**
 * Hello-world throughput and p99 latency of every system side by side:
 * all of them running at once (idle but one), each loaded in turn by the
 * load generator for `seconds`, `rounds` times with the order rotated so
 * that machine noise falls on every system alike; medians per system.
 */
import { freePort, median } from './lib.mjs';
import { servedBy } from './measure.mjs';
import { spawnSystem } from './systems.mjs';

/**
 * Resolves with, per system, `{ reqPerSec, p99Ms, rounds: [...] }`, the
 * medians of the rounds (each round's own figures in `rounds`).
 */
export async function throughput(names, loader, { rounds = 3, seconds = 10, warmupSeconds = 2, log = () => {} } = {}) {
  const running = {};
  try {
    for (const name of names) {
      running[name] = spawnSystem(name, await freePort());
      await servedBy(running[name].url, 2);
    }
    // A first short load lets V8 optimise the request path of every system before the rounds count.
    for (const name of names) await loader.run(running[name].url, warmupSeconds);
    const results = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length];
        const result = await loader.run(running[name].url, seconds);
        log(`  round ${round + 1}, ${name}: ${Math.round(result.reqPerSec)} req/s, p99 ${result.p99Ms.toFixed(2)} ms`);
        results[name].push(result);
      }
    }
    return Object.fromEntries(
      names.map((name) => [
        name,
        {
          reqPerSec: median(results[name].map((r) => r.reqPerSec)),
          p99Ms: median(results[name].map((r) => r.p99Ms)),
          p50Ms: median(results[name].map((r) => r.p50Ms)),
          errors: results[name].reduce((sum, r) => sum + r.errors, 0),
          rounds: results[name],
        },
      ]),
    );
  } finally {
    for (const system of Object.values(running)) await system.stop();
  }
}
