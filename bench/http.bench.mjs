#!/usr/bin/env node
/**
 * Hello-world throughput and p99 alone, the systems of bench/run.mjs side
 * by side (2 workers each, the same `GET /`), with the same load generator
 * (wrk, installed when missing; autocannon where it cannot be): a quicker
 * check than the whole run while working on the request path.
 *
 *   node bench/http.bench.mjs                       # every system, 5 rounds of 6 s (as bench/run.mjs)
 *   SYSTEMS=koa,brood ROUNDS=5 DURATION=5 node bench/http.bench.mjs
 *   JSON=1 node bench/http.bench.mjs                # the figures as JSON
 */
import { loadGenerator } from './load.mjs';
import { installAlternatives, LABELS, SYSTEMS } from './systems.mjs';
import { throughput } from './throughput.mjs';

const names = process.env.SYSTEMS?.split(',') ?? SYSTEMS;
const unknown = names.filter((name) => !SYSTEMS.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown system ${unknown.join(', ')}: pick from ${SYSTEMS.join(', ')}\n`);
  process.exit(2);
}
const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.DURATION ?? 6);
const log = (text) => (process.env.JSON ? undefined : process.stdout.write(`${text}\n`));

installAlternatives(log);
const loader = loadGenerator({ connections: Number(process.env.CONNECTIONS ?? 50), log });
log(`hello world, 2 workers each, ${loader.name} ${loader.version} (${loader.command}), median of ${rounds} × ${seconds} s`);
const results = await throughput(names, loader, { rounds, seconds, log });
if (process.env.JSON) process.stdout.write(`${JSON.stringify({ loader: loader.name, rounds, seconds, results })}\n`);
else {
  for (const name of names) {
    const r = results[name];
    log(
      `  ${LABELS[name].padEnd(17)} ${String(Math.round(r.reqPerSec)).padStart(7)} req/s   p99 ${r.p99Ms.toFixed(2)} ms   errors ${r.errors}`,
    );
  }
  if (results.brood !== undefined && results.koa !== undefined) {
    log(`  Brood / koa-cluster: ${(results.brood.reqPerSec / results.koa.reqPerSec).toFixed(3)} (target ≥ 0.97)`);
  }
  if (results.brood !== undefined && results.egg !== undefined) {
    log(`  Brood / Egg: ${(results.brood.reqPerSec / results.egg.reqPerSec).toFixed(2)} (target ≥ 3)`);
  }
}
process.exit(0);
