#!/usr/bin/env node
/**
 * What clients see while workers are killed: fresh connections opened in a
 * loop (one request each, `Connection: close`, 3 s timeout) against a Brood
 * app whose workers are SIGKILLed one after the other. Counts answers,
 * refused and reset connections, and hangs (no answer within 3 s); measures
 * the time from each kill to the first answer of the worker that replaced
 * it; counts the CLOSE_WAIT sockets the master holds at the end.
 *
 *   node bench/crash-probes.mjs --workers 1 --sched rr --kills 5 --gap 1000
 *   node bench/crash-probes.mjs --workers 2 --sched none --kills 20 --gap 300 --concurrency 8
 *
 * The figures of docs/cluster.md come from it (after `pnpm run build`).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kill, launch, waitLine } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1' },
    sched: { type: 'string', default: 'rr' },
    kills: { type: 'string', default: '5' },
    gap: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    timeout: { type: 'string', default: '3000' },
    port: { type: 'string', default: '0' },
    spare: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const WORKERS = Number(values.workers);
const KILLS = Number(values.kills);
const GAP_MS = Number(values.gap);
const CONCURRENCY = Number(values.concurrency);
const TIMEOUT_MS = Number(values.timeout);
const log = (text) => process.stderr.write(`${text}\n`);

/** One GET on a fresh connection: the pid that answered, or what went wrong. */
function probe(url) {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (outcome, pid = null) => resolve({ outcome, pid, at: started, ms: performance.now() - started });
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`, Number(res.headers['x-worker'])));
      res.on('error', () => done('reset'));
    });
    req.setTimeout(TIMEOUT_MS, () => {
      req.destroy();
      done('hang');
    });
    req.on('error', (error) => {
      if (error.code === 'ECONNREFUSED') done('refused');
      else if (!req.destroyed || error.code !== 'ECONNRESET' || performance.now() - started < TIMEOUT_MS) done('reset');
    });
    req.end();
  });
}

/** Sockets in CLOSE_WAIT (peer gone, never closed here) held by `pid`. */
function closeWaitHeldBy(pid) {
  const closeWait = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      if (fields[3] === '08') closeWait.add(fields[9]);
    }
  }
  let held = 0;
  let fds = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null; // the master is gone
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null && closeWait.has(match[1])) held += 1;
    } catch {}
  }
  return held;
}

// With spares, a copy of the app whose package.json asks for them.
let app = `${root}bench/fixtures/throughput`;
if (Number(values.spare) > 0) {
  app = mkdtempSync(join(tmpdir(), 'brood-spare-'));
  cpSync(`${root}bench/fixtures/throughput/app`, join(app, 'app'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'spare', private: true, type: 'module', brood: { spareWorkers: Number(values.spare) } }),
  );
  process.on('exit', () => rmSync(app, { recursive: true, force: true }));
}
const master = launch(process.execPath, [
  `${root}packages/brood/bin/brood.js`,
  'start',
  app,
  '--port',
  values.port,
  '--workers',
  String(WORKERS),
  '--sched',
  values.sched,
  '--title',
  `crash-probes-${process.pid}`,
]);
const masterLines = [];
master.stdout.setEncoding('utf8');
const started = await waitLine(master, (line) => line.event === 'started');
master.stdout.on('data', (chunk) => {
  for (const line of chunk.split('\n')) {
    try {
      masterLines.push(JSON.parse(line));
    } catch {}
  }
});
const url = `${started.url}/`;
const results = [];
const seen = new Set(started.workers);
let running = true;
const loops = Array.from({ length: CONCURRENCY }, async () => {
  while (running) {
    const result = await probe(url);
    results.push(result);
    if (result.pid !== null) seen.add(result.pid);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
});

// Every loop answered once before the first kill.
while (results.filter((r) => r.outcome === 'ok').length < CONCURRENCY) await new Promise((resolve) => setTimeout(resolve, 5));
// The workers run a gap's time before the first kill too, as they do before every other.
await new Promise((resolve) => setTimeout(resolve, GAP_MS));
const alive = new Set(started.workers);
const killToServe = [];
for (let k = 0; k < KILLS; k++) {
  const victim = [...alive][0];
  alive.delete(victim);
  const before = new Set(seen);
  const killedAt = performance.now();
  process.kill(victim, 'SIGKILL');
  const deadline = killedAt + 30_000;
  // A 30 s wait is long enough for any backoff; nothing answering by then is reported as null.
  let fresh;
  while (fresh === undefined && performance.now() < deadline) {
    fresh = results.find((r) => r.outcome === 'ok' && r.at + r.ms > killedAt && !before.has(r.pid));
    if (fresh === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (fresh === undefined) {
    // With --port 0 and one worker, a Node cluster master that lost its last worker binds a new port.
    log(`no new worker answered on ${url} within 30 s of kill ${k + 1}`);
    killToServe.push(null);
    break;
  }
  killToServe.push(Math.round(fresh.at + fresh.ms - killedAt));
  alive.add(fresh.pid);
  for (const pid of seen) if (!before.has(pid)) alive.add(pid);
  await new Promise((resolve) => setTimeout(resolve, GAP_MS));
}
running = false;
await Promise.all(loops);
const closeWait = closeWaitHeldBy(master.pid);
const waits = masterLines.filter((l) => typeof l.wait === 'number').map((l) => l.wait);
// A graceful stop removes the control files; past 10 s the group is killed.
master.kill('SIGTERM');
await Promise.race([new Promise((resolve) => master.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
kill(master);

const count = (outcome) => results.filter((r) => r.outcome === outcome).length;
const summary = {
  workers: WORKERS,
  spare: Number(values.spare),
  sched: values.sched,
  kills: KILLS,
  probes: results.length,
  ok: count('ok'),
  refused: count('refused'),
  reset: count('reset'),
  hangs: count('hang'),
  other: results.filter((r) => !['ok', 'refused', 'reset', 'hang'].includes(r.outcome)).length,
  killToServeMs: killToServe,
  restartWaitsMs: waits,
  masterCloseWait: closeWait,
};
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else log(JSON.stringify(summary, null, 1));
process.exit(0);
