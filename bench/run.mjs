#!/usr/bin/env node
/**
 * Runs every benchmark side by side with the alternatives, in one run, and
 * writes docs/benchmarks.md:
 * - cold start: spawn → every worker answered an HTTP request — Brood, a
 *   raw `cluster` script serving the same koa handler, and Egg;
 * - messenger: agent → all workers → agent round trips (p50/p99 of 1,000,
 *   early and steady) and a burst of 10,000 broadcasts — Brood, a
 *   hand-rolled relay (one process.send per message), and Egg's messenger;
 * - HTTP throughput: hello world, 2 workers, keep-alive — Brood, raw
 *   cluster and Egg (bench/http.bench.mjs).
 *
 * Egg is installed into bench/egg/node_modules on the first run, from its
 * own committed lockfile (npm ci), outside the workspace.
 *
 *   npx -y pnpm@12.4.2 bench        (builds first)
 *   QUICK=1 node bench/run.mjs      (fewer runs)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { kill, launch, median, quantile, waitLine, workerOf } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.QUICK === '1';
const COLD_RUNS = QUICK ? 4 : 10;
const MESSENGER_RUNS = QUICK ? 1 : 3;
/** What Egg measured on a machine of this class, as the issue quotes it. */
const EGG_QUOTED = { coldMs: 1746, p50: 0.32, p99: 2.6, burst: 46_000 };
const TARGET = { coldMs: 350, p99: 1.3, burst: 92_000, throughput: 0.95, eggTimes: 3 };
const log = (text) => process.stdout.write(`${text}\n`);

if (!existsSync(`${root}bench/egg/node_modules/egg`)) {
  log('installing Egg into bench/egg …');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: `${root}bench/egg`,
    stdio: 'inherit',
    timeout: 300_000,
  });
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const brood = (app, port, title) =>
  launch(
    process.execPath,
    [
      `${root}packages/brood/bin/brood.js`,
      'start',
      `${root}bench/fixtures/${app}`,
      '--port',
      String(port),
      '--workers',
      '2',
      '--title',
      title,
    ],
    {
      BROOD_ENV: 'prod',
    },
  );

/** Cold-start commands: each serves the same hello handler on `port` with 2 workers. */
const servers = {
  brood: (port) => brood('throughput', port, `cold-${port}`),
  raw: (port) => launch(process.execPath, [`${root}bench/baselines/koa-cluster.mjs`], { PORT: String(port), WORKERS: '2' }),
  egg: (port) => launch(process.execPath, [`${root}bench/egg/start.js`], { PORT: String(port), EGG_SERVER_ENV: 'prod' }),
};

/** Spawn → both workers answered, in ms. */
async function coldStart(name) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const started = performance.now();
  const child = servers[name](port);
  child.stdout.resume();
  const seen = new Set();
  try {
    while (seen.size < 2) {
      if (performance.now() - started > 30_000) throw new Error(`${name}: workers did not answer within 30 s`);
      const pid = await workerOf(url);
      if (pid === null) await new Promise((resolve) => setTimeout(resolve, 2));
      else seen.add(pid);
    }
    return performance.now() - started;
  } finally {
    kill(child);
  }
}

/** Messenger commands: each prints one `{ event: 'bench', bench }` line. */
const messengers = {
  brood: async () => brood('messenger', await freePort(), `msg-${process.pid}`),
  raw: async () => launch(process.execPath, [`${root}bench/baselines/raw-relay.mjs`]),
  egg: async () =>
    launch(process.execPath, [`${root}bench/egg/start.js`], {
      PORT: String(await freePort()),
      EGG_BENCH_MESSENGER: '1',
      EGG_SERVER_ENV: 'prod',
    }),
};

async function messenger(name) {
  const child = await messengers[name]();
  try {
    return (await waitLine(child, (line) => line.event === 'bench', 60_000)).bench;
  } finally {
    kill(child);
  }
}

const NAMES = ['brood', 'raw', 'egg'];
const round = (value, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/** ms to spawn a bare `node -e 0` and see it exit: how fast this machine starts a process right now. */
function bareNode() {
  const times = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - started);
  }
  return median(times);
}

const bareBefore = bareNode();
log('cold start …');
const cold = { brood: [], raw: [], egg: [] };
for (let i = 0; i < COLD_RUNS; i++) {
  // Rotate the order so that machine noise falls on every contender alike.
  for (let j = 0; j < NAMES.length; j++) {
    const name = NAMES[(i + j) % NAMES.length];
    cold[name].push(await coldStart(name));
  }
}
log('messenger …');
const msg = { brood: [], raw: [], egg: [] };
for (let i = 0; i < MESSENGER_RUNS; i++) {
  for (const name of NAMES) msg[name].push(await messenger(name));
}
log('http throughput …');
const http = JSON.parse(
  execFileSync(process.execPath, [`${root}bench/http.bench.mjs`], {
    env: { ...process.env, JSON: '1', ROUNDS: QUICK ? '2' : '5', DURATION: QUICK ? '3' : '5' },
    encoding: 'utf8',
    timeout: 300_000,
  }),
);

const m = (name, phase, key) => median(msg[name].map((r) => (phase === null ? r[key] : r[phase][key])));
const figure = (pick) => Object.fromEntries(NAMES.map((name) => [name, pick(name)]));
const f = {
  coldMedian: figure((n) => median(cold[n])),
  coldP90: figure((n) => quantile(cold[n], 0.9)),
  earlyP50: figure((n) => m(n, 'early', 'p50')),
  earlyP99: figure((n) => m(n, 'early', 'p99')),
  p50: figure((n) => m(n, 'steady', 'p50')),
  p90: figure((n) => m(n, 'steady', 'p90')),
  p99: figure((n) => m(n, 'steady', 'p99')),
  burst: figure((n) => m(n, null, 'burstPerSec')),
};
const verdict = (ok) => (ok ? 'met' : 'missed');
// For times, how many times faster Brood is; for rates, how many times more.
const faster = (row, name) => round(row[name] / row.brood, 2);
const more = (row, name) => round(row.brood / row[name], 2);
const rows = [
  [
    'cold start, median (ms)',
    f.coldMedian,
    0,
    faster,
    EGG_QUOTED.coldMs,
    `≤ ${TARGET.coldMs}: ${verdict(f.coldMedian.brood <= TARGET.coldMs)}`,
  ],
  ['cold start, p90 (ms)', f.coldP90, 0, faster, '', ''],
  ['round trip p50, steady (ms)', f.p50, 3, faster, EGG_QUOTED.p50, ''],
  ['round trip p90, steady (ms)', f.p90, 3, faster, '', ''],
  ['round trip p99, steady (ms)', f.p99, 3, faster, EGG_QUOTED.p99, `≤ ${TARGET.p99}: ${verdict(f.p99.brood <= TARGET.p99)}`],
  ['round trip p50, early (ms)', f.earlyP50, 3, faster, '', ''],
  ['round trip p99, early (ms)', f.earlyP99, 3, faster, '', `≤ ${TARGET.p99}: ${verdict(f.earlyP99.brood <= TARGET.p99)}`],
  ['burst of 10,000 (msg/s)', f.burst, 0, more, EGG_QUOTED.burst, `≥ ${TARGET.burst}: ${verdict(f.burst.brood >= TARGET.burst)}`],
].map(([label, row, digits, ratio, quoted, target]) => [
  label,
  round(row.brood, digits),
  round(row.raw, digits),
  round(row.egg, digits),
  ratio(row, 'raw'),
  ratio(row, 'egg'),
  quoted,
  target,
]);
rows.push([
  'hello world (req/s)',
  http.broodReqPerSec,
  http.rawReqPerSec,
  http.eggReqPerSec ?? '',
  round(http.ratio, 2),
  http.eggRatio ?? '',
  '',
  `≥ ${TARGET.throughput}× raw: ${verdict(http.ratio >= TARGET.throughput)}; ≥ ${TARGET.eggTimes}× Egg: ${verdict(http.eggRatio !== null && http.eggRatio >= TARGET.eggTimes)}`,
]);

const table = [
  '| figure | Brood | raw cluster | Egg 3.9 | Brood vs raw | Brood vs Egg | Egg (quoted) | target |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
log(table);

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node.js ${process.version}`;
const bare = round((bareBefore + bareNode()) / 2);
writeFileSync(
  `${root}docs/benchmarks.md`,
  `# Benchmarks

Written by \`bench/run.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Every figure is measured in the same run as the alternatives; ratios matter more
than absolute numbers on a shared machine. How fast the machine was: a bare
\`node -e 0\` took ${bare} ms (median of 10, before and after the run); each
process of a cluster pays that much before any code of its own runs, and the
cold start of Brood starts three in a row (master, agent, workers). Run it
yourself:

\`\`\`
npx -y pnpm@12.4.2 install && npx -y pnpm@12.4.2 bench
\`\`\`

${table}

"Brood vs …" is how many times faster (times) or how many times more (rates)
Brood is: above 1 is better. "Egg (quoted)" is the figure Egg was measured at
on a machine of the same class, as a reference beside the Egg run of this table.
The targets were set from those quoted figures. In this run Egg's cold start
took ${round(f.coldMedian.egg)} ms against the ${EGG_QUOTED.coldMs} ms quoted: the machine started processes
${round(f.coldMedian.egg / EGG_QUOTED.coldMs, 2)} times as slowly as when the targets were set, and the cold-start
target of ${TARGET.coldMs} ms scales to ${round((TARGET.coldMs * f.coldMedian.egg) / EGG_QUOTED.coldMs)} ms (Brood: ${round(f.coldMedian.brood)} ms).

## What is measured

- **Cold start**: from spawning the command to both workers having answered an
  HTTP request on a fresh connection (${COLD_RUNS} runs each, order rotated). Brood: \`brood start\`
  of \`bench/fixtures/throughput\` with 2 workers (master, agent, workers; the app compiled
  from TypeScript — a cached build after the first run). Raw cluster: \`bench/baselines/koa-cluster.mjs\`,
  the same koa handler, no agent. Egg: \`bench/egg\` (egg 3.9.1, \`startCluster\`, 2 workers, agent).
- **Messenger round trip**: the agent sends to every worker and waits until both answered,
  1,000 times in sequence, twice: *early*, after 300 warm-up round trips (the first
  half-second of traffic after start-up), and *steady*, after 5,000 more; p50, p90 and p99
  (median of ${MESSENGER_RUNS} runs). Raw: \`bench/baselines/raw-relay.mjs\`, a master relaying
  every message with one \`process.send\` per message. Egg: the same loop with
  \`agent.messenger.sendToApp\`. All three run the same phases.
- **Burst**: 10,000 sends to every worker in one synchronous loop in the agent, timed until
  both workers received all of them. Brood sends what one tick produced for one process in one write.
- **HTTP throughput**: \`bench/http.bench.mjs\`, autocannon with 50 keep-alive connections
  against 2 workers: Brood and the raw cluster serve the same koa + @koa/router handler,
  Brood with every default middleware on (request id, error handler, body parser); Egg
  answers the same text from a controller with its own defaults. Median of ${QUICK ? 2 : 5}
  rounds, the order rotated.

## The round-trip tail

In the first second of traffic after start-up, the slowest round trip in a
hundred takes several milliseconds, for Brood, the raw relay and Egg alike;
once the path is warm it falls to about half a millisecond for all three. The
early tail is V8 at work, not the messenger: each of the four processes a
round trip wakes (agent, master, two workers) is optimising the functions on
the message path, and on two cores those compilations and the deoptimisations
that follow them stall a round trip now and then. \`node bench/ipc-warmup.mjs\`
shows it with nothing of Brood in it, on a two-process ping-pong over Node's
IPC: about 30 round trips in 20,000 take over 1 ms, nearly all of them in the
first 300 ms; with V8's optimising compiler off (\`--no-opt\`), about 5 do. A
long-running app lives in the steady phase; the early row shows what its
first second costs.

Raw runs (ms): cold start Brood ${cold.brood.map((v) => round(v)).join(', ')}; raw ${cold.raw.map((v) => round(v)).join(', ')}; Egg ${cold.egg.map((v) => round(v)).join(', ')}.
`,
);
log('\nwritten docs/benchmarks.md');
process.exit(0);
