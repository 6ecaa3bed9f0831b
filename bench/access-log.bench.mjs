#!/usr/bin/env node
/**
 * What the access log costs one worker: koa hello-world requests/s in one
 * process with the built-ins a worker uses, measured with wrk (20
 * keep-alive connections, one thread) in alternating rounds:
 *   off  config.accessLog off (the default outside env local): the request
 *        listener is the one without the feature, so this is the baseline;
 *   file one access line per request, to a file;
 *   pipe one access line per request, to stdout: a pipe this process drains,
 *        as a container runtime or a log collector does (a synchronous
 *        writer waits while the pipe is full, so this one depends on the
 *        reader keeping up).
 * Besides requests/s, the server's own CPU time per request (user + system,
 * read before and after each round): on a machine other work shares,
 * throughput swings with the load, CPU per request much less.
 * Bounded: each round runs DURATION seconds; ROUNDS rounds of each case.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { waitLine } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.DURATION ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CASES = ['off', 'file', 'pipe'];

if (process.env.ACCESS_CASE !== undefined) {
  const require = createRequire(`${root}packages/worker/package.json`);
  const Koa = require('koa');
  const { createLogger } = await import(`${root}packages/core/dist/index.js`);
  const { builtins, installContextLogger } = await import(`${root}packages/worker/dist/index.js`);
  const destination =
    process.env.ACCESS_CASE === 'file'
      ? createRequire(`${root}packages/core/package.json`)('pino').destination({ dest: process.env.LOG_FILE, sync: true })
      : undefined;
  const logger = createLogger({ role: 'worker', ...(destination === undefined ? {} : { destination }) });
  const koa = new Koa();
  installContextLogger(koa, logger);
  const front = builtins(koa, { accessLog: { enable: process.env.ACCESS_CASE !== 'off' } }, { env: 'prod', logger });
  koa.use((ctx) => {
    ctx.body = 'hello world';
  });
  const handle = front.handler();
  const server = (await import('node:http'))
    .createServer((req, res) => {
      // Not a request of the measure: the server's CPU time so far, in µs.
      if (req.url === '/__cpu') {
        const { user, system } = process.cpuUsage();
        res.end(String(user + system));
        return;
      }
      handle(req, res);
    })
    .listen(0, '127.0.0.1', () => process.stderr.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`));
} else {
  if (spawnSync('wrk', ['--version']).error !== undefined) {
    process.stderr.write('wrk is not installed (apt-get install -y wrk)\n');
    process.exit(1);
  }
  const results = Object.fromEntries(CASES.map((kind) => [kind, []]));
  const cpu = Object.fromEntries(CASES.map((kind) => [kind, []]));
  const cpuNow = async (port) => Number(await (await fetch(`http://127.0.0.1:${port}/__cpu`)).text());
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of CASES) {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
        env: { ...process.env, ACCESS_CASE: kind, LOG_FILE: `${tmpdir()}/brood-access-bench-${process.pid}.log` },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Drained, as a terminal or a log collector would.
      child.stdout.resume();
      const { port } = await waitLine({ stdout: child.stderr }, (line) => line.event === 'listening');
      const cpuBefore = await cpuNow(port);
      // Not spawnSync: this process must go on draining the server's stdout while wrk runs.
      const wrk = spawn('wrk', ['-t1', '-c20', `-d${DURATION}s`, `http://127.0.0.1:${port}/`]);
      let report = '';
      wrk.stdout.on('data', (chunk) => {
        report += chunk;
      });
      await new Promise((resolve) => wrk.once('close', resolve));
      results[kind].push(Number(/Requests\/sec:\s+([\d.]+)/.exec(report)?.[1] ?? Number.NaN));
      const served = Number(/(\d+) requests in/.exec(report)?.[1] ?? Number.NaN);
      cpu[kind].push(((await cpuNow(port)) - cpuBefore) / served);
      child.stdout.destroy();
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  }
  rmSync(`${tmpdir()}/brood-access-bench-${process.pid}.log`, { force: true });
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  process.stdout.write(`access log, one process, wrk -t1 -c20 -d${DURATION}s, ${ROUNDS} rounds each (median)\n`);
  for (const kind of CASES) {
    const rounds = results[kind].map((value) => Math.round(value)).join(', ');
    process.stdout.write(
      `  ${kind.padEnd(4)} ${String(Math.round(median(results[kind]))).padStart(7)} req/s  ${(median(results[kind]) / median(results.off)).toFixed(3)}× off   ${median(cpu[kind]).toFixed(1).padStart(6)} µs CPU/request  ${(median(cpu[kind]) / median(cpu.off)).toFixed(3)}× off   (req/s: ${rounds})\n`,
    );
  }
  if (process.env.JSON) process.stdout.write(`${JSON.stringify({ results, cpu })}\n`);
  process.exit(0);
}
