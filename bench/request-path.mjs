#!/usr/bin/env node
/**
 * What Brood's request path costs over bare koa, in figures that hold on a
 * loaded machine: CPU time and bytes allocated per request, in ONE server
 * process that hosts every variant on a port of its own (the same V8, the
 * same heap, the same machine noise), loaded in turn by the load generator
 * and measured with `process.cpuUsage()` and V8's GC profiler around each
 * load. Rounds rotate the order; the figures are medians, and the ratio to
 * koa is taken within each round.
 *
 * Variants (VARIANTS=…, comma-separated):
 * - `koa`: koa + @koa/router, the handler of bench/baselines/koa-app.cjs;
 * - `brood`: the same handler behind Brood's front as a worker builds it
 *   (`builtins` of @brood/worker: request id, error handler, body parser,
 *   context logger; the serving gate), every default on;
 * - `brood-echo`: the same with `requestId.echo: true`;
 * - `brood@<dir>`: Brood's front from another build of packages/worker/dist
 *   (an older one copied aside), to compare before and after a change.
 *
 *   node bench/request-path.mjs                         # koa, brood; 5 rounds of 3 s
 *   VARIANTS=koa,brood,brood@/tmp/old-dist ROUNDS=7 SECONDS=4 node bench/request-path.mjs
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { median } from './lib.mjs';
import { loadGenerator } from './load.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const HELLO = (ctx) => {
  ctx.set('x-worker', String(process.pid));
  ctx.body = 'hello world';
};

/** Builds one variant's request listener, in the server process. */
async function variantListener(label) {
  // `koa#2`: a second copy of a variant, to see the noise of an A/A comparison.
  const name = label.split('#')[0];
  const fromWorker = createRequire(new URL('../packages/worker/package.json', import.meta.url));
  const Koa = fromWorker('koa');
  const Router = fromWorker('@koa/router');
  const koa = new Koa();
  const router = new Router();
  router.get('/', HELLO);
  if (name === 'koa') {
    koa.use(router.routes()).use(router.allowedMethods());
    return { listener: koa.callback() };
  }
  const [kind, dir] = name.split('@');
  const worker = await import(pathToFileURL(`${dir ?? `${root}packages/worker/dist`}/index.js`).href);
  const { createLogger } = await import(`${root}packages/core/dist/index.js`);
  const logger = createLogger({ role: 'worker', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const config = kind === 'brood-echo' ? { requestId: { echo: true } } : {};
  worker.applyProxy(koa, config);
  worker.installContextLogger(koa, logger);
  const front = worker.builtins(koa, config, { env: 'prod', logger });
  if (front.handler.length === 1) {
    // This build: the front adds the router and the 404 itself, as the worker's serve() does.
    return { gated: new worker.GatedServer(front.handler(router)) };
  }
  // Builds before: the worker's serve() of that time.
  koa.use(router.routes()).use(router.allowedMethods()).use(worker.notFound);
  return { gated: new worker.GatedServer(front.handler()) };
}

/** The server process: every variant on a port, measured between `begin` and `end` from the parent. */
async function serve(names) {
  const { createServer } = await import('node:http');
  const ports = {};
  for (const name of names) {
    const built = await variantListener(name);
    const server = built.gated?.server ?? createServer(built.listener);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    built.gated?.open();
    ports[name] = server.address().port;
  }
  let cpu;
  let profiler;
  let usedAtStart;
  process.on('message', (message) => {
    if (message === 'begin') {
      profiler = new v8.GCProfiler();
      profiler.start();
      usedAtStart = v8.getHeapStatistics().used_heap_size;
      cpu = process.cpuUsage();
      process.send({ begun: true });
      return;
    }
    const used = process.cpuUsage(cpu);
    const usedAtEnd = v8.getHeapStatistics().used_heap_size;
    const { statistics } = profiler.stop();
    // Allocated = what each GC found in use minus what the previous one left, plus the tail since the last GC.
    let allocated = 0;
    let base = usedAtStart;
    for (const gc of statistics) {
      allocated += gc.beforeGC.heapStatistics.usedHeapSize - base;
      base = gc.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += usedAtEnd - base;
    process.send({ cpuUs: used.user + used.system, allocated, gcs: statistics.length });
  });
  process.send({ ports });
}

function ask(child, message, key) {
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (!(key in reply)) return;
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function main() {
  const names = (process.env.VARIANTS ?? 'koa,brood').split(',');
  const rounds = Number(process.env.ROUNDS ?? 5);
  const seconds = Number(process.env.SECONDS ?? 3);
  const log = (text) => process.stdout.write(`${text}\n`);
  const loader = loadGenerator({ connections: Number(process.env.CONNECTIONS ?? 50), log });
  // One process, no cluster: pinned to nothing, it shares the machine with wrk and whatever else runs.
  const child = fork(new URL(import.meta.url), ['--serve', ...names], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { ports } = await new Promise((resolve) => child.once('message', resolve));
  const url = (name) => `http://127.0.0.1:${ports[name]}/`;
  log(`request path, one server process, ${loader.name} ${loader.command}, ${rounds} rounds × ${seconds} s per variant`);
  for (const name of names) await loader.run(url(name), 2);
  const figures = Object.fromEntries(names.map((name) => [name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length];
        await ask(child, 'begin', 'begun');
        const load = await loader.run(url(name), seconds);
        const measured = await ask(child, 'end', 'cpuUs');
        const entry = {
          reqPerSec: load.reqPerSec,
          p99Ms: load.p99Ms,
          cpuUsPerReq: measured.cpuUs / load.requests,
          bytesPerReq: measured.allocated / load.requests,
        };
        figures[name].push(entry);
        log(
          `  round ${round + 1} ${name.padEnd(12)} ${Math.round(entry.reqPerSec).toString().padStart(6)} req/s  p99 ${entry.p99Ms.toFixed(2).padStart(6)} ms  ${entry.cpuUsPerReq.toFixed(2).padStart(6)} µs CPU/req  ${Math.round(entry.bytesPerReq).toString().padStart(6)} B/req`,
        );
      }
    }
  } finally {
    child.kill('SIGKILL');
  }
  log('\nmedians (ratio to the first variant within each round, then the median of those):');
  const first = figures[names[0]];
  for (const name of names) {
    const own = figures[name];
    const ratio = (key) => median(own.map((entry, i) => entry[key] / first[i][key])).toFixed(3);
    log(
      `  ${name.padEnd(14)} ${Math.round(median(own.map((e) => e.reqPerSec)))
        .toString()
        .padStart(
          6,
        )} req/s (${ratio('reqPerSec')})  p99 ${median(own.map((e) => e.p99Ms)).toFixed(2)} ms (${ratio('p99Ms')})  ${median(own.map((e) => e.cpuUsPerReq)).toFixed(2)} µs CPU/req (${ratio('cpuUsPerReq')})  ${Math.round(median(own.map((e) => e.bytesPerReq)))} B/req (${ratio('bytesPerReq')})`,
    );
  }
  process.exit(0);
}

if (process.argv[2] === '--serve') await serve(process.argv.slice(3));
else await main();
