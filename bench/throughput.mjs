/**
 * Hello-world throughput and p99 latency of every system side by side:
 * all of them running at once (idle but one), each loaded in turn by the
 * load generator for `seconds`, `rounds` times with the order rotated so
 * that machine noise falls on every system alike (koa-cluster and Brood
 * back to back: {@link roundOrder}); medians per system.
 */
import { freePort, median } from './lib.mjs';
import { servedBy } from './measure.mjs';
import { spawnSystem } from './systems.mjs';

/**
 * The order systems are loaded in, in round `round`: rotated by one each round, so that machine noise
 * falls on every system alike. The systems of `together` (koa-cluster and Brood) stay side by side, the
 * one first in one round and second in the next: this machine's speed drifts by itself from one ten
 * seconds to the next, and each round's ratio of the two is then taken under the same conditions.
 */
export function roundOrder(names, round, together = ['koa', 'brood']) {
  const [first, second] = together;
  const paired = names.includes(first) && names.includes(second);
  const units = paired
    ? names.filter((name) => name !== second).map((name) => (name === first ? together : [name]))
    : names.map((name) => [name]);
  const order = [];
  for (let i = 0; i < units.length; i++) {
    const unit = units[(round + i) % units.length];
    order.push(...(round % 2 === 0 ? unit : [...unit].reverse()));
  }
  return order;
}

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
      for (const name of roundOrder(names, round)) {
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
