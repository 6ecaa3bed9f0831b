#!/usr/bin/env node
/**
 * Hello-world throughput, Brood vs Node's raw cluster vs Egg, 2 workers
 * each, in one run: Brood and the raw cluster serve the same koa +
 * @koa/router handler, Brood with every default middleware on (request id,
 * error handler, body parser, context logger); Egg serves the same answer
 * from a controller with its defaults (bench/egg, installed by
 * bench/run.mjs; left out when it is not installed). Keep-alive, bounded:
 * ROUNDS rounds of DURATION seconds, rotating the servers so that machine
 * noise falls on all alike.
 *
 *   node bench/http.bench.mjs            # prints a table and the ratio
 *   JSON=1 node bench/http.bench.mjs     # prints the figures as JSON
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { kill, launch, median, waitLine, workerOf } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const autocannon = createRequire(import.meta.url)('autocannon');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

const withEgg = existsSync(`${root}bench/egg/node_modules/egg`);

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

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

/** Starts a server and resolves with its URL; rejects after 20 s (Egg: 60 s). */
async function start(name) {
  if (name === 'egg') {
    const port = await freePort();
    const child = launch(process.execPath, [`${root}bench/egg/start.js`], { PORT: String(port), EGG_SERVER_ENV: 'prod' });
    child.stdout.resume();
    const url = `http://127.0.0.1:${port}/`;
    const started = performance.now();
    // Egg prints no machine-readable ready line: it is ready when a worker answers.
    while ((await workerOf(url)) === null) {
      if (performance.now() - started > 60_000) throw new Error('egg did not answer within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { child, url };
  }
  const child = servers[name]();
  const { url } = await waitLine(child, (line) => line.event === 'started');
  return { child, url };
}

function load(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const names = withEgg ? ['raw', 'brood', 'egg'] : ['raw', 'brood'];
const results = Object.fromEntries(names.map((name) => [name, []]));
const errors = Object.fromEntries(names.map((name) => [name, 0]));
const started = {};
for (const name of names) started[name] = await start(name);
// Warm every server up before measuring.
for (const name of names) await load(started[name].url, 2);
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length];
    const result = await load(started[name].url, DURATION);
    results[name].push(result.requests.average);
    errors[name] += result.errors + result.non2xx;
  }
}
for (const name of names) kill(started[name].child);

const raw = median(results.raw);
const brood = median(results.brood);
const egg = withEgg ? median(results.egg) : null;
const summary = {
  rawReqPerSec: Math.round(raw),
  broodReqPerSec: Math.round(brood),
  eggReqPerSec: egg === null ? null : Math.round(egg),
  ratio: Math.round((brood / raw) * 1000) / 1000,
  eggRatio: egg === null ? null : Math.round((brood / egg) * 100) / 100,
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
  if (egg !== null) process.stdout.write(`  egg (defaults)    : ${summary.eggReqPerSec} req/s\n`);
  process.stdout.write(`  ratio brood / raw : ${summary.ratio} (goal ≥ 0.95)\n`);
  if (egg !== null) process.stdout.write(`  ratio brood / egg : ${summary.eggRatio} (goal ≥ 3)\n`);
  else process.stdout.write('  egg               : not installed (bench/run.mjs installs it)\n');
  process.stdout.write(`  errors + non-2xx  : ${names.map((name) => `${name} ${errors[name]}`).join(', ')}\n`);
}
process.exit(0);
