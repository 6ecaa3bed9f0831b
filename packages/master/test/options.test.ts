/**
 * How the master settles its options from what it was given, the
 * environment and the app's package.json, checked on resolveOptions alone:
 * no cluster starts. test/start-errors.test.ts keeps one bad option started
 * for real, to see it reach the user as one line and exit 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { envFromNodeEnv, type MasterOptions, resolveOptions } from '@brood/master';
import { appUrl } from '../src/listen-options.js';
import { resolveOperations } from '../src/ops/ops-options.js';
import { parseSize } from '../src/output-rotation.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh app folder; with `brood`, its package.json carries that field; with a string, that text. */
function appDir(pkg?: MasterOptions | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'brood-options-'));
  made.push(dir);
  if (pkg !== undefined) {
    const text = typeof pkg === 'string' ? pkg : JSON.stringify({ name: 'app', private: true, brood: pkg });
    writeFileSync(join(dir, 'package.json'), text);
  }
  return dir;
}

/** Resolves with no environment but what is given. */
const resolveIn = (input: MasterOptions, env: NodeJS.ProcessEnv = {}, defaultEnv?: string) => resolveOptions(input, env, defaultEnv);

/** Asserts that resolving fails with ERR_BROOD_BAD_OPTION and this exact message. */
function refused(input: MasterOptions, message: string, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(() => resolveIn(input, env), { code: 'ERR_BROOD_BAD_OPTION', message });
}

test('an app folder without package.json gets every default', () => {
  const baseDir = appDir();
  assert.deepEqual(resolveIn({ baseDir }), {
    baseDir,
    runDir: join(baseDir, 'run'),
    buildDir: join(baseDir, '.brood', 'build'),
    port: 7001,
    workers: availableParallelism(),
    spareWorkers: 0,
    env: 'prod',
    schedulingPolicy: process.platform === 'win32' ? 'none' : 'rr',
    agentStartTimeout: 30_000,
    workerStartTimeout: 30_000,
    shutdownTimeout: 10_000,
    requestTimeout: 5000,
    minUptime: 1000,
    maxRestarts: 10,
    restartDelay: 100,
    maxRestartDelay: 5000,
    pretty: false,
    title: 'default',
    control: true,
    sourceMaps: false,
    logLevel: 'info',
    logRotate: { size: '10m', limit: 10 },
    listen: {},
    unhandledRejection: 'exit',
    // The operator's settings' own defaults: packages/master/test/ops-options.test.ts.
    ops: resolveOperations(() => undefined),
    maxPendingBytes: 64 * 1024 * 1024,
  });
});

test('package.json `brood` fills what was not given; what was given wins', () => {
  const baseDir = appDir({ port: 8080, workers: 3, title: 'blue', host: '127.0.0.1', logLevel: 'debug', shutdownTimeout: 2000 });
  const resolved = resolveIn({ baseDir, workers: 1, logLevel: 'warn' });
  assert.equal(resolved.port, 8080);
  assert.equal(resolved.workers, 1);
  assert.equal(resolved.title, 'blue');
  assert.equal(resolved.host, '127.0.0.1');
  assert.equal(resolved.logLevel, 'warn');
  assert.equal(resolved.shutdownTimeout, 2000);
});

test('a package.json without a `brood` field, or with other fields only, changes nothing', () => {
  const baseDir = appDir(JSON.stringify({ name: 'app', version: '1.0.0', scripts: { start: 'brood start' } }));
  assert.deepEqual(resolveIn({ baseDir }), {
    ...resolveIn({ baseDir: appDir() }),
    baseDir,
    runDir: join(baseDir, 'run'),
    buildDir: join(baseDir, '.brood', 'build'),
  });
});

test('a relative baseDir is resolved against the current folder', () => {
  const baseDir = appDir();
  assert.equal(resolveIn({ baseDir: relative(process.cwd(), baseDir) }).baseDir, baseDir);
  assert.equal(resolveIn({}).baseDir, process.cwd());
});

test('the app environment: given, then BROOD_ENV, then package.json, then NODE_ENV, then the default', () => {
  const baseDir = appDir({ env: 'staging' });
  const bare = appDir();
  assert.equal(resolveIn({ baseDir, env: 'given' }, { BROOD_ENV: 'from-env', NODE_ENV: 'production' }).env, 'given');
  assert.equal(resolveIn({ baseDir }, { BROOD_ENV: 'from-env', NODE_ENV: 'production' }).env, 'from-env');
  assert.equal(resolveIn({ baseDir }, { NODE_ENV: 'production' }).env, 'staging');
  assert.equal(resolveIn({ baseDir: bare }, { NODE_ENV: 'development' }).env, 'local');
  assert.equal(resolveIn({ baseDir: bare }, {}, 'local').env, 'local', 'brood dev defaults to local');
  // A shell makes it easy to export an empty variable: it counts as unset.
  assert.equal(resolveIn({ baseDir }, { BROOD_ENV: '' }).env, 'staging');
  assert.equal(resolveIn({ baseDir: bare, env: '' }, { BROOD_ENV: '' }).env, 'prod');
});

test('NODE_ENV maps to an app environment as Egg does; anything else falls back', () => {
  assert.equal(envFromNodeEnv('production', 'x'), 'prod');
  assert.equal(envFromNodeEnv('development', 'x'), 'local');
  assert.equal(envFromNodeEnv('test', 'x'), 'test');
  assert.equal(envFromNodeEnv('staging', 'x'), 'x');
  assert.equal(envFromNodeEnv(undefined, 'prod'), 'prod');
});

test('the scheduling policy: given, then BROOD_SCHED_POLICY, then package.json', () => {
  const pinnedNone = appDir({ schedulingPolicy: 'none' });
  assert.equal(resolveIn({ baseDir: pinnedNone }).schedulingPolicy, 'none');
  assert.equal(resolveIn({ baseDir: pinnedNone }, { BROOD_SCHED_POLICY: 'rr' }).schedulingPolicy, 'rr');
  assert.equal(resolveIn({ baseDir: pinnedNone, schedulingPolicy: 'rr' }, { BROOD_SCHED_POLICY: 'none' }).schedulingPolicy, 'rr');
  assert.equal(resolveIn({ baseDir: appDir() }, { BROOD_SCHED_POLICY: 'none' }).schedulingPolicy, 'none');
});

test('an unknown scheduling policy is refused, wherever it comes from', () => {
  const message = 'schedulingPolicy (or BROOD_SCHED_POLICY) must be rr or none, got fastest';
  refused({ baseDir: appDir() }, message, { BROOD_SCHED_POLICY: 'fastest' });
  refused({ baseDir: appDir(), schedulingPolicy: 'fastest' as 'rr' }, message);
  refused({ baseDir: appDir({ schedulingPolicy: 'fastest' as 'rr' }) }, message);
});

test('port: 0 picks a free one; negative, fractional, too large or not a number is refused', () => {
  assert.equal(resolveIn({ baseDir: appDir(), port: 0 }).port, 0);
  assert.equal(resolveIn({ baseDir: appDir(), port: 65535 }).port, 65535);
  refused({ baseDir: appDir(), port: -1 }, 'port must be a non-negative integer, got -1');
  refused({ baseDir: appDir(), port: 80.5 }, 'port must be a non-negative integer, got 80.5');
  refused({ baseDir: appDir(), port: 65536 }, 'port must be at most 65535, got 65536');
  refused({ baseDir: appDir({ port: '8080' as unknown as number }) }, 'port must be a non-negative integer, got 8080');
});

test('every count and timeout must be a positive integer, named in the message', () => {
  const names = ['workers', 'agentStartTimeout', 'workerStartTimeout', 'shutdownTimeout', 'requestTimeout'] as const;
  for (const name of names) {
    refused({ baseDir: appDir(), [name]: 0 }, `${name} must be a positive integer, got 0`);
    refused({ baseDir: appDir(), [name]: 1.5 }, `${name} must be a positive integer, got 1.5`);
    refused({ baseDir: appDir({ [name]: 'two' } as MasterOptions) }, `${name} must be a positive integer, got two`);
    assert.equal(resolveIn({ baseDir: appDir(), [name]: 7 })[name], 7);
  }
});

test('the restart options and spareWorkers may be 0 (at once, never, give up at once, none) but not negative or fractional', () => {
  for (const name of ['minUptime', 'maxRestarts', 'restartDelay', 'maxRestartDelay', 'spareWorkers'] as const) {
    refused({ baseDir: appDir(), [name]: -1 }, `${name} must be a non-negative integer, got -1`);
    refused({ baseDir: appDir(), [name]: 1.5 }, `${name} must be a non-negative integer, got 1.5`);
    refused({ baseDir: appDir({ [name]: 'two' } as MasterOptions) }, `${name} must be a non-negative integer, got two`);
    assert.equal(resolveIn({ baseDir: appDir(), [name]: 0 })[name], 0);
    assert.equal(resolveIn({ baseDir: appDir({ [name]: 7 }) })[name], 7);
  }
});

test('maxPendingBytes: a number of bytes, or a size with a unit, from the options or package.json', () => {
  assert.equal(resolveIn({ baseDir: appDir(), maxPendingBytes: 1000 }).maxPendingBytes, 1000);
  assert.equal(resolveIn({ baseDir: appDir({ maxPendingBytes: '16mb' }) }).maxPendingBytes, 16 * 1024 * 1024);
  assert.equal(resolveIn({ baseDir: appDir(), maxPendingBytes: '512KB' }).maxPendingBytes, 512 * 1024);
  assert.equal(resolveIn({ baseDir: appDir(), maxPendingBytes: '1g' }).maxPendingBytes, 1024 ** 3);
  for (const bad of ['lots', '10 parsecs', '0mb', '-1mb', 0, -5, 1.5]) {
    refused(
      { baseDir: appDir(), maxPendingBytes: bad },
      `maxPendingBytes must be a number of bytes or a size such as '512MB', got ${JSON.stringify(bad)}`,
    );
  }
});

test('a title that could not name a file is refused', () => {
  const message = (title: string) => `title must be 1 to 64 letters, digits, dots, dashes or underscores, got ${JSON.stringify(title)}`;
  for (const title of ['../package', '..', '.', 'a b', 'x'.repeat(65), 'blue/green']) refused({ baseDir: appDir(), title }, message(title));
  refused({ baseDir: appDir({ title: '../up' }) }, message('../up'));
  for (const title of ['blue', 'api-v2.1_canary', 'x'.repeat(64), '.hidden'])
    assert.equal(resolveIn({ baseDir: appDir(), title }).title, title);
});

test('logDir: given, then BROOD_LOG_DIR, then package.json; relative to the app folder', () => {
  const baseDir = appDir({ logDir: 'logs/pkg' });
  assert.equal(resolveIn({ baseDir, logDir: 'logs/given' }, { BROOD_LOG_DIR: '/var/log/app' }).logDir, join(baseDir, 'logs/given'));
  assert.equal(resolveIn({ baseDir }, { BROOD_LOG_DIR: '/var/log/app' }).logDir, '/var/log/app');
  assert.equal(resolveIn({ baseDir }).logDir, join(baseDir, 'logs/pkg'));
  assert.equal(resolveIn({ baseDir: appDir() }, { BROOD_LOG_DIR: '' }).logDir, undefined);
});

test('unhandledRejection: exit by default, log when asked, nothing else', () => {
  assert.equal(resolveIn({ baseDir: appDir() }).unhandledRejection, 'exit');
  assert.equal(resolveIn({ baseDir: appDir({ unhandledRejection: 'log' }) }).unhandledRejection, 'log');
  assert.equal(resolveIn({ baseDir: appDir({ unhandledRejection: 'log' }), unhandledRejection: 'exit' }).unhandledRejection, 'exit');
  const baseDir = appDir({ unhandledRejection: 'warn' as never });
  assert.throws(() => resolveIn({ baseDir }), {
    code: 'ERR_BROOD_BAD_OPTION',
    message: 'unhandledRejection must be exit or log, got warn',
  });
});

test('logRotate and host pass through as given', () => {
  const logRotate = { size: '10m', frequency: 'daily', limit: 7 } as const;
  const resolved = resolveIn({ baseDir: appDir({ logRotate }), host: '::1' });
  assert.deepEqual(resolved.logRotate, logRotate);
  assert.equal(resolved.host, '::1');
});

test('a package.json that is not JSON is refused, naming the file', () => {
  const baseDir = appDir('{ "name": "app", ');
  assert.throws(() => resolveIn({ baseDir }), {
    code: 'ERR_BROOD_BAD_OPTION',
    message: new RegExp(`^${join(baseDir, 'package.json').replaceAll('.', '\\.')} is not valid JSON: `),
  });
});

test('PORT and HOST from the environment: below the flags, above package.json', () => {
  const baseDir = appDir({ port: 8080, host: '127.0.0.1' });
  assert.equal(resolveIn({ baseDir }, { PORT: '5000' }).port, 5000);
  assert.equal(resolveIn({ baseDir, port: 9000 }, { PORT: '5000' }).port, 9000);
  assert.equal(resolveIn({ baseDir }, { PORT: '' }).port, 8080);
  assert.equal(resolveIn({ baseDir: appDir() }, { PORT: '0' }).port, 0);
  assert.equal(resolveIn({ baseDir }, { HOST: '::1' }).host, '::1');
  assert.equal(resolveIn({ baseDir, host: '0.0.0.0' }, { HOST: '::1' }).host, '0.0.0.0');
  assert.equal(resolveIn({ baseDir }, { HOST: '' }).host, '127.0.0.1');
  for (const bad of ['http', '70000', '-1', '80.5'])
    refused({ baseDir }, `PORT must be a port number from 0 to 65535, got ${bad}`, { PORT: bad });
});

test('runDir and buildDir: given, then BROOD_RUN_DIR / BROOD_BUILD_DIR, then package.json; relative to the app folder', () => {
  const baseDir = appDir({ runDir: 'pkg-run', buildDir: 'pkg-build' });
  const env = { BROOD_RUN_DIR: '/srv/run', BROOD_BUILD_DIR: '/srv/build' };
  const given = resolveIn({ baseDir, runDir: 'r', buildDir: 'b' }, env);
  assert.deepEqual([given.runDir, given.buildDir], [join(baseDir, 'r'), join(baseDir, 'b')]);
  const fromEnv = resolveIn({ baseDir }, env);
  assert.deepEqual([fromEnv.runDir, fromEnv.buildDir], ['/srv/run', '/srv/build']);
  const fromPackage = resolveIn({ baseDir }, { BROOD_RUN_DIR: '', BROOD_BUILD_DIR: '' });
  assert.deepEqual([fromPackage.runDir, fromPackage.buildDir], [join(baseDir, 'pkg-run'), join(baseDir, 'pkg-build')]);
  assert.equal(fromPackage.privateDir, undefined, 'a writable app folder keeps its folders');
});

test('logRotate.size is read as pino-roll reads it', () => {
  assert.equal(parseSize('10m'), 10 * 1024 ** 2);
  assert.equal(parseSize('512k'), 512 * 1024);
  assert.equal(parseSize('1g'), 1024 ** 3);
  assert.equal(parseSize('100b'), 100);
  assert.equal(parseSize(2), 2 * 1024 ** 2);
  assert.equal(parseSize('3'), 3 * 1024 ** 2);
  assert.throws(() => parseSize('ten'), {
    code: 'ERR_BROOD_BAD_OPTION',
    message: `logRotate.size must be a number of bytes or a size such as '512MB', got "ten"`,
  });
});

test('listen: tls files resolved against the app folder and checked; http2 needs tls; a socket with its mode', () => {
  const baseDir = appDir();
  writeFileSync(join(baseDir, 'key.pem'), 'k');
  writeFileSync(join(baseDir, 'cert.pem'), 'c');
  assert.deepEqual(resolveIn({ baseDir }).listen, {});
  const tls = resolveIn({ baseDir, tls: { key: 'key.pem', cert: 'cert.pem' }, http2: true }).listen;
  assert.deepEqual(tls, { tls: { key: join(baseDir, 'key.pem'), cert: join(baseDir, 'cert.pem') }, http2: true });
  const socket = resolveIn({ baseDir: appDir({ socket: 'app.sock', socketMode: '0660' }) }).listen;
  assert.equal(socket.socketMode, 0o660);
  assert.equal(resolveIn({ baseDir, socket: '/tmp/x.sock', socketMode: 0o600 }).listen.socketMode, 0o600);
  refused({ baseDir, http2: true }, 'http2 needs tls: browsers and most clients speak HTTP/2 over TLS only');
  refused({ baseDir, tls: { key: 'key.pem', cert: '' } }, 'tls needs both key and cert, the paths of PEM files (--tls-key and --tls-cert)');
  refused({ baseDir, tls: { key: 'key.pem', cert: '.' } }, `tls.cert ${baseDir} is not a file`);
  refused(
    { baseDir, socket: `/tmp/${'x'.repeat(100)}.sock` },
    `socket /tmp/${'x'.repeat(100)}.sock is longer than 100 characters, too long for a Unix socket`,
  );
  refused({ baseDir, socket: 'a.sock', socketMode: '999' }, `socketMode must be an octal mode such as '660', got "999"`);
});

test('the URL of the app: http or https, the shown host, a Unix socket', () => {
  assert.equal(appUrl({}, undefined, 7001), 'http://127.0.0.1:7001');
  assert.equal(appUrl({ tls: { key: 'k', cert: 'c' } }, '::', 8443), 'https://127.0.0.1:8443');
  assert.equal(appUrl({}, '::1', 80), 'http://[::1]:80');
  assert.equal(appUrl({ socket: '/run/shop.sock' }, undefined, 0), 'unix:/run/shop.sock');
  assert.equal(appUrl({ socket: '/run/shop.sock', tls: { key: 'k', cert: 'c' } }, undefined, 0), 'https+unix:/run/shop.sock');
});
