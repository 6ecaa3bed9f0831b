/**
 * The systems compared, each serving `GET /` → `hello world` with an
 * `x-worker: <pid>` header from 2 workers on 127.0.0.1:
 * - raw: node:cluster + node:http, no framework (bench/baselines/http-cluster.mjs);
 * - koa: node:cluster + koa 3.3 + @koa/router 15.7, Brood's own versions
 *   (bench/baselines/koa-cluster.mjs);
 * - brood: `brood start` of bench/fixtures/throughput, every default on;
 * - egg: Egg 3 `startCluster` (bench/egg, installed from its own lockfile);
 * - pm2: PM2 in cluster mode, 2 instances of the koa app (bench/pm2,
 *   installed from its own lockfile), with a PM2_HOME of its own.
 *
 * `spawnSystem(name, port)` spawns one at once (the caller times from
 * there) and returns `{ url, rootPid(), roleOf(pid, workers), lines, stop() }`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kill, launch, onExit, onJsonLines, sleep, stopGroup } from './lib.mjs';
import { treeOf } from './proc.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const pm2Bin = `${root}bench/pm2/node_modules/pm2/bin/pm2`;

/** Names in the order of the page's columns. */
export const SYSTEMS = ['raw', 'koa', 'brood', 'egg', 'pm2'];

export const LABELS = {
  raw: 'raw http cluster',
  koa: 'koa-cluster',
  brood: 'Brood',
  egg: 'Egg 3',
  pm2: 'PM2 7',
  'egg-nocsrf': 'Egg 3, csrf off',
};

/**
 * Measured for throughput only, beside {@link SYSTEMS}: Egg with its csrf
 * protection off (bench/egg/config), the same work per request as the
 * systems that have none.
 */
export const THROUGHPUT_EXTRAS = ['egg-nocsrf'];

/** Installs Egg and PM2 outside the workspace, each from its committed lockfile (`npm ci`), when missing. */
export function installAlternatives(log) {
  for (const [dir, probe] of [
    ['bench/egg', 'node_modules/egg'],
    ['bench/pm2', 'node_modules/pm2'],
  ]) {
    if (existsSync(`${root}${dir}/${probe}`)) continue;
    log(`installing ${dir} (npm ci) …`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: `${root}${dir}`, stdio: 'inherit', timeout: 300_000 });
  }
}

/**
 * The arguments of `node` for `brood start` of `bench/fixtures/<app>` with 2
 * workers on 127.0.0.1:`port`, under the instance name `title`.
 */
export function broodArgs(app, port, title) {
  const args = [`${root}packages/brood/bin/brood.js`, 'start', `${root}bench/fixtures/${app}`, '--port', String(port)];
  return [...args, '--host', '127.0.0.1', '--workers', '2', '--title', title];
}

function spawnGroup(name, port, command, args, env, graceful, quiet = false) {
  const child = launch(command, args, env, { quiet });
  const lines = [];
  onJsonLines(child, (line) => lines.push(line));
  return {
    name,
    url: `http://127.0.0.1:${port}/`,
    lines,
    rootPid: async () => child.pid,
    roleOf: (pid, workers) => (pid === child.pid ? 'master' : workers.has(pid) ? 'worker' : 'agent'),
    stop: () => stopGroup(child, graceful),
  };
}

/** One PM2_HOME for the run, removed (daemon killed) at exit. */
let pm2Home;
function pm2Env(port) {
  if (pm2Home === undefined) {
    pm2Home = mkdtempSync(join(tmpdir(), 'brood-bench-pm2-'));
    // PM2 asks version.pm2.io for news on its first call in a new PM2_HOME, unless this file exists;
    // the benchmark talks to 127.0.0.1 only.
    writeFileSync(join(pm2Home, 'touch'), String(Date.now()));
    const home = pm2Home;
    onExit(() => {
      pm2Kill(home);
      rmSync(home, { recursive: true, force: true });
    });
  }
  return { PM2_HOME: pm2Home, PM2_DISABLE_VERSION_CHECK: 'true', PORT: String(port) };
}

function pm2DaemonPid(home) {
  try {
    return Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** `pm2 kill` with this PM2_HOME; the daemon's tree is SIGKILLed if anything is left. */
function pm2Kill(home) {
  const daemon = pm2DaemonPid(home);
  const tree = daemon === null ? [] : treeOf(daemon);
  try {
    execFileSync(node, [pm2Bin, 'kill'], { env: { ...process.env, PM2_HOME: home }, stdio: 'ignore', timeout: 15_000 });
  } catch {}
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

function spawnPm2(port) {
  const env = pm2Env(port);
  const home = env.PM2_HOME;
  // The pid file of the daemon a previous start left behind would name a dead process.
  rmSync(join(home, 'pm2.pid'), { force: true });
  const cli = launch(node, [pm2Bin, 'start', `${root}bench/pm2/app.cjs`, '-i', '2', '--name', 'hello'], env);
  cli.stdout.resume();
  let daemon = null;
  return {
    name: 'pm2',
    url: `http://127.0.0.1:${port}/`,
    lines: [],
    // The daemon (PM2's God process) forks the workers; `pm2 start` only asks it to.
    async rootPid() {
      const deadline = performance.now() + 30_000;
      while (daemon === null && performance.now() < deadline) {
        daemon = pm2DaemonPid(home);
        if (daemon === null) await sleep(20);
      }
      if (daemon === null) throw new Error('pm2: no daemon pid within 30 s');
      return daemon;
    },
    roleOf: (pid, workers) => (pid === daemon ? 'daemon' : workers.has(pid) ? 'worker' : 'other'),
    async stop() {
      kill(cli);
      pm2Kill(home);
    },
  };
}

/** Spawns system `name` on `port` now. */
export function spawnSystem(name, port, { title = `bench-${port}` } = {}) {
  switch (name) {
    case 'raw':
      return spawnGroup(name, port, node, [`${root}bench/baselines/http-cluster.mjs`], { PORT: String(port), WORKERS: '2' }, false);
    case 'koa':
      return spawnGroup(name, port, node, [`${root}bench/baselines/koa-cluster.mjs`], { PORT: String(port), WORKERS: '2' }, false);
    case 'brood':
      // Stopped gracefully, as `brood stop` would: its control socket and pid file go with it.
      return spawnGroup(name, port, node, broodArgs('throughput', port, title), { BROOD_ENV: 'prod' }, true);
    case 'egg':
    case 'egg-nocsrf': {
      // Egg logs every worker that dies, with its stack, on stderr: the kill measurement would fill the terminal.
      const env = { PORT: String(port), EGG_SERVER_ENV: 'prod', ...(name === 'egg-nocsrf' ? { EGG_BENCH_CSRF: 'off' } : {}) };
      return spawnGroup(name, port, node, [`${root}bench/egg/start.js`], env, false, true);
    }
    case 'pm2':
      return spawnPm2(port);
    default:
      throw new Error(`unknown system ${name}`);
  }
}
