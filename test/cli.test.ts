import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { BROOD_BIN, Cluster, isAlive, killAll, spawnNode, startBrood, waitGone } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { keepAliveLoad } from './helpers/load.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killDaemons);
afterEach(killAll);
after(removeTempApps);

/** A small app in a temporary folder: each test gets its own run/ folder. */
function app(): string {
  return tempApp({
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = { pid: process.pid }; }); };\n",
    'agent.ts': 'export default {};\n',
  });
}

const START_FROM_CODE = new URL('./fixtures/scripts/start-from-code.mjs', import.meta.url).pathname;

const urlOf = (stdout: string): string => /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string;

interface Status {
  running: boolean;
  url: string;
  processes: Array<{ role: string; pid: number; state: string; uptime: number; restarts: number; rss: number; cpu: number }>;
}

test('start --daemon returns once ready; status --json; reload under load; stop; stop again', async (t) => {
  const dir = app();
  const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '2']);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /started in the background: http:\/\/127\.0\.0\.1:\d+/);
  assert.match(started.stdout, /master \d+, agent \d+, workers \d+, \d+/);
  const url = urlOf(started.stdout);
  assert.equal((await get(`${url}/`)).status, 200, 'ready means serving');

  const status = await brood(['status', dir, '--json']);
  assert.equal(status.code, 0);
  const parsed = JSON.parse(status.stdout) as Status;
  assert.equal(parsed.running, true);
  assert.equal(parsed.url, url);
  assert.deepEqual(
    parsed.processes.map((p) => p.role),
    ['master', 'agent', 'worker', 'worker'],
  );
  for (const p of parsed.processes) {
    assert.ok(isAlive(p.pid));
    assert.ok(p.rss > 1_000_000, 'rss in bytes');
    assert.equal(typeof p.cpu, 'number');
    assert.equal(typeof p.uptime, 'number');
    assert.equal(p.restarts, 0);
  }
  const human = await brood(['status', dir]);
  assert.match(human.stdout, /ROLE\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+CPU\s+RSS\s+HEAP\s+LAG/);

  const load = keepAliveLoad(`${url}/`, 8);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const reloaded = await brood(['reload', dir]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result = await load.stop();
  t.diagnostic(`brood reload under load: ${result.ok} ok, ${result.non2xx} non-2xx, ${result.errors.length} errors`);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.match(reloaded.stdout, /reloaded brood 'default'/);
  assert.deepEqual(result.errors, []);
  assert.equal(result.non2xx, 0);

  const after = JSON.parse((await brood(['status', dir, '--json'])).stdout) as Status;
  const oldWorkers = parsed.processes.filter((p) => p.role === 'worker').map((p) => p.pid);
  const newWorkers = after.processes.filter((p) => p.role === 'worker').map((p) => p.pid);
  assert.equal(newWorkers.length, 2);
  for (const pid of oldWorkers) assert.ok(!newWorkers.includes(pid));

  const stopped = await brood(['stop', dir]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /stopped brood 'default'/);
  await waitGone(
    after.processes.map((p) => p.pid),
    1000,
  );
  const again = await brood(['stop', dir]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /is not running; nothing to stop/);
  const none = await brood(['status', dir]);
  assert.equal(none.code, 3);
});

test('start --daemon that fails exits 1 with the cause, and no instance stays registered', async () => {
  const dir = tempApp({
    'app/router.ts': 'export default () => {};\n',
    'app.ts': "export default { didLoad() { throw new Error('missing DATABASE_URL'); } };\n",
  });
  const run = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /failed to start: .*app\.ts didLoad failed: missing DATABASE_URL \(ERR_BROOD_HOOK_FAILED\)/);
  assert.equal((await brood(['status', dir])).code, 3);
});

test('two titled instances run side by side; stopping one leaves the other serving', async () => {
  const dir = app();
  const a = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1', '--title', 'blue']);
  const b = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1', '--title', 'green']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const same = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1', '--title', 'blue']);
  assert.equal(same.code, 1);
  assert.match(same.stderr, /brood 'blue' is already running .*\(ERR_BROOD_ALREADY_RUNNING\)/);

  const stop = await brood(['stop', dir, '--title', 'blue']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal((await get(`${urlOf(b.stdout)}/`)).status, 200, 'green still serves');
  await assert.rejects(get(`${urlOf(a.stdout)}/`, { timeout: 2000 }));
  assert.equal((await brood(['status', dir, '--title', 'green'])).code, 0);
  assert.equal((await brood(['stop', dir, '--title', 'green'])).code, 0);
});

test('the control socket is private, answers malformed requests with an error, and a stale one is cleaned up', async () => {
  const dir = app();
  const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(started.code, 0, started.stderr);
  const socket = join(dir, 'run/default.sock');
  assert.equal(statSync(socket).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);

  const replies = await new Promise<string[]>((resolve, reject) => {
    const client = connect(socket);
    let text = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => {
      text += chunk;
      if (text.split('\n').length > 3) {
        client.end();
        resolve(text.trim().split('\n'));
      }
    });
    client.on('error', reject);
    client.write('this is not json\n{"brood":1,"id":7,"command":"format-disk"}\n{"brood":1,"id":8,"command":"status"}\n');
    setTimeout(() => reject(new Error(`no replies: ${text}`)), 5000);
  });
  const [garbage, unknown, status] = replies.map(
    (line) => JSON.parse(line) as { ok: boolean; id: number | null; error?: { code: string } },
  );
  assert.equal(garbage?.ok, false);
  assert.equal(garbage?.error?.code, 'ERR_BROOD_BAD_CONTROL_REQUEST');
  assert.equal(unknown?.id, 7);
  assert.equal(unknown?.error?.code, 'ERR_BROOD_BAD_CONTROL_REQUEST');
  assert.equal(status?.ok, true);

  // A request line that never ends is cut at 1 MiB with an error reply; the master lives on.
  const tooLong = await new Promise<string>((resolve, reject) => {
    const client = connect(socket);
    let text = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => {
      text += chunk;
    });
    client.on('close', () => resolve(text));
    client.on('error', () => resolve(text));
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    const pump = (): void => {
      while (sent < 40 && !client.destroyed) {
        sent += 1;
        if (!client.write(chunk)) {
          client.once('drain', pump);
          return;
        }
      }
    };
    pump();
    setTimeout(() => reject(new Error(`no reply to an endless line: ${text}`)), 10_000);
  });
  assert.match(tooLong, /"code":"ERR_BROOD_BAD_CONTROL_REQUEST".*longer than 1048576 bytes/);
  assert.equal((await brood(['status', dir])).code, 0, 'the master still answers');

  // Kill the master outright: its children leave on their own, the socket file stays behind.
  const before = JSON.parse((await brood(['status', dir, '--json'])).stdout) as Status;
  const master = before.processes[0]?.pid as number;
  process.kill(master, 'SIGKILL');
  await waitGone(
    before.processes.map((p) => p.pid),
    2000,
  );
  const stale = await brood(['stop', dir]);
  assert.equal(stale.code, 0);
  assert.match(stale.stdout, /removed the stale control socket/);
  const again = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await getJson<{ pid: number }>(`${urlOf(again.stdout)}/`)).pid > 0, true);

  // The socket of a live master deleted under it: the commands say so, and keep its pid file.
  const live = JSON.parse((await brood(['status', dir, '--json'])).stdout) as Status;
  const livePid = live.processes[0]?.pid as number;
  rmSync(socket);
  const unreachable = await brood(['stop', dir]);
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    new RegExp(
      `the master ${livePid} of brood 'default' in .* is running, but its control socket .* is gone; stop it with kill -TERM ${livePid} \\(ERR_BROOD_CONTROL_UNREACHABLE\\)`,
    ),
  );
  assert.ok(existsSync(join(dir, 'run/default.json')), 'the pid file is kept');
  process.kill(livePid, 'SIGTERM');
  await waitGone(
    live.processes.map((p) => p.pid),
    15_000,
  );
});

test('an app whose socket path would be too long keeps its socket in a private folder of the temp folder', async () => {
  // The app lives deep enough that <app>/run/default.sock is longer than 100 characters.
  const dir = join(tempApp({}), 'a-folder-name-long-enough'.repeat(3), 'to-push-the-socket-path-past-one-hundred-characters');
  cpSync(app(), dir, { recursive: true });
  const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(started.code, 0, started.stderr);
  const pidFile = JSON.parse(readFileSync(join(dir, 'run/default.json'), 'utf8')) as { socket: string };
  assert.equal(dirname(pidFile.socket), join(tmpdir(), `brood-${process.getuid?.()}`));
  assert.equal(statSync(dirname(pidFile.socket)).mode & 0o777, 0o700);
  assert.equal(statSync(pidFile.socket).mode & 0o777, 0o600);
  assert.equal((await brood(['status', dir])).code, 0);
  assert.equal((await brood(['stop', dir])).code, 0);
  assert.ok(!existsSync(pidFile.socket), 'the socket is removed at stop');
});

test('run-task without a running app, and unknown commands, are clear errors', async () => {
  const dir = app();
  const run = await brood(['run-task', 'cleanup', dir]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /is not running; start it to run a task/);
  const unknown = await brood(['frobnicate']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('a title that could reach outside run/ is refused before any file is touched', async () => {
  const dir = app();
  const run = await brood(['status', dir, '--title', '../package']);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /title must be 1 to 64 letters, digits, dots, dashes or underscores, got "\.\.\/package" \(ERR_BROOD_BAD_OPTION\)/,
  );
  for (const title of ['..', '../app/router']) assert.equal((await brood(['stop', dir, '--title', title])).code, 1);
  assert.ok(statSync(join(dir, 'app/router.ts')).isFile(), 'nothing outside run/ was removed');
});

test('stop, status, reload, run-task, logs, systemd and dev in a folder that is not an app, or does not exist, say so and exit 1', async () => {
  const empty = tempApp({ 'README.md': 'not an app\n' });
  for (const args of [['stop'], ['status'], ['status', '--json'], ['reload'], ['run-task', 'motd'], ['logs'], ['systemd']]) {
    const run = await brood([...args, empty]);
    assert.equal(run.code, 1, args.join(' '));
    assert.equal(
      run.stderr,
      `brood: no Brood app in ${empty}: expected app/router.ts, app.ts or agent.ts (ERR_BROOD_APP_NOT_FOUND)\n`,
      args.join(' '),
    );
    assert.equal(run.stdout, '');
  }
  for (const command of ['stop', 'logs', 'systemd']) {
    const missing = await brood([command, join(empty, 'nope')]);
    assert.equal(missing.code, 1, command);
    assert.equal(missing.stderr, `brood: ${join(empty, 'nope')} does not exist (ERR_BROOD_APP_NOT_FOUND)\n`, command);
  }
  // brood dev waits for a fix of an app that fails to start, not for an app to appear in a folder that has none.
  const dev = await brood(['dev', empty, '--port', '0'], { timeout: 30_000 });
  assert.equal(dev.code, 1, dev.stderr);
  assert.equal(
    dev.stderr,
    `brood: failed to start: no Brood app in ${empty}: expected app/router.ts, app.ts or agent.ts (ERR_BROOD_APP_NOT_FOUND)\n`,
  );
});

test('a second start of the same title on the same port is ERR_BROOD_ALREADY_RUNNING, not a port in use', async () => {
  const dir = app();
  const first = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(first.code, 0, first.stderr);
  const port = new URL(urlOf(first.stdout)).port;
  for (const args of [
    ['start', dir, '--port', port],
    ['start', dir, '--daemon', '--port', port],
    ['dev', dir, '--port', port],
  ]) {
    const again = await brood(args);
    assert.equal(again.code, 1, args.join(' '));
    assert.match(
      again.stderr,
      /^brood: (?:failed to start: )?brood 'default' is already running in .* \(master \d+\); stop it or start another with --title \(ERR_BROOD_ALREADY_RUNNING\)$/m,
    );
    assert.doesNotMatch(again.stderr, /in use/);
  }
  // From code, start() says the same: the master opens its control socket before it tries the port.
  // An unknown NODE_ENV is a warning in the master's log there, as there is no CLI to print it.
  const twin = spawnNode(START_FROM_CODE, [dir, port, 'default'], { BROOD_ENV: '', NODE_ENV: 'unittest' });
  assert.deepEqual(await twin.exit(), { code: 1, signal: null });
  const outcome = twin.lines.find((line) => line.outcome !== undefined);
  assert.equal(outcome?.code, 'ERR_BROOD_ALREADY_RUNNING', twin.output());
  const warning = twin.lines.find((line) => line.msg?.startsWith('NODE_ENV=unittest is not production'));
  assert.equal(warning?.level, 40, twin.output());
  assert.equal(twin.stderr, '');
  assert.equal((await brood(['stop', dir])).code, 0);
});

test('a misspelt command is answered with the right one and one line of help, not all of it', async () => {
  const typo = await brood(['stauts']);
  assert.equal(typo.code, 1);
  assert.equal(
    typo.stderr,
    "error: unknown command 'stauts'\n(Did you mean status?)\n(run 'brood --help' for the commands, 'brood <command> --help' for one)\n",
  );
});

test('--help of every command ends with an example and its doc page', async () => {
  for (const [command, section] of [
    ['create', 'create'],
    ['dev', 'dev and start'],
    ['start', 'dev and start'],
    ['stop', 'stop'],
    ['reload', 'reload'],
    ['status', 'status'],
    ['run-task', 'run-task'],
    ['typings', 'typings'],
    ['logs', 'logs'],
    ['build', 'build'],
    ['systemd', 'systemd'],
  ] as const) {
    const help = await brood([command, '--help']);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      new RegExp(`\\nExamples?:\\n(  \\$ brood ${command}.*\\n)+\\nDocs: .*docs/cli\\.md, section "${section}"\\n$`),
      command,
    );
  }
  const start = await brood(['start', '--help']);
  assert.match(start.stdout.replace(/\s+/g, ' '), /BROOD_ENV, package\.json brood\.env, NODE_ENV, then prod/);
});

test('brood dev on a port another program holds says so, and starts once the port is free', async () => {
  const dir = app();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  const port = (blocker.address() as AddressInfo).port;
  const dev = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', String(port), '--no-pretty'], { BROOD_ENV: '' });
  try {
    const deadline = Date.now() + 20_000;
    while (!/waiting for port \d+ to be free/.test(dev.stderr)) {
      assert.ok(Date.now() < deadline, `no waiting line within 20 s:\n${dev.stderr}`);
      assert.equal(dev.child.exitCode, null, `brood dev exited:\n${dev.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(
      dev.stderr,
      new RegExp(`port ${port} is already in use \\(ERR_BROOD_PORT_IN_USE\\)\\nbrood: waiting for port ${port} to be free`),
    );
    await new Promise((resolve) => blocker.close(resolve));
    const started = await dev.started();
    assert.equal((await get(`${started.url}/`)).status, 200);
  } finally {
    blocker.close();
    dev.destroy();
  }
});

test('an unknown NODE_ENV is warned of in one line, and the command default is used', async () => {
  const dir = app();
  const cluster = startBrood(dir, ['--workers', '1'], { BROOD_ENV: '', NODE_ENV: 'unittest' });
  try {
    await cluster.started();
    const warnings = cluster.stderr.split('\n').filter((line) => line.includes('NODE_ENV'));
    assert.deepEqual(warnings, [
      'brood: warning: NODE_ENV=unittest is not production, development or test: the app runs as env prod; set BROOD_ENV or --env to choose',
    ]);
  } finally {
    cluster.destroy();
  }
});
