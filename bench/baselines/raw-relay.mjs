// The hand-rolled alternative for the messenger: a cluster master that
// relays every message between an agent (child_process.fork) and 2 workers
// (cluster.fork) with one process.send per message, as a plain cluster
// script or Egg's messenger does. The agent runs the same measurement as
// bench/fixtures/messenger/agent.ts and prints one JSON line.
import { fork } from 'node:child_process';
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

const WORKERS = 2;
// The phases of bench/fixtures/messenger/agent.ts.
const ROUND_TRIPS = 1000;
const EARLY_WARMUP = 300;
const STEADY_WARMUP = 5000;
const BURST = 10_000;
const role = process.env.RELAY_ROLE ?? (cluster.isPrimary ? 'master' : 'worker');

if (role === 'master') {
  const agent = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, RELAY_ROLE: 'agent' } });
  const workers = [];
  // Every child says when its listener is attached; messages sent before that would be lost.
  let ready = 0;
  const isReady = () => {
    if (++ready === WORKERS + 1) agent.send({ type: 'go', workers: WORKERS });
  };
  for (let i = 0; i < WORKERS; i++) {
    const worker = cluster.fork({ RELAY_ROLE: 'worker' });
    workers.push(worker);
    worker.on('message', (message) => {
      if (message.type === 'ready') isReady();
      else if (message.to === 'agent') agent.send(message);
    });
  }
  agent.on('message', (message) => {
    if (message.type === 'ready') isReady();
    else if (message.to === 'app') for (const worker of workers) worker.send(message);
    else if (message.type === 'result') {
      process.stdout.write(`${JSON.stringify({ event: 'bench', bench: message.bench })}\n`);
      for (const worker of workers) worker.kill();
      agent.kill();
      process.exit(0);
    }
  });
} else if (role === 'agent') {
  let waiting;
  let burstLeft = 0;
  let burstDone;
  let seq = 0;
  const roundTrips = async (count, workers) => {
    const times = [];
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await new Promise((done) => {
        waiting = { seq: ++seq, left: workers, done };
        process.send({ to: 'app', action: 'ping', data: { seq } });
      });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return times.sort((a, b) => a - b);
  };
  const summary = (times) => {
    const pick = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return { p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), max: times[times.length - 1] };
  };
  process.on('message', async (message) => {
    if (message.action === 'pong' && waiting?.seq === message.data.seq && --waiting.left === 0) waiting.done();
    if (message.action === 'burst-done' && --burstLeft === 0) burstDone();
    if (message.type !== 'go') return;
    // Let start-up settle before the first round trip.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await roundTrips(EARLY_WARMUP, message.workers);
    const early = summary(await roundTrips(ROUND_TRIPS, message.workers));
    await roundTrips(STEADY_WARMUP, message.workers);
    const steady = summary(await roundTrips(ROUND_TRIPS, message.workers));
    burstLeft = message.workers;
    const burst = new Promise((done) => {
      burstDone = done;
    });
    const started = process.hrtime.bigint();
    for (let i = 0; i < BURST; i++) process.send({ to: 'app', action: 'burst', data: { i } });
    await burst;
    const burstMs = Number(process.hrtime.bigint() - started) / 1e6;
    process.send({
      type: 'result',
      bench: { early, steady, burstMs, burstPerSec: Math.round((BURST / burstMs) * 1000), workers: message.workers },
    });
  });
  process.send({ type: 'ready' });
} else {
  let received = 0;
  process.on('message', (message) => {
    if (message.action === 'ping') process.send({ to: 'agent', action: 'pong', data: message.data });
    if (message.action === 'burst' && ++received === BURST) process.send({ to: 'agent', action: 'burst-done', data: {} });
  });
  process.send({ type: 'ready' });
}
