#!/usr/bin/env node
/**
 * Cluster mode through a running app, as a user sees it: two instances of
 * test/fixtures/apps/cluster (1 worker each) started with `brood start` on
 * a redis-server of the bench's own, with the default settings (lease and
 * instance TTL 10 s).
 * - `request('leader')` from a worker: from the leader's own instance (IPC
 *   only) and from the other instance (through Redis), p50/p99 as measured
 *   inside the worker;
 * - failover: a graceful stop of the leader (lost → elected), kill -9 of the
 *   leader's master (its agent releases the lease as it exits), and kill -9
 *   of the leader's whole process tree (a dead host: the lease expires).
 *
 *   npx -y pnpm@12.4.2 run build && node bench/cluster-app.bench.mjs     (QUICK=1: fewer rounds)
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kill, killAll, launch, quantile, startRedis } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = process.env.QUICK === '1' ? 300 : 2000;
const log = (text) => process.stdout.write(`${text}\n`);
const ms = (values) => `p50 ${quantile(values, 0.5).toFixed(2)} ms, p99 ${quantile(values, 0.99).toFixed(2)} ms`;

const redis = await startRedis();
const dirs = [];
process.on('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture app with cluster mode on (defaults), started with `brood start`; its JSON log lines kept. */
function startInstance(name) {
  const dir = mkdtempSync(join(tmpdir(), 'brood-bench-cluster-'));
  dirs.push(dir);
  const source = join(root, 'test/fixtures/apps/cluster');
  cpSync(source, dir, { recursive: true, filter: (path) => !/\/(\.brood|run|logs|typings|node_modules)$/.test(path) });
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, brood: { cluster: { prefix: 'brood-bench-app:' } } }));
  const child = launch(
    process.execPath,
    [join(root, 'packages/brood/bin/brood.js'), 'start', dir, '--port', '0', '--workers', '1', '--title', name],
    {
      BROOD_REDIS_URL: redis.url,
      BROOD_ENV: 'test',
    },
  );
  const instance = { name, dir, child, lines: [], waiters: new Set() };
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
      try {
        instance.lines.push(JSON.parse(buffer.slice(0, newline)));
      } catch {}
      buffer = buffer.slice(newline + 1);
    }
    for (const wake of instance.waiters) wake();
  });
  return instance;
}

/** The first line of `instance` from index `from` on matching `match`; rejects after `timeout` ms. */
function waitFor(instance, match, what, timeout = 30_000, from = 0) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = instance.lines.slice(from).find(match);
      if (found === undefined) return;
      clearTimeout(timer);
      instance.waiters.delete(check);
      resolve(found);
    };
    const timer = setTimeout(() => {
      instance.waiters.delete(check);
      reject(new Error(`${instance.name}: no ${what} within ${timeout} ms`));
    }, timeout);
    instance.waiters.add(check);
    check();
  });
}

const leads = (instance) =>
  instance.lines.filter((l) => l.event === 'leader:elected' || l.event === 'leader:lost').at(-1)?.event === 'leader:elected';

async function started(instance) {
  instance.url = (await waitFor(instance, (l) => l.event === 'started', 'started line')).url;
  return instance;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
function askLeader(url) {
  return new Promise((resolve, reject) => {
    request(`${url}/leader`, { agent: keepAlive }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body).ms) : reject(new Error(body))));
    })
      .on('error', reject)
      .end();
  });
}

let instances = await Promise.all([started(startInstance('bench-a')), started(startInstance('bench-b'))]);
await Promise.race(instances.map((i) => waitFor(i, (l) => l.event === 'leader:elected', 'leader')));
const leader = instances.find(leads);
const other = instances.find((i) => i !== leader);
for (const [label, url] of [
  ["request('leader') from the leader's own worker (IPC)", leader.url],
  ["request('leader') from another instance's worker (Redis)", other.url],
]) {
  const times = [];
  for (let i = 0; i < 100; i++) await askLeader(url);
  for (let i = 0; i < ROUNDS; i++) times.push(await askLeader(url));
  log(`${label}: ${ms(times)}`);
}

/** Stops or kills the leader and resolves with the ms until the other instance is elected, by the log lines' clock. */
async function failover(how) {
  const from = instances.find(leads);
  const to = instances.find((i) => i !== from);
  const mark = to.lines.length;
  const fromMark = from.lines.length;
  const at = Date.now();
  if (how === 'graceful') launch(process.execPath, [join(root, 'packages/brood/bin/brood.js'), 'stop', from.dir, '--title', from.name]);
  else if (how === 'master') process.kill(from.child.pid, 'SIGKILL');
  else kill(from.child);
  const elected = await waitFor(to, (l) => l.event === 'leader:elected', 'election', 30_000, mark);
  const lost = how === 'graceful' ? await waitFor(from, (l) => l.event === 'leader:lost', 'release', 30_000, fromMark) : undefined;
  kill(from.child);
  // The next round needs a second candidate again.
  instances = [to, await started(startInstance(`${from.name}-${how}`))];
  return elected.time - (lost?.time ?? at);
}

const graceful = [];
for (let i = 0; i < 3; i++) graceful.push(await failover('graceful'));
log(`graceful stop of the leader, released → elected: ${graceful.join(', ')} ms`);
log(`kill -9 of the leader's master, kill → elected: ${await failover('master')} ms`);
log(`kill -9 of the leader's whole tree (host dead), kill → elected: ${await failover('host')} ms (bound: lease 10 s + one renewal 3.3 s)`);
killAll();
redis.stop();
