#!/usr/bin/env node
/**
 * Hello-world throughput, Brood vs Node's raw cluster, 2 workers each, in
 * one run: the same koa + @koa/router handler, Brood with every default
 * middleware on (request id, error handler, body parser, context logger).
 * Keep-alive, bounded: ROUNDS rounds of DURATION seconds, alternating the
 * two servers so that machine noise falls on both alike.
 *
 *   node bench/http.bench.mjs            # prints a table and the ratio
 *   JSON=1 node bench/http.bench.mjs     # prints the figures as JSON
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { kill, launch, median, waitLine } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const autocannon = createRequire(import.meta.url)('autocannon');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

const servers = {
  raw: () => launch(process.execPath, [`${root}bench/baselines/koa-cluster.mjs`], { PORT: '0', WORKERS: '2' }),
  brood: () =>
    launch(
      process.execPath,
      [
        `${root}packages/brood/bin/brood.js`,
        'start',
        `${root}bench/fixtures/throughput`,
        '--port',
        '0',
        '--workers',
        '2',
        '--title',
        `bench-${process.pid}`,
      ],
      { BROOD_ENV: 'prod' },
    ),
};

/** Starts a server and resolves with its URL; rejects after 20 s. */
async function start(name) {
  const child = servers[name]();
  const { url } = await waitLine(child, (line) => line.event === 'started');
  return { child, url };
}

function load(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const results = { raw: [], brood: [] };
const errors = { raw: 0, brood: 0 };
const started = { raw: await start('raw'), brood: await start('brood') };
// Warm both up before measuring.
await load(started.raw.url, 2);
await load(started.brood.url, 2);
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? ['raw', 'brood'] : ['brood', 'raw']) {
    const result = await load(started[name].url, DURATION);
    results[name].push(result.requests.average);
    errors[name] += result.errors + result.non2xx;
  }
}
kill(started.raw.child);
kill(started.brood.child);

const raw = median(results.raw);
const brood = median(results.brood);
const summary = {
  rawReqPerSec: Math.round(raw),
  broodReqPerSec: Math.round(brood),
  ratio: Math.round((brood / raw) * 1000) / 1000,
  errors,
  rounds: ROUNDS,
  durationSec: DURATION,
  connections: CONNECTIONS,
  runs: results,
};
if (process.env.JSON) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  process.stdout.write(`hello world, 2 workers, ${CONNECTIONS} keep-alive connections, median of ${ROUNDS} × ${DURATION} s\n`);
  process.stdout.write(`  raw cluster + koa : ${summary.rawReqPerSec} req/s\n`);
  process.stdout.write(`  brood (defaults)  : ${summary.broodReqPerSec} req/s\n`);
  process.stdout.write(`  ratio brood / raw : ${summary.ratio} (goal ≥ 0.95)\n`);
  process.stdout.write(`  errors + non-2xx  : raw ${errors.raw}, brood ${errors.brood}\n`);
}
process.exit(0);
