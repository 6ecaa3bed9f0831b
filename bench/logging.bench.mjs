#!/usr/bin/env node
/**
 * What per-request logging costs one worker: koa hello-world requests/s in
 * one process (a child, loaded by autocannon from this one) with
 *   a) no logging,
 *   b) ctx.logger read on every request but its level above info (no line),
 *   c) one ctx.logger.info line per request, to a log file,
 *   d) one ctx.logger.info line per request, to stdout (a pipe).
 * Bounded: each case runs DURATION seconds.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { waitLine } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const autocannon = createRequire(import.meta.url)('autocannon');
const DURATION = Number(process.env.DURATION ?? 5);
const CASES = ['none', 'silent', 'file', 'stdout'];

if (process.env.LOG_CASE !== undefined) {
  // The server: one process, the built-ins a worker uses, the case's logging.
  const require = createRequire(`${root}packages/worker/package.json`);
  const Koa = require('koa');
  const { createLogger, openLogFile } = await import(`${root}packages/core/dist/index.js`);
  const { builtins, installContextLogger } = await import(`${root}packages/worker/dist/index.js`);
  const kind = process.env.LOG_CASE;
  const file = { path: `${process.env.LOG_DIR}/worker-1.log` };
  const logger = createLogger({
    role: 'worker',
    level: kind === 'silent' ? 'warn' : 'info',
    ...(kind === 'file'
      ? { file, destination: createRequire(`${root}packages/core/package.json`)('pino').destination({ dest: '/dev/null', sync: true }) }
      : {}),
  });
  if (kind === 'file') await openLogFile(logger, file);
  const koa = new Koa();
  installContextLogger(koa, logger);
  const front = builtins(koa, {}, { env: 'prod', logger });
  koa.use((ctx) => {
    if (kind !== 'none') ctx.logger.info('served');
    ctx.body = 'hello world';
  });
  const server = (await import('node:http'))
    .createServer(front.handler())
    .listen(0, '127.0.0.1', () => process.stderr.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`));
} else {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/brood-logbench-`);
  const results = {};
  for (const kind of CASES) {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, LOG_CASE: kind, LOG_DIR: dir },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Drained, as a terminal or a log collector would: a full pipe blocks a synchronous logger.
    child.stdout.resume();
    // The server reports its port on stderr: its stdout is what case d) writes to.
    const { port } = await waitLine({ stdout: child.stderr }, (line) => line.event === 'listening');
    const result = await new Promise((resolve, reject) =>
      autocannon({ url: `http://127.0.0.1:${port}/`, connections: 20, duration: DURATION }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    results[kind] = Math.round(result.requests.average);
    child.stdout.destroy();
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write('per-request logging, one process, 20 keep-alive connections\n');
  for (const kind of CASES)
    process.stdout.write(
      `  ${kind.padEnd(7)} ${String(results[kind]).padStart(7)} req/s  ${(results[kind] / results.none).toFixed(3)}× none\n`,
    );
  if (process.env.JSON) process.stdout.write(`${JSON.stringify(results)}\n`);
  process.exit(0);
}
