#!/usr/bin/env node
/**
 * Runs every benchmark side by side with the alternatives, in one run, and
 * writes docs/benchmarks.md and the chart docs/benchmarks.svg:
 * - raw http cluster, koa-cluster, Brood, Egg 3 and PM2 7, 2 workers each
 *   (and Egg with its csrf protection off, for throughput),
 *   the same `GET /` hello (bench/systems.mjs): throughput and p99 under
 *   wrk, spawn → every worker served, idle memory of the process tree,
 *   worker kill -9 → a new worker serves;
 * - messenger: agent → all workers → agent round trips and a burst of
 *   10,000 broadcasts — Brood, a hand-rolled relay, and Egg's messenger.
 *
 * Egg and PM2 are installed into bench/egg and bench/pm2 on the first run,
 * each from its own committed lockfile (npm ci), outside the workspace; wrk
 * with apt-get when it is missing (bench/load.mjs).
 *
 *   npx -y pnpm@12.4.2 bench        (builds first; about 6 minutes)
 *   QUICK=1 node bench/run.mjs      (fewer and shorter runs; prints, writes no page)
 *   PAGE_FROM=bench/results/last-run.json node bench/run.mjs   (the page again from a run's figures)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadGenerator } from './load.mjs';
import { bareNodeRss, bareNodeStart, coldStart, killToServe } from './measure.mjs';
import { MESSENGER_SYSTEMS, messenger } from './messenger.mjs';
import { page } from './page.mjs';
import { autogroupEnabled, busyShare } from './proc.mjs';
import { installAlternatives, SYSTEMS, THROUGHPUT_EXTRAS } from './systems.mjs';
import { throughput } from './throughput.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.QUICK === '1';
const settings = QUICK
  ? { coldRuns: 2, kills: 2, gapMs: 2000, rounds: 1, seconds: 3, warmupSeconds: 1, messengerRuns: 1 }
  : // Five rounds of 6 s rather than three of 10 s, in the same time: the machine's speed drifts from one ten
    // seconds to the next, so koa-cluster and Brood, loaded back to back, are compared closer in time, and
    // the medians are of five.
    { coldRuns: 5, kills: 5, gapMs: 3000, rounds: 5, seconds: 6, warmupSeconds: 3, messengerRuns: 3 };
const log = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();
const loadBefore = loadavg()[0];
const elapsed = () => `${Math.round((performance.now() - began) / 1000)} s`;

if (process.env.PAGE_FROM !== undefined) {
  // Writes the page again from the figures of an earlier run, measuring nothing.
  const { markdown, svg } = page(JSON.parse(readFileSync(process.env.PAGE_FROM, 'utf8')));
  writeFileSync(`${root}docs/benchmarks.md`, markdown);
  writeFileSync(`${root}docs/benchmarks.svg`, svg);
  log(`written docs/benchmarks.md and docs/benchmarks.svg from ${process.env.PAGE_FROM}`);
  process.exit(0);
}

installAlternatives(log);
// Egg leaves a timing file per start in its run/ folder: start from an empty one.
rmSync(`${root}bench/egg/run`, { recursive: true, force: true });
const loader = loadGenerator({ connections: 50, log });
log(`load generator: ${loader.name} ${loader.version}`);

const busyBefore = await busyShare();
const bareBefore = bareNodeStart();
const bareRss = await bareNodeRss();

log(`spawn → every worker served, idle memory (${settings.coldRuns} runs each) …`);
const cold = Object.fromEntries(SYSTEMS.map((name) => [name, []]));
for (let i = 0; i < settings.coldRuns; i++) {
  // Rotate the order so that machine noise falls on every system alike.
  for (let j = 0; j < SYSTEMS.length; j++) {
    const name = SYSTEMS[(i + j) % SYSTEMS.length];
    const result = await coldStart(name);
    log(`  ${name}: ${Math.round(result.ms)} ms, ${result.memory.rss.toFixed(1)} MB RSS`);
    cold[name].push(result);
  }
}

log(`worker kill -9 → a new worker serves (${settings.kills} kills each, ${settings.gapMs} ms apart) … (${elapsed()})`);
const kills = {};
for (const name of SYSTEMS) {
  kills[name] = await killToServe(name, { kills: settings.kills, gapMs: settings.gapMs });
  log(`  ${name}: ${kills[name].times.map((t) => (t === null ? 'none' : Math.round(t))).join(', ')} ms`);
}

log(`hello throughput, ${loader.command}, ${settings.rounds} × ${settings.seconds} s each … (${elapsed()})`);
const http = await throughput([...SYSTEMS, ...THROUGHPUT_EXTRAS], loader, { ...settings, log });

log(`messenger (${settings.messengerRuns} runs each) … (${elapsed()})`);
const msg = Object.fromEntries(MESSENGER_SYSTEMS.map((name) => [name, []]));
for (let i = 0; i < settings.messengerRuns; i++) {
  for (const name of MESSENGER_SYSTEMS) msg[name].push(await messenger(name));
}

const bareStartMs = (bareBefore + bareNodeStart()) / 2;
// Node 20 reads NODE_EXTRA_CA_CERTS as every process starts: where it is set, each process of every system pays it.
const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...withoutCaCerts } = process.env;
const caCertsStartMs = extraCaCerts === undefined ? null : bareNodeStart(10, withoutCaCerts);
const busyAfter = await busyShare();
const run = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node.js ${process.version}`,
  loader: { name: loader.name, version: loader.version, command: loader.command },
  settings,
  bare: { startMs: bareStartMs, rssMb: bareRss, withoutExtraCaCertsMs: caCertsStartMs },
  // The 1-minute load average, for the record: the benchmark's own load is in it.
  load: { before: loadBefore, after: loadavg()[0] },
  // Linux's autogroup: when on, the kernel shares the CPU between sessions first (see page.mjs).
  autogroup: autogroupEnabled(),
  // The CPU share other work took in 2 s of quiet before the first system started and after the last stopped.
  busy: { before: busyBefore, after: busyAfter },
  cold,
  kills,
  http,
  msg,
  seconds: Math.round((performance.now() - began) / 1000),
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/last-run.json`, `${JSON.stringify(run, null, 2)}\n`);
const { markdown, svg, summary } = page(run);
log(`\n${summary}`);
if (QUICK) log(`\nQUICK run in ${run.seconds} s: docs/benchmarks.md left as it was (bench/results/last-run.json has the figures)`);
else {
  writeFileSync(`${root}docs/benchmarks.md`, markdown);
  writeFileSync(`${root}docs/benchmarks.svg`, svg);
  log(`\nwritten docs/benchmarks.md and docs/benchmarks.svg in ${run.seconds} s`);
}
process.exit(0);
