/**
 * Brood as it runs in a container, for real: an app folder its user cannot
 * write (built by root with `brood build`, started by `nobody`), and the
 * master as PID 1 of its own PID namespace. Both need root; they are
 * skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { BROOD_BIN, Cluster, FIXTURES, isAlive, killAll, ROOT, waitGone } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { fixtureCopy, removeTempApps, tempApp } from './helpers/temp-app.js';

const root = process.getuid?.() === 0;
const has = (command: string): boolean => spawnSync(command, ['--version']).status === 0;
/** The private folders of the apps `nobody` ran, removed after. */
const made: string[] = [];

afterEach(() => {
  killAll();
  killDaemons();
});
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  removeTempApps();
});

/** The basic fixture copied to a fresh folder of root's, readable by all. */
function rootOwnedApp(): string {
  const dir = fixtureCopy('basic');
  spawnSync('chmod', ['-R', 'a+rX,go-w', dir]);
  return dir;
}

/** The command prefix that runs what follows as `nobody`. */
const NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** Runs `brood <args>` as `nobody`, to completion, from `/`. */
const asNobody = (args: string[]) => brood(args, { cwd: '/', timeout: 60_000, via: NOBODY });

/** Why a test that runs brood as `nobody` cannot run here (`rootFor`: what it needs root for), or false. */
function nobodySkip(rootFor: string): string | false {
  if (!root) return `needs root, ${rootFor}`;
  if (!has('setpriv')) return 'needs setpriv (util-linux)';
  // A clone inside a folder closed to other users (mktemp -d makes it 0700) cannot be run by nobody.
  const [command, ...args] = NOBODY as [string, ...string[]];
  if (spawnSync(command, [...args, 'test', '-r', BROOD_BIN]).status !== 0)
    return `needs a checkout nobody can read (${ROOT} is closed to other users)`;
  return false;
}

const listing = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

/** Gives an app copied to a temporary folder the `brood` package in its node_modules, as an installed app has it. */
function installBrood(dir: string): void {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(join(ROOT, 'packages/brood'), join(dir, 'node_modules/brood'), 'dir');
}

/** A config that needs the `brood` package at run time, not only for its types: its build must find the app's node_modules. */
const CONFIG = "import { defineConfig } from 'brood';\nexport default defineConfig({ greeting: 'from a build outside the app' });\n";
const ROUTER = "export default (router, app) => { router.get('/greeting', (ctx) => { ctx.body = app.config.greeting; }); };\n";

test('an app folder its user cannot write starts after brood build, with no setting, and writes nothing in it', {
  skip: nobodySkip('to build as root and start as nobody'),
}, async () => {
  const dir = rootOwnedApp();
  const build = spawnSync(process.execPath, [BROOD_BIN, 'build', dir], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  assert.match(build.stdout, /^compiled \d+ files in \d+ ms: .*\/\.brood\/build\/[0-9a-f]{16}\ntypings: .*typings\/brood\.d\.ts\n$/);
  const before = listing(dir);

  const started = await asNobody(['start', dir, '--daemon', '--port', '0', '--workers', '2']);
  assert.equal(started.code, 0, started.stderr);
  // nobody's private folder for this app: <tmp>/brood-65534/<digest of the app path>.
  const privateDir = (/logs: (\S+)\/logs\/default\.stdout\.log/.exec(started.stdout) as RegExpExecArray)[1] as string;
  made.push(privateDir);
  assert.match(privateDir, /\/brood-65534\/[0-9a-f]{16}$/);
  const url = (/started in the background: (\S+)/.exec(started.stdout) as RegExpExecArray)[1] as string;
  const { pid } = await getJson<{ pid: number }>(`${url}/`);
  assert.equal(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1], '65534', 'the worker runs as nobody');
  assert.equal((await get(`${url}/agent`)).status, 200);

  const status = await asNobody(['status', dir]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /worker/);
  const logs = await asNobody(['logs', dir, '-n', '1000']);
  assert.match(logs.stdout, new RegExp(`is not writable: run/ and logs/ moved to ${privateDir}`), 'one line says where');
  assert.match(logs.stdout, /"event":"started"/);
  const stopped = await asNobody(['stop', dir]);
  assert.equal(stopped.code, 0, stopped.stderr);

  assert.deepEqual(listing(dir), before, 'nothing was written in the app folder');
  assert.ok(existsSync(join(privateDir, 'logs', 'default.stdout.log')));
  assert.deepEqual(readdirSync(join(privateDir, 'run')), [], 'the socket and pid file are gone after the stop');
});

test('an app folder its user cannot write, with no build of its sources, is compiled into the private folder and finds its packages', {
  skip: nobodySkip('to own the app and start it as nobody'),
}, async () => {
  const dir = rootOwnedApp();
  installBrood(dir);
  mkdirSync(join(dir, 'config'), { recursive: true });
  spawnSync('sh', ['-c', `cat > ${join(dir, 'config/config.default.ts')} <<'EOF'\n${CONFIG}EOF\nchmod -R a+rX,go-w ${dir}`]);
  const before = listing(dir);

  const started = await asNobody(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(started.code, 0, `${started.stdout}${started.stderr}`);
  const privateDir = (/logs: (\S+)\/logs\/default\.stdout\.log/.exec(started.stdout) as RegExpExecArray)[1] as string;
  made.push(privateDir);
  const url = (/started in the background: (\S+)/.exec(started.stdout) as RegExpExecArray)[1] as string;
  assert.equal((await get(`${url}/agent`)).status, 200);
  const logs = await asNobody(['logs', dir, '-n', '1000']);
  assert.match(logs.stdout, /holds no build of these sources and is not writable \(run brood build\): compiling into /);
  const stopped = await asNobody(['stop', dir]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.deepEqual(listing(dir), before, 'nothing was written in the app folder');
});

test("another user's stop, status or reload of an app root runs says it cannot reach it, never that nothing runs", {
  skip: nobodySkip('to start the app as root and ask as nobody'),
}, async () => {
  const dir = rootOwnedApp();
  const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(started.code, 0, started.stderr);
  for (const command of ['stop', 'status', 'reload']) {
    const asked = await asNobody([command, dir]);
    assert.equal(asked.code, 1, `${command}: ${asked.stdout}${asked.stderr}`);
    assert.match(
      asked.stderr,
      new RegExp(
        `may be running as another user \\(uid 0 owns ${dir}/run, closed to this user\\); this user cannot reach it: run brood as that user \\(ERR_BROOD_CONTROL_UNREACHABLE\\)`,
      ),
      command,
    );
  }
  const stopped = await brood(['stop', dir]);
  assert.equal(stopped.code, 0, stopped.stderr);
});

test('run/, the build and the logs moved by BROOD_RUN_DIR, BROOD_BUILD_DIR and BROOD_LOG_DIR; a build outside the app folder finds its packages', async () => {
  const dir = tempApp({ 'config/config.default.ts': CONFIG, 'app/router.ts': ROUTER });
  installBrood(dir);
  const elsewhere = mkdtempSync(join(tmpdir(), 'brood-folders-'));
  made.push(elsewhere);
  const env = { BROOD_RUN_DIR: join(elsewhere, 'run'), BROOD_BUILD_DIR: join(elsewhere, 'build'), BROOD_LOG_DIR: join(elsewhere, 'logs') };
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'start', dir, '--port', '0', '--workers', '1'], env);
  const { url } = await cluster.started();
  assert.equal((await get(`${url}/greeting`)).body, 'from a build outside the app');
  assert.deepEqual(readdirSync(join(elsewhere, 'run')), ['default.json', 'default.sock']);
  assert.equal(readdirSync(join(elsewhere, 'build')).filter((name) => /^[0-9a-f]{16}$/.test(name)).length, 1);
  assert.ok(readdirSync(join(elsewhere, 'logs')).length > 0);
  assert.deepEqual(readdirSync(dir).sort(), ['app', 'config', 'node_modules', 'typings'], 'no run/, .brood/ or logs/ in the app folder');
});

test('brood start as PID 1 of a PID namespace handles SIGTERM: a graceful stop, exit 0, no process left', {
  skip: root ? (has('unshare') ? false : 'needs unshare (util-linux)') : 'needs root, for a PID namespace',
}, async () => {
  const cluster = new Cluster(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      process.execPath,
      BROOD_BIN,
      'start',
      join(FIXTURES, 'basic'),
      '--port',
      '0',
      '--workers',
      '1',
      '--title',
      `pid1-${process.pid}`,
    ],
    { BROOD_ENV: 'test' },
  );
  // Set before any line can arrive: the pids the lines name are the namespace's, other processes out here.
  cluster.trackPids = false;
  const started = await cluster.started(30_000);
  assert.equal(started.pid, 1, 'the master is PID 1 in its namespace');
  assert.ok(
    cluster.lines.some((line) => line.event === 'pid-1'),
    'one line says what PID 1 means',
  );
  assert.equal((await get(`${started.url}/`)).status, 200);
  // The master's pid outside the namespace: unshare's only child.
  const outside = Number(readFileSync(`/proc/${cluster.pid}/task/${cluster.pid}/children`, 'utf8').trim());
  // Checked before it is signalled: a pid of 0 would signal this test's own process group.
  assert.ok(Number.isInteger(outside) && outside > 1 && isAlive(outside), `the master's pid out here: ${outside}`);
  const children = readFileSync(`/proc/${outside}/task/${outside}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((pid) => pid > 1);
  process.kill(outside, 'SIGTERM');
  await cluster.waitFor((line) => line.event === 'stopped', 'the stopped line');
  assert.equal((await cluster.exit()).code, 0);
  await waitGone([outside, ...children], 5000);
});

/** The children of a process, zombies included (a zombie is listed until its parent reaps it), with their names. */
function childrenOf(pid: number): Array<{ pid: number; name: string }> {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((text) => text !== '')
      .map((text) => {
        const child = Number(text);
        let name = '';
        try {
          name = readFileSync(`/proc/${child}/comm`, 'utf8').trim();
        } catch {
          // gone meanwhile
        }
        return { pid: child, name };
      });
  } catch {
    return [];
  }
}

/** Waits until `holds()` is true, checking every 20 ms, for at most `ms`. */
async function until(holds: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!holds()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('brood-init as PID 1 reaps the orphans the app leaves, forwards SIGTERM to brood start, and exits with its code', {
  skip: root ? (has('unshare') ? false : 'needs unshare (util-linux)') : 'needs root, for a PID namespace',
}, async () => {
  const dir = tempApp({
    'app/router.ts': [
      "import { spawn } from 'node:child_process';",
      'export default (router) => {',
      "  router.get('/', (ctx) => { ctx.body = 'ok'; });",
      // The shell exits at once: its sleep is orphaned, handed to PID 1, and exits soon after.
      "  router.get('/orphan', (ctx) => { spawn('sh', ['-c', 'sleep 0.3 & exit 0'], { stdio: 'ignore' }); ctx.body = 'left one'; });",
      '};',
      '',
    ].join('\n'),
  });
  const init = join(BROOD_BIN, '..', 'brood-init');
  const args = ['--pid', '--fork', '--mount-proc', 'sh', init, process.execPath, BROOD_BIN, 'start', dir, '--port', '0', '--workers', '1'];
  const cluster = new Cluster('unshare', args, { BROOD_ENV: 'test' });
  cluster.trackPids = false;
  const started = await cluster.started(30_000);
  assert.ok(!cluster.lines.some((line) => line.event === 'pid-1'), 'the master is not PID 1: brood-init is');
  // PID 1 out here: unshare's only child.
  const initPid = Number(readFileSync(`/proc/${cluster.pid}/task/${cluster.pid}/children`, 'utf8').trim());
  assert.ok(Number.isInteger(initPid) && initPid > 1 && isAlive(initPid), `brood-init's pid out here: ${initPid}`);
  assert.equal((await get(`${started.url}/orphan`)).status, 200);
  const sleeps = () => childrenOf(initPid).filter((child) => child.name === 'sleep');
  await until(() => sleeps().length > 0, 'the orphaned sleep handed to PID 1', 5000);
  // Without a reaper it would stay listed, a zombie, for good.
  await until(() => sleeps().length === 0, 'the orphan reaped once it exited', 5000);
  const tree = childrenOf(initPid).map((child) => child.pid);
  process.kill(initPid, 'SIGTERM');
  await cluster.waitFor((line) => line.event === 'stopped', 'the stopped line');
  assert.equal((await cluster.exit()).code, 0, "brood-init exits with brood start's code");
  await waitGone([initPid, ...tree], 5000);
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('PORT and HOST from the environment are where the app listens when no flag says otherwise', async () => {
  const port = await freePort();
  const dir = tempApp({
    'package.json': JSON.stringify({ name: 'port', private: true, brood: { port: 1 } }),
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = 'here'; }); };\n",
  });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'start', dir, '--workers', '1'], { PORT: String(port), HOST: '127.0.0.1' });
  const started = await cluster.started();
  assert.equal(started.url, `http://127.0.0.1:${port}`, 'PORT wins over package.json');
  assert.equal((await get(`${started.url}/`)).body, 'here');
});

test('brood systemd prints a unit that runs brood start in the foreground, stops with SIGTERM to the master and reloads with SIGUSR2', () => {
  const dir = tempApp({
    'package.json': JSON.stringify({ name: 'shop', brood: { shutdownTimeout: 20_000, readinessDrainDelay: 10_000 } }),
    'app/router.ts': 'export default () => {};\n',
  });
  const run = spawnSync(process.execPath, [BROOD_BIN, 'systemd', dir, '--title', 'blue', '--user', 'shop'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const unit = run.stdout;
  assert.match(unit, new RegExp(`^ExecStart=${process.execPath} \\S+/bin/brood\\.js start ${dir} --title blue$`, 'm'));
  for (const line of [
    'User=shop',
    `WorkingDirectory=${dir}`,
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    'ExecReload=/bin/kill -USR2 $MAINPID',
    // The master's stop budget, 10 s of readiness drain + 2 s for the clock + 2 × (20 s + 2 s) for the
    // workers and the agent, each with its kill, and 15 s of margin.
    'TimeoutStopSec=71',
    'Restart=on-failure',
  ]) {
    assert.ok(unit.split('\n').includes(line), `${line} in\n${unit}`);
  }
});
