/** Shared helpers of the benchmarks: process groups that never outlive a run, bounded waits. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { treeOf } from './proc.mjs';

const children = new Set();
/** Synchronous clean-ups for what lives outside the process groups (PM2's daemon). */
const cleanups = new Set();

/** Runs `cleanup` (synchronous) when the benchmark exits, however it exits; returns a function that forgets it. */
export function onExit(cleanup) {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Kills every process group a benchmark started, and runs the clean-ups. */
export function killAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  children.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {}
  }
  cleanups.clear();
}
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

/** Spawns a command in a process group of its own, stdout piped; stderr shown unless `quiet`. */
export function launch(command, args, env = {}, { quiet = false } = {}) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'],
  });
  children.add(child);
  return child;
}

/** Kills one launched process group. */
export function kill(child) {
  children.delete(child);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
}

/** Resolves when every process of `pids` has exited (zombies count as exited), or after `ms`. */
async function gone(pids, ms) {
  const deadline = performance.now() + ms;
  const alive = (pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  while (performance.now() < deadline) {
    if (
      !pids.some((pid) => {
        try {
          return alive(pid);
        } catch {
          return false;
        }
      })
    )
      return;
    await sleep(20);
  }
}

/**
 * Stops a launched process group: when `graceful`, SIGTERM to its first
 * process and up to 5 s for the whole tree to leave (as `brood stop` would:
 * Brood then removes its control socket and pid file); then SIGKILL to the
 * group, for whatever is left.
 */
export async function stopGroup(child, graceful) {
  if (graceful) {
    const tree = treeOf(child.pid);
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {}
    await gone(tree, 5000);
  }
  kill(child);
}

/**
 * Calls `onLine` with every JSON object line of `child`'s stdout. Returns
 * `stop()`, which stops listening, and `tail()`, the last output read.
 */
export function onJsonLines(child, onLine) {
  let buffer = '';
  let tail = '';
  let stopped = false;
  const onData = (chunk) => {
    buffer += chunk;
    tail = (tail + chunk).slice(-2000);
    let newline = buffer.indexOf('\n');
    while (newline !== -1 && !stopped) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (!line.startsWith('{')) continue;
      let parsed;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      onLine(parsed);
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  return {
    stop() {
      stopped = true;
      child.stdout.off('data', onData);
      child.stdout.resume();
    },
    tail: () => tail,
  };
}

/** Resolves with the first JSON line of `child`'s stdout matching `match`; rejects after `ms`. */
export function waitLine(child, match, ms = 20_000) {
  return new Promise((resolve, reject) => {
    const lines = onJsonLines(child, (parsed) => {
      if (!match(parsed)) return;
      clearTimeout(timer);
      lines.stop();
      resolve(parsed);
    });
    const timer = setTimeout(() => {
      lines.stop();
      reject(new Error(`no matching line within ${ms} ms:\n${lines.tail()}`));
    }, ms);
  });
}

/** GET on a fresh connection; resolves with the x-worker header, or null when nothing answers within `timeout` ms. */
export function workerOf(url, timeout = 2000) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['x-worker'] ?? null));
    });
    req.setTimeout(timeout, () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** A redis-server of the benchmark's own (from PATH, free port, no persistence); `stop()` kills it and removes its folder. */
export async function startRedis() {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { createServer } = await import('node:net');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  const dir = mkdtempSync(join(tmpdir(), 'brood-bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const redis = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => {
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server not ready:\n${out}`)), 10_000);
    redis.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop };
}
