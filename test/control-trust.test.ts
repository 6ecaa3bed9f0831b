/**
 * The control files — run/, the socket, the pid file — trusted only when no
 * other user could have put them there, and a socket's master checked
 * against its pid file. The tests that need a second user chown files to
 * `nobody`, which only root may do; they skip with a reason otherwise.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { isAlive } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  killDaemons();
});
after(removeTempApps);

/** Files can be given to another user only by root. */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0 ? false : 'needs root: it gives files to the user nobody (uid 65534) with chown';

function app(): string {
  return tempApp({
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = { pid: process.pid }; }); };\n",
    'agent.ts': 'export default {};\n',
  });
}

const UNTRUSTED = /\(ERR_BROOD_CONTROL_UNTRUSTED\)/;

/** Starts a daemon of the app in `dir`; resolves with its master pid and URL. */
async function daemon(dir: string): Promise<{ master: number; url: string }> {
  const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(started.code, 0, started.stderr);
  return {
    master: Number(/master (\d+),/.exec(started.stdout)?.[1]),
    url: /(http:\/\/127\.0\.0\.1:\d+)/.exec(started.stdout)?.[1] as string,
  };
}

/** A process of this user's on `path` that answers every control request as a stopped master would. */
async function impostor(path: string): Promise<string[]> {
  const asked: string[] = [];
  const server = createServer((client) => {
    client.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.trim().split('\n')) {
        const { id, command } = JSON.parse(line) as { id: number; command: string };
        asked.push(command);
        const result =
          command === 'hello' ? { pid: process.pid, title: 'default', baseDir: '/' } : { status: { processes: [] }, within: 0 };
        client.write(`${JSON.stringify({ brood: 1, id, ok: true, result })}\n`);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return asked;
}

test('a run/ folder other users may write in stops the start, and every command, before anything is forked or removed', async () => {
  const dir = app();
  mkdirSync(join(dir, 'run'));
  chmodSync(join(dir, 'run'), 0o777);
  writeFileSync(join(dir, 'run/default.json'), '{}\n');
  const start = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(start.code, 1);
  assert.match(start.stderr, /the run folder .*\/run has mode 0777: other users may change what is in it/);
  assert.match(start.stderr, UNTRUSTED);
  for (const command of ['stop', 'status', 'reload']) {
    const run = await brood([command, dir]);
    assert.equal(run.code, 1, `${command}: ${run.stdout}`);
    assert.match(run.stderr, UNTRUSTED, command);
  }
  assert.ok(existsSync(join(dir, 'run/default.json')), 'nothing was removed');
  assert.ok(!existsSync(join(dir, 'run/default.sock')), 'no socket was made');
});

test('a pid file naming a path outside Brood`s own folders makes no command remove it', async () => {
  const dir = app();
  const victims = tempApp({ 'precious.txt': 'keep me\n' });
  const precious = join(victims, 'precious.txt');
  symlinkSync(precious, join(victims, 'default.sock'));
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  for (const socket of [precious, join(victims, 'default.sock'), `${dir}/run/../run/default.sock`]) {
    writeFileSync(join(dir, 'run/default.json'), JSON.stringify({ pid: 999_999, socket }), { mode: 0o600 });
    for (const command of ['stop', 'status', 'reload', 'run-task']) {
      const run = await brood(command === 'run-task' ? [command, 'x', dir] : [command, dir]);
      assert.equal(run.code, 1, `${command} with socket ${socket}: ${run.stdout}`);
      assert.match(
        run.stderr,
        /the pid file .*run\/default\.json names .* as its control socket, which is not a socket of brood 'default' in .*; remove the pid file/,
      );
    }
    assert.equal(readFileSync(precious, 'utf8'), 'keep me\n', `${socket} is untouched`);
    assert.ok(existsSync(join(victims, 'default.sock')), 'the link is untouched');
  }
});

test('a socket whose master is not the one the pid file names is not believed: stop reports nothing and the master runs on', async () => {
  const dir = app();
  const { master, url } = await daemon(dir);
  // Another process of the same user serves the socket; the real one answers elsewhere.
  renameSync(join(dir, 'run/default.sock'), join(dir, 'run/moved.sock'));
  const asked = await impostor(join(dir, 'run/default.sock'));
  const stop = await brood(['stop', dir]);
  assert.equal(stop.code, 1, stop.stdout);
  assert.doesNotMatch(stop.stdout, /stopped/);
  assert.match(
    stop.stderr,
    new RegExp(
      `the control socket .*run/default\\.sock is served by process ${process.pid}, but the pid file .*run/default\\.json names master ${master}`,
    ),
  );
  assert.deepEqual(asked, ['hello'], 'only asked who it is');
  assert.ok(isAlive(master));
  assert.ok((await getJson<{ pid: number }>(`${url}/`)).pid > 0, 'the app serves on');
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  renameSync(join(dir, 'run/moved.sock'), join(dir, 'run/default.sock'));
  assert.equal((await brood(['stop', dir])).code, 0, 'the real master stops through its own socket');
});

test('a run/ folder of another user is refused by start and by every command; the master runs on', { skip: asRoot }, async () => {
  const dir = app();
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  chownSync(join(dir, 'run'), NOBODY, NOBODY);
  const start = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1']);
  assert.equal(start.code, 1);
  assert.match(start.stderr, /the run folder .*\/run belongs to uid 65534, not to this user \(uid 0\)/);

  chownSync(join(dir, 'run'), 0, 0);
  const { master, url } = await daemon(dir);
  // The folder handed to another user, as if they had made it: they could have put anything there.
  chownSync(join(dir, 'run'), NOBODY, NOBODY);
  chmodSync(join(dir, 'run'), 0o777);
  for (const command of ['stop', 'status', 'reload']) {
    const run = await brood([command, dir]);
    assert.equal(run.code, 1, `${command}: ${run.stdout}`);
    assert.match(run.stderr, /the run folder .*\/run belongs to uid 65534/, command);
  }
  assert.ok(isAlive(master));
  assert.ok((await getJson<{ pid: number }>(`${url}/`)).pid > 0, 'the app serves on');

  // Back to this user; then the socket, then the pid file, of another user.
  chownSync(join(dir, 'run'), 0, 0);
  chmodSync(join(dir, 'run'), 0o700);
  for (const file of ['default.sock', 'default.json']) {
    chownSync(join(dir, 'run', file), NOBODY, NOBODY);
    const stop = await brood(['stop', dir]);
    assert.equal(stop.code, 1, `${file}: ${stop.stdout}`);
    assert.match(stop.stderr, new RegExp(`run/${file.replace('.', '\\.')} belongs to uid 65534, not to this user`));
    assert.ok(isAlive(master), `the master runs on after a ${file} of another user`);
    chownSync(join(dir, 'run', file), 0, 0);
  }
  assert.equal((await brood(['stop', dir])).code, 0);
});
