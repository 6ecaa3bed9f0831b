/**
 * The measurements made from outside every system alike: spawn → every
 * worker served, idle memory of the tree, worker kill -9 → a new worker
 * serves. Workers are told apart by the `x-worker: <pid>` header of their
 * responses, each fetched on a fresh connection.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { freePort, kill, launch, median, sleep } from './lib.mjs';
import { childrenOf, memoryOf, treeMemory } from './proc.mjs';
import { spawnSystem } from './systems.mjs';

const WORKERS = 2;

/** GET on a fresh connection: `{ pid }` (the x-worker header, or null) when answered, `{ outcome }` otherwise. */
function probe(url, timeout) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ outcome: 'served', pid: res.headers['x-worker'] ?? null }));
    });
    req.setTimeout(timeout, () => {
      req.destroy();
      resolve({ outcome: 'hung' });
    });
    req.on('error', () => resolve({ outcome: 'refused' }));
    req.end();
  });
}

/** Resolves with the pids once `count` different workers answered; rejects after `ms`. */
export async function servedBy(url, count, ms = 60_000) {
  const seen = new Set();
  const deadline = performance.now() + ms;
  while (seen.size < count) {
    if (performance.now() > deadline) throw new Error(`${url}: ${seen.size} of ${count} workers answered within ${ms} ms`);
    const answer = await probe(url, 2000);
    if (answer.outcome === 'served' && answer.pid !== null) seen.add(Number(answer.pid));
    // Nothing listens yet: a connection is refused at once; try again soon.
    else await sleep(2);
  }
  return seen;
}

/**
 * Starts `name`, times spawn → both workers served, waits `settleMs`, then
 * reads the memory of its process tree; stops it. Brood's log lines give
 * its boot stages, in ms from spawn.
 */
export async function coldStart(name, { settleMs = 1000 } = {}) {
  const port = await freePort();
  const spawnedAt = Date.now();
  const started = performance.now();
  const system = spawnSystem(name, port);
  try {
    const workers = await servedBy(system.url, WORKERS);
    const ms = performance.now() - started;
    await sleep(settleMs);
    const root = await system.rootPid();
    const memory = treeMemory(root, (pid) => system.roleOf(pid, workers));
    return { ms, memory, stages: stagesOf(system.lines, spawnedAt, ms) };
  } finally {
    await system.stop();
  }
}

/**
 * Brood's boot stages, in ms from spawn (docs/cluster.md, "the ready
 * handshake"): from the `boot` timeline of the master's `started` line —
 * ready to fork, every worker loaded, the agent ready, each worker ready —
 * and the `started` line itself; then every worker served, as measured from
 * outside. The timeline counts from the master's process start, which is
 * the line's `time` less its `ms`. null for a system that logs no such line.
 */
function stagesOf(lines, spawnedAt, servedMs) {
  const started = lines.find((l) => l.role === 'master' && l.event === 'started');
  if (started === undefined) return null;
  const at = (time) => (time === undefined ? null : time - spawnedAt);
  const masterStart = started.time - started.ms;
  const boot = started.boot;
  const fromMaster = (ms) => (ms === undefined ? null : at(masterStart + ms));
  const workersReady = lines.filter((l) => l.role === 'worker' && l.event === 'ready');
  return {
    fork: fromMaster(boot?.fork),
    workersLoaded: boot?.workersLoaded?.length >= WORKERS ? fromMaster(Math.max(...boot.workersLoaded)) : null,
    agentReady: at(lines.find((l) => l.role === 'agent' && l.event === 'ready')?.time),
    firstWorkerReady: workersReady.length === 0 ? null : at(workersReady[0].time),
    workersReady: workersReady.length < WORKERS ? null : at(workersReady[WORKERS - 1].time),
    started: at(started.time),
    served: servedMs,
  };
}

/**
 * Sends a probe on a fresh connection every `everyMs`, without waiting for
 * the ones in flight, until a pid not in `seen` answers. A probe the master
 * hands to the worker as it dies hangs (Node's round-robin passes the
 * connection over IPC to a process that will never accept it); the probes
 * after it go on. Once the new pid answered, the probes still open get the
 * rest of their second: those with no answer within 1 s are counted as
 * hung. Resolves with the new pid (null after `ms`), the ms from `started`
 * to its answer, and the hung probes.
 */
function newWorker(url, seen, started, ms, everyMs = 5) {
  return new Promise((resolve) => {
    const inFlight = new Set();
    let hung = 0;
    let found;
    const settle = () => {
      if (found !== undefined && inFlight.size === 0) resolve({ ...found, hung });
    };
    const finish = (pid) => {
      if (found !== undefined) return;
      found = { pid, ms: pid === null ? null : performance.now() - started };
      clearInterval(timer);
      settle();
    };
    const send = () => {
      if (performance.now() - started > ms) return finish(null);
      // Bounded: never more than 100 probes open at once.
      if (inFlight.size >= 100) return;
      const req = request(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => {
          const pid = Number(res.headers['x-worker']);
          if (pid > 0 && !seen.has(pid)) finish(pid);
        });
      });
      inFlight.add(req);
      req.setTimeout(1000, () => {
        hung += 1;
        req.destroy();
      });
      req.on('error', () => {});
      req.on('close', () => {
        inFlight.delete(req);
        settle();
      });
      req.end();
    };
    const timer = setInterval(send, everyMs);
    send();
  });
}

/**
 * Starts `name`, then `kills` times, `gapMs` after the previous
 * replacement served: SIGKILL the oldest worker and time until a worker
 * never seen before answers. The victim must be a child of the system's
 * root process (the master, PM2's daemon); where a system's responses
 * carried no pid, its children would be the workers.
 */
export async function killToServe(name, { kills = 5, gapMs = 3000, timeoutMs = 15_000 } = {}) {
  const port = await freePort();
  const system = spawnSystem(name, port);
  try {
    const seen = await servedBy(system.url, WORKERS);
    const root = await system.rootPid();
    const serving = [...seen];
    const times = [];
    const hung = [];
    for (let i = 0; i < kills; i++) {
      await sleep(gapMs);
      const children = childrenOf(root);
      const victim = serving.find((pid) => children.includes(pid)) ?? children.find((pid) => !seen.has(pid));
      if (victim === undefined) throw new Error(`${name}: no worker among the children of ${root}`);
      serving.splice(serving.indexOf(victim), 1);
      const started = performance.now();
      process.kill(victim, 'SIGKILL');
      const replaced = await newWorker(system.url, seen, started, timeoutMs);
      times.push(replaced.ms);
      hung.push(replaced.hung);
      if (replaced.pid === null) break;
      seen.add(replaced.pid);
      serving.push(replaced.pid);
    }
    return { times, hung };
  } finally {
    await system.stop();
  }
}

/**
 * ms to spawn a bare `node -e 0` and see it exit (median of `runs`): how
 * fast this machine starts a process right now, in this environment or in `env`.
 */
export function bareNodeStart(runs = 10, env = process.env) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', '0'], { env });
    times.push(performance.now() - started);
  }
  return median(times);
}

/** RSS of a bare idle node process, MB (median of `runs`): what one more process costs. */
export async function bareNodeRss(runs = 3, settleMs = 1000) {
  const values = [];
  for (let i = 0; i < runs; i++) {
    const child = launch(process.execPath, ['-e', 'setInterval(() => {}, 1e9)']);
    await sleep(settleMs);
    values.push(memoryOf(child.pid)?.rss ?? Number.NaN);
    kill(child);
  }
  return median(values);
}
