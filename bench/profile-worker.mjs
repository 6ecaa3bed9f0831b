#!/usr/bin/env node
/**
 * Where a worker's time goes per request: starts Brood (`brood start` of
 * bench/fixtures/throughput, 2 workers, every default on) and then the
 * koa-cluster baseline, each under `--cpu-prof` and `--trace-gc-nvp`
 * (passed to the workers through the master's execArgv), loads each with
 * the benchmark's load generator for DURATION seconds, stops it gracefully
 * so that the workers write their profiles, and prints:
 * - per group — node internals (node:*, native code), V8's garbage
 *   collector, koa (koa, @koa/router and their dependencies), pino, Brood's
 *   own code, the app — the workers' self time in µs per request;
 * - the bytes the workers allocated per request (the `allocated=` of every
 *   GC V8 traced during the load);
 * - the functions with the most self time in Brood's workers, each with its
 *   group and source (Brood's bundles are mapped back through their source maps);
 * - the response headers each one sends.
 *
 *   node bench/profile-worker.mjs                 # Brood and koa-cluster, 10 s each
 *   DURATION=5 TOP=40 node bench/profile-worker.mjs
 *   SYSTEMS=brood node bench/profile-worker.mjs   # Brood alone
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, kill, launch, sleep } from './lib.mjs';
import { loadGenerator } from './load.mjs';
import { servedBy } from './measure.mjs';
import { treeOf } from './proc.mjs';
import { broodArgs } from './systems.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.DURATION ?? 10);
const TOP = Number(process.env.TOP ?? 25);
const NAMES = process.env.SYSTEMS?.split(',') ?? ['brood', 'koa'];
const GROUPS = ['node internals', 'garbage collector', 'koa', 'pino', 'Brood', 'app', 'other'];
const log = (text = '') => process.stdout.write(`${text}\n`);

const commands = {
  brood: (port) => broodArgs('throughput', port, `profile-${port}`),
  koa: () => [`${root}bench/baselines/koa-cluster.mjs`],
};

/** The response headers of `GET /`. */
function headersOf(url) {
  return new Promise((done, fail) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.rawHeaders));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', fail);
    req.end();
  });
}

/** Source maps of the bundles a profile names, loaded once each. */
const maps = new Map();
function sourceOf(url, line, column) {
  if (!url.startsWith('file://')) return url;
  const file = fileURLToPath(url);
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    // Only Brood's bundles: a package's own map would point at sources it does not ship.
    const bundled = file.endsWith('.bundle.cjs') && existsSync(mapFile);
    maps.set(file, bundled ? { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))), dir: dirname(mapFile) } : null);
  }
  const bundle = maps.get(file);
  if (bundle === null) return `${file}:${line + 1}`;
  const entry = bundle.map.findEntry(line, column);
  if (entry?.originalSource === undefined) return file;
  return `${resolve(bundle.dir, entry.originalSource)}:${entry.originalLine + 1}`;
}

const PACKAGE = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//;
const PINO =
  /^(pino|pino-[\w-]+|sonic-boom|thread-stream|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify|fast-redact|real-require|process-warning|@pinojs\/.*)$/;

function groupOf(functionName, source) {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (source === '' || source.startsWith('node:') || functionName === '(program)' || functionName === '(root)') return 'node internals';
  const pkg = PACKAGE.exec(source)?.[1];
  if (pkg !== undefined) return PINO.test(pkg) ? 'pino' : 'koa';
  if (source.includes('/.brood/build/') || source.includes('/bench/fixtures/') || source.includes('/bench/baselines/')) return 'app';
  if (source.includes(`${root}packages/`)) return 'Brood';
  return 'other';
}

/**
 * Self and total time of every function of one profile, idle time left
 * out: self is where the sample was taken, total counts the function once
 * per sample it is anywhere on the stack of (what it costs with everything
 * it calls).
 */
function functionTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const keys = new Map();
  const functions = new Map();
  const keyOf = (id) => {
    if (!keys.has(id)) {
      const { functionName, url, lineNumber, columnNumber } = byId.get(id).callFrame;
      const source = sourceOf(url, lineNumber, columnNumber);
      const key = `${functionName}@${source}`;
      if (!functions.has(key)) {
        functions.set(key, { name: functionName || '(anonymous)', source, group: groupOf(functionName, source), us: 0, totalUs: 0 });
      }
      keys.set(id, key);
    }
    return keys.get(id);
  };
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    if (byId.get(samples[i]).callFrame.functionName === '(idle)') continue;
    // A sample's time is the gap to the next one.
    const us = timeDeltas[i + 1] ?? 0;
    functions.get(keyOf(samples[i])).us += us;
    const onStack = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) onStack.add(keyOf(id));
    for (const key of onStack) functions.get(key).totalUs += us;
  }
  return functions;
}

/** Sums the `allocated=` bytes of the GCs traced by `pids` between two points of the output. */
function allocatedBytes(lines, pids) {
  let bytes = 0;
  for (const line of lines) {
    const pid = Number(/^\[(\d+):/.exec(line)?.[1]);
    if (pids.has(pid)) bytes += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return bytes;
}

async function profile(name, loader) {
  const dir = mkdtempSync(join(tmpdir(), `brood-profile-${name}-`));
  const port = await freePort();
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250', '--trace-gc-nvp'];
  if (name === 'koa') {
    // The cluster script's workers die of the SIGTERM its master sends them, and a process
    // killed by a signal writes no profile: there they exit on it instead.
    writeFileSync(
      join(dir, 'exit-on-sigterm.cjs'),
      "if (require('node:cluster').isWorker) process.on('SIGTERM', () => process.exit(0));\n",
    );
    flags.push('--require', join(dir, 'exit-on-sigterm.cjs'));
  }
  const args = [...flags, ...commands[name](port)];
  const child = launch(process.execPath, args, { PORT: String(port), WORKERS: '2', BROOD_ENV: 'prod' });
  const output = [];
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    output.push(...lines);
  });
  try {
    const url = `http://127.0.0.1:${port}/`;
    const workers = await servedBy(url, 2);
    const headers = await headersOf(url);
    const warmup = await loader.run(url, 2);
    const from = output.length;
    const result = await loader.run(url, DURATION);
    // Every request the profiled workers served, the warm-up's included.
    result.served = warmup.requests + result.requests;
    const allocated = allocatedBytes(output.slice(from), workers);
    // A graceful stop: the workers exit on their own and write their profiles.
    const tree = treeOf(child.pid);
    process.kill(child.pid, 'SIGTERM');
    const deadline = performance.now() + 20_000;
    const files = () => readdirSync(dir).filter((f) => [...workers].some((pid) => f.includes(`.${pid}.`)));
    while (
      files().length < workers.size ||
      tree.some((pid) => existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`).length > 0)
    ) {
      if (performance.now() > deadline)
        throw new Error(`${name}: the workers wrote ${files().length} of ${workers.size} profiles within 20 s`);
      await sleep(50);
    }
    const functions = new Map();
    let profiledUs = 0;
    for (const file of files()) {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      for (const [key, entry] of functionTimes(data)) {
        const sum = functions.get(key) ?? { ...entry, us: 0, totalUs: 0 };
        sum.us += entry.us;
        sum.totalUs += entry.totalUs;
        functions.set(key, sum);
      }
      profiledUs += data.endTime - data.startTime;
    }
    return { name, result, functions: [...functions.values()], allocated, headers, profiledUs };
  } finally {
    kill(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const loader = loadGenerator({ log });
log(`profiling ${NAMES.join(', ')}: 2 workers, ${loader.name} ${loader.command}, ${DURATION} s each (after a 2 s warm-up)\n`);
const runs = {};
for (const name of NAMES) {
  runs[name] = await profile(name, loader);
  const r = runs[name].result;
  log(`${name}: ${Math.round(r.reqPerSec)} req/s under the profiler, ${r.requests} requests, p99 ${r.p99Ms.toFixed(2)} ms`);
}

// The profiles cover the whole life of each worker, boot included: its share is small against the load's.
const perRequest = (run, us) => us / run.result.served;
log("\nworkers' self time per request, µs (both workers, the whole profile over every request they served):");
// On a shared machine the µs swing with the load from run to run; the shares of the busy time hold better.
log(
  `  ${'group'.padEnd(18)}${NAMES.map((n) => n.padStart(10)).join('')}${NAMES.length === 2 ? '      diff' : ''}   ${NAMES.map((n) => `${n} %`.padStart(9)).join('')}`,
);
const busy = NAMES.map((name) => runs[name].functions.reduce((sum, f) => sum + f.us, 0));
for (const group of [...GROUPS, 'total']) {
  const us = NAMES.map((name) =>
    runs[name].functions.filter((f) => group === 'total' || f.group === group).reduce((sum, f) => sum + f.us, 0),
  );
  const values = us.map((v, i) => perRequest(runs[NAMES[i]], v));
  const diff = values.length === 2 ? (values[0] - values[1]).toFixed(2).padStart(10) : '';
  const shares = us.map((v, i) => `${((100 * v) / busy[i]).toFixed(1)}%`.padStart(9)).join('');
  log(`  ${group.padEnd(18)}${values.map((v) => v.toFixed(2).padStart(10)).join('')}${diff}   ${shares}`);
}
log('\nbytes allocated per request by the workers (GC trace):');
for (const name of NAMES) log(`  ${name.padEnd(8)} ${Math.round(runs[name].allocated / runs[name].result.requests)} B`);

for (const name of NAMES) {
  const run = runs[name];
  const total = run.functions.reduce((sum, f) => sum + f.us, 0);
  log(`\n${name}: top ${TOP} functions by self time (${(total / 1000).toFixed(0)} ms busy in the workers)`);
  for (const f of [...run.functions].sort((a, b) => b.us - a.us).slice(0, TOP)) {
    const where = f.source.startsWith(root)
      ? relative(root, f.source).replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      : f.source;
    log(
      `  ${((100 * f.us) / total).toFixed(1).padStart(5)}%  ${perRequest(run, f.us).toFixed(2).padStart(6)} µs/req  ${f.group.padEnd(17)} ${f.name}  ${where}`,
    );
  }
  for (const group of ['Brood', 'pino']) {
    const mine = run.functions
      .filter((f) => f.group === group && perRequest(run, f.totalUs) >= 0.001)
      .sort((a, b) => b.totalUs - a.totalUs);
    if (mine.length === 0) continue;
    log(`  — ${group}'s functions with any time: self and total (with all they call) µs/req, total % of the busy time:`);
    for (const f of mine) {
      const share = `${((100 * f.totalUs) / total).toFixed(1)}%`.padStart(7);
      log(
        `    ${perRequest(run, f.us).toFixed(3).padStart(7)} ${perRequest(run, f.totalUs).toFixed(3).padStart(8)} ${share}  ${f.name}  ${relative(root, f.source)}`,
      );
    }
  }
}
if (NAMES.length === 2) {
  // The same function in both, by package path and line (the bundle maps back to them), the name without a bundler's suffix.
  const keyOf = (f) => `${f.name.replace(/\d+$/, '')} ${f.source.replace(/^.*node_modules\//, '').replace(root, '')}`;
  const sums = NAMES.map((name) => {
    const map = new Map();
    for (const f of runs[name].functions) map.set(keyOf(f), (map.get(keyOf(f)) ?? 0) + perRequest(runs[name], f.us));
    return map;
  });
  const keys = new Set([...sums[0].keys(), ...sums[1].keys()]);
  const diffs = [...keys]
    .map((key) => [key, (sums[0].get(key) ?? 0) - (sums[1].get(key) ?? 0)])
    .filter(([key]) => !/^\((program|garbage collector)\)/.test(key));
  diffs.sort((a, b) => b[1] - a[1]);
  log(`\nself time ${NAMES[0]} − ${NAMES[1]}, µs/req, the functions that differ most (native and GC left out):`);
  for (const [key, diff] of [...diffs.slice(0, 15), ...diffs.slice(-5)]) log(`  ${diff.toFixed(2).padStart(7)}  ${key}`);
}

// Whole steps of a request, with everything they call: where Brood's path and koa's part.
const STEPS = [
  ['parserOnIncoming', 'node:_http_server', 'node hands the parsed request over (all the synchronous work of a request)'],
  ['handleRequest', 'koa/lib/application.js', "koa's handler: context, middleware, respond"],
  ['respond', 'koa/lib/application.js', "koa's respond: headers and body out"],
  ['createContext', 'koa/lib/application.js', "koa's context objects"],
];
log('\nsteps of a request, total µs/req (with all they call):');
for (const [fn, where, what] of STEPS) {
  const values = NAMES.map((name) => {
    const run = runs[name];
    // The bundler may suffix a name with a digit (respond → respond2).
    const us = run.functions
      .filter((f) => new RegExp(`^${fn}\\d*$`).test(f.name) && f.source.includes(where))
      .reduce((sum, f) => sum + f.totalUs, 0);
    return `${name} ${perRequest(run, us).toFixed(2)}`;
  });
  log(`  ${fn.padEnd(17)} ${values.join('   ')}   ${what}`);
}

log('\nresponse headers of GET /:');
for (const name of NAMES) {
  const h = runs[name].headers;
  const pairs = [];
  for (let i = 0; i < h.length; i += 2) pairs.push(`${h[i]}: ${h[i + 1]}`);
  log(`  ${name}: ${pairs.join(' | ')}`);
}
process.exit(0);
