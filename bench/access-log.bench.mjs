#!/usr/bin/env node
/**
 * What the access log costs one worker: koa hello-world requests/s in one
 * process with the built-ins a worker uses, measured with wrk (20
 * keep-alive connections, one thread) in alternating rounds:
 *   off  config.accessLog off (the default outside env local): the request
 *        listener is the one without the feature, so this is the baseline;
 *   on   one access line per request, to stdout (a drained pipe).
 * Bounded: each round runs DURATION seconds; ROUNDS rounds of each case.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { waitLine } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.DURATION ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CASES = ['off', 'on'];

if (process.env.ACCESS_CASE !== undefined) {
  const require = createRequire(`${root}packages/worker/package.json`);
  const Koa = require('koa');
  const { createLogger } = await import(`${root}packages/core/dist/index.js`);
  const { builtins, installContextLogger } = await import(`${root}packages/worker/dist/index.js`);
  const logger = createLogger({ role: 'worker' });
  const koa = new Koa();
  installContextLogger(koa, logger);
  const front = builtins(koa, { accessLog: { enable: process.env.ACCESS_CASE === 'on' } }, { env: 'prod', logger });
  koa.use((ctx) => {
    ctx.body = 'hello world';
  });
  const server = (await import('node:http'))
    .createServer(front.handler())
    .listen(0, '127.0.0.1', () => process.stderr.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`));
} else {
  if (spawnSync('wrk', ['--version']).error !== undefined) {
    process.stderr.write('wrk is not installed (apt-get install -y wrk)\n');
    process.exit(1);
  }
  const results = Object.fromEntries(CASES.map((kind) => [kind, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of CASES) {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
        env: { ...process.env, ACCESS_CASE: kind },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Drained, as a terminal or a log collector would.
      child.stdout.resume();
      const { port } = await waitLine({ stdout: child.stderr }, (line) => line.event === 'listening');
      // Not spawnSync: this process must go on draining the server's stdout while wrk runs.
      const wrk = spawn('wrk', ['-t1', '-c20', `-d${DURATION}s`, `http://127.0.0.1:${port}/`]);
      let report = '';
      wrk.stdout.on('data', (chunk) => {
        report += chunk;
      });
      await new Promise((resolve) => wrk.once('close', resolve));
      results[kind].push(Number(/Requests\/sec:\s+([\d.]+)/.exec(report)?.[1] ?? Number.NaN));
      child.stdout.destroy();
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  process.stdout.write(`access log, one process, wrk -t1 -c20 -d${DURATION}s, ${ROUNDS} rounds each (median)\n`);
  for (const kind of CASES) {
    const rounds = results[kind].map((value) => Math.round(value)).join(', ');
    process.stdout.write(
      `  ${kind.padEnd(4)} ${String(Math.round(median(results[kind]))).padStart(7)} req/s  ${(median(results[kind]) / median(results.off)).toFixed(3)}× off   (${rounds})\n`,
    );
  }
  if (process.env.JSON) process.stdout.write(`${JSON.stringify(results)}\n`);
  process.exit(0);
}
