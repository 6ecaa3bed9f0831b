/**
 * The ways a worker listens, each with real requests from Node's own
 * clients: HTTPS with a certificate a reload renews, HTTP/2 over TLS (and
 * HTTP/1.1 to clients without it) with a graceful stop of a stream in
 * flight, and a Unix socket with its mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { brood, killDaemons } from './helpers/cli.js';
import { FIXTURES, killAll, startBrood } from './helpers/cluster.js';
import { get } from './helpers/http.js';
import { fixtureCopy, removeTempApps } from './helpers/temp-app.js';

const TLS = join(FIXTURES, '..', 'tls');
const ca = [readFileSync(join(TLS, 'one.cert.pem')), readFileSync(join(TLS, 'two.cert.pem'))];
afterEach(() => {
  killAll();
  killDaemons();
});
after(removeTempApps);

/** The basic fixture in a fresh folder, with the `one` key and certificate in its tls/. */
function appWithTls(): string {
  const dir = fixtureCopy('basic');
  mkdirSync(join(dir, 'tls'));
  copyFileSync(join(TLS, 'one.key.pem'), join(dir, 'tls', 'key.pem'));
  copyFileSync(join(TLS, 'one.cert.pem'), join(dir, 'tls', 'cert.pem'));
  return dir;
}

interface Answer {
  status: number;
  body: string;
  /** The SHA-256 fingerprint of the certificate the server showed. */
  fingerprint?: string;
}

/** One HTTPS GET on a new connection, the certificate checked against the test CA. */
function httpsGet(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, servername: 'localhost', agent: false, timeout: 10_000 }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.end();
  });
}

const fingerprintOf = (name: string): string =>
  (
    spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(TLS, `${name}.cert.pem`)], {
      encoding: 'utf8',
    }).stdout.split('=')[1] ?? ''
  ).trim();

test('HTTPS (each worker accepting on the socket, --sched none): requests over TLS; brood reload puts a renewed certificate in service', async () => {
  const dir = appWithTls();
  const title = `tls-${process.pid}`;
  const cluster = startBrood(dir, ['--tls-key', 'tls/key.pem', '--tls-cert', 'tls/cert.pem', '--title', title, '--sched', 'none']);
  const { url } = await cluster.started();
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const first = await httpsGet(`${url}/`);
  assert.equal(first.status, 200);
  assert.equal(first.fingerprint, fingerprintOf('one'));

  copyFileSync(join(TLS, 'two.key.pem'), join(dir, 'tls', 'key.pem'));
  copyFileSync(join(TLS, 'two.cert.pem'), join(dir, 'tls', 'cert.pem'));
  const reload = await brood(['reload', dir, '--title', title], { timeout: 60_000 });
  assert.equal(reload.code, 0, reload.stderr);
  const renewed = await httpsGet(`${url}/`);
  assert.equal(renewed.status, 200);
  assert.equal(renewed.fingerprint, fingerprintOf('two'), 'the new workers read the renewed files');
});

test('HTTP/2 over TLS (connections handed over by the master, rr), HTTP/1.1 to clients without it, and a stream in flight finishes through a stop', async () => {
  const dir = appWithTls();
  const cluster = startBrood(dir, ['--tls-key', 'tls/key.pem', '--tls-cert', 'tls/cert.pem', '--http2']);
  const { url } = await cluster.started();
  const http1 = await httpsGet(`${url}/`);
  assert.equal(http1.status, 200, 'ALPN falls back to HTTP/1.1');

  const session = http2Connect(url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  const h2get = (path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path });
      let status = 0;
      let body = '';
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
  const plain = await h2get('/');
  assert.equal(plain.status, 200);
  assert.equal(typeof (JSON.parse(plain.body) as { pid: number }).pid, 'number');
  assert.equal(session.alpnProtocol, 'h2');

  const slow = h2get('/slow?ms=1000');
  await cluster.waitFor((line) => line.event === 'test:slow-started', 'the slow request to start');
  const goaway = new Promise((resolve) => session.once('goaway', resolve));
  cluster.signal('SIGTERM');
  const answer = await slow;
  assert.deepEqual([answer.status, (JSON.parse(answer.body) as { slept: number }).slept], [200, 1000], 'the stream in flight finished');
  await goaway;
  session.close();
  assert.equal((await cluster.exit()).code, 0);
});

for (const sched of ['rr', 'none']) {
  test(`a Unix socket (--sched ${sched}) with its mode; a stale socket file of a killed master is replaced; the stop removes it`, async () => {
    const dir = appWithTls();
    const socket = join(dir, 'app.sock');
    // A socket file nobody listens on, as a master killed with SIGKILL leaves.
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.ok(statSync(socket).isSocket());
    const cluster = startBrood(dir, ['--socket', 'app.sock', '--socket-mode', '660', '--sched', sched]);
    const { url } = await cluster.started();
    assert.equal(url, `unix:${socket}`);
    assert.equal((statSync(socket).mode & 0o777).toString(8), '660');
    const answer = await get('http://localhost/', { socketPath: socket });
    assert.equal(answer.status, 200);
    assert.equal(typeof (JSON.parse(answer.body) as { pid: number }).pid, 'number');
    cluster.signal('SIGTERM');
    assert.equal((await cluster.exit()).code, 0);
    assert.equal(existsSync(socket), false, 'the socket file is gone with the app');
  });
}

test('a listen setting that cannot work stops the start in one line', async () => {
  const dir = appWithTls();
  const cases: Array<[string[], RegExp]> = [
    [['--http2'], /^brood: http2 needs tls: .* \(ERR_BROOD_BAD_OPTION\)$/],
    [['--tls-key', 'tls/key.pem'], /^brood: tls needs both key and cert, .* \(ERR_BROOD_BAD_OPTION\)$/],
    [
      ['--tls-key', 'tls/nope.pem', '--tls-cert', 'tls/cert.pem'],
      /^brood: tls\.key \S+\/tls\/nope\.pem cannot be read: ENOENT \(ERR_BROOD_BAD_OPTION\)$/,
    ],
    [
      ['--socket', 'app.sock', '--socket-mode', 'rw'],
      /^brood: socketMode must be an octal mode such as '660', got "rw" \(ERR_BROOD_BAD_OPTION\)$/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await brood(['start', dir, '--port', '0', ...args]);
    assert.equal(run.code, 1, args.join(' '));
    assert.match(run.stderr.trim(), message);
  }
});
