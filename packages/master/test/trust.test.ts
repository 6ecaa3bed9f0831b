/**
 * Which control files the master and the CLI trust, checked on the trust
 * functions over real files in a temporary folder: no cluster starts.
 * test/control-trust.test.ts plays the same cases against a real master and
 * the CLI, another user's files included.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkFolder, checkPidFile, checkSocketFile, checkSocketPath, runPaths } from '@brood/master';

const root = mkdtempSync(join(tmpdir(), 'brood-trust-'));
after(() => rmSync(root, { recursive: true, force: true }));

const untrusted = (message: RegExp) => ({ code: 'ERR_BROOD_CONTROL_UNTRUSTED', message });

test('a folder is trusted when it is this user`s and no one else may write in it', () => {
  for (const mode of [0o700, 0o750, 0o755]) {
    const dir = join(root, `ok-${mode.toString(8)}`);
    mkdirSync(dir);
    chmodSync(dir, mode);
    assert.doesNotThrow(() => checkFolder(dir, 'the run folder'), mode.toString(8));
  }
  for (const mode of [0o777, 0o775, 0o1777, 0o757]) {
    const dir = join(root, `open-${mode.toString(8)}`);
    mkdirSync(dir);
    chmodSync(dir, mode);
    assert.throws(() => checkFolder(dir, 'the run folder'), untrusted(/has mode 0\d{3}: other users may change what is in it/));
  }
  const file = join(root, 'not-a-folder');
  writeFileSync(file, '');
  assert.throws(() => checkFolder(file, 'the run folder'), untrusted(/is not a folder; remove it/));
  // The private socket folder lets no one else in at all, and is never a link.
  const readable = join(root, 'readable');
  mkdirSync(readable, { mode: 0o755 });
  assert.throws(() => checkFolder(readable, 'the socket folder', 0o077, false), untrusted(/has mode 0755/));
  symlinkSync(join(root, 'ok-700'), join(root, 'link'));
  assert.doesNotThrow(() => checkFolder(join(root, 'link'), 'the run folder'), 'run/ may be a link to a folder of the user`s');
  assert.throws(() => checkFolder(join(root, 'link'), 'the socket folder', 0o077, false), untrusted(/is not a folder/));
});

test('a pid file must be a plain file, and a socket a socket', async () => {
  const dir = join(root, 'files');
  mkdirSync(dir);
  assert.equal(checkPidFile(join(dir, 'absent.json')), undefined);
  writeFileSync(join(dir, 'default.json'), '{}', { mode: 0o600 });
  assert.ok(checkPidFile(join(dir, 'default.json')));
  symlinkSync(join(dir, 'default.json'), join(dir, 'link.json'));
  assert.throws(() => checkPidFile(join(dir, 'link.json')), untrusted(/link\.json is not a plain file; remove it/));

  assert.equal(checkSocketFile(join(dir, 'absent.sock')), false);
  assert.throws(() => checkSocketFile(join(dir, 'default.json')), untrusted(/default\.json is not a socket; Brood does not talk to it/));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'real.sock'), resolve));
  try {
    assert.equal(checkSocketFile(join(dir, 'real.sock')), true);
  } finally {
    server.close();
  }
});

test('the socket a pid file names is taken only when it is Brood`s own socket of that app and title', () => {
  const app = join(root, 'app');
  const paths = runPaths(join(app, 'run'), app, 'blue');
  assert.equal(checkSocketPath(paths, paths.socket, app, 'blue'), paths.socket);
  // A long app path: the socket lives in brood-<uid> of a temp folder, maybe another TMPDIR than the CLI's.
  const deep = join(root, 'x'.repeat(120));
  const long = runPaths(join(deep, 'run'), deep, 'blue');
  assert.notEqual(long.socket, join(deep, 'run/blue.sock'));
  mkdirSync(join(long.socket, '..'), { recursive: true, mode: 0o700 });
  assert.equal(checkSocketPath(long, long.socket, deep, 'blue'), long.socket);
  const otherTmp = join(root, 'other-tmp', `brood-${process.getuid?.()}`);
  mkdirSync(otherTmp, { recursive: true, mode: 0o700 });
  const moved = join(otherTmp, long.socket.split('/').pop() as string);
  assert.equal(checkSocketPath(long, moved, deep, 'blue'), moved);

  const refused = /names .* as its control socket, which is not a socket of brood 'blue' in .*; remove the pid file/;
  for (const named of ['/etc/passwd', join(app, 'run/green.sock'), `${app}/run/../run/blue.sock`, long.socket, 7, null]) {
    assert.throws(() => checkSocketPath(paths, named, app, 'blue'), untrusted(refused), String(named));
  }
  // Another title's private socket, in the right folder, is not this one's.
  assert.throws(() => checkSocketPath(long, runPaths(join(deep, 'run'), deep, 'green').socket, deep, 'blue'), untrusted(refused));
});
