/**
 * The heartbeat and the instance's health in one process, with a fake
 * channel and processes that are plain rows of a real process table: who
 * is pinged, how silence and lag are measured, and what liveness and
 * readiness say. test/health.test.ts and test/guards.test.ts check the
 * same across real processes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Envelope, PongMessage, Router } from '@brood/messenger';
import type { MasterState } from '../src/master-state.js';
import { Heartbeat, heartbeatPeriod } from '../src/ops/heartbeat.js';
import { InstanceHealth } from '../src/ops/instance-health.js';
import { ProcessTable } from '../src/process-table.js';
import type { SupervisedProcess } from '../src/supervised-process.js';

function row(role: 'agent' | 'worker', pid: number, state: 'starting' | 'ready' | 'closing'): SupervisedProcess {
  return { role, pid, state, label: `${role} ${pid}`, slot: role === 'agent' ? 0 : pid } as unknown as SupervisedProcess;
}

const pong: PongMessage = { brood: 1, type: 'process:pong', rss: 50e6, heapUsed: 10e6, heapTotal: 20e6 };

function setup(state: MasterState = 'running') {
  const table = new ProcessTable();
  const sent: Array<[number, Envelope]> = [];
  const router = { send: (pid: number, message: Envelope) => sent.push([pid, message]) } as unknown as Router;
  const host = { state };
  const heartbeat = new Heartbeat({ table, router, period: 1000, live: () => health.live().ok, onTick: () => {}, onPong: () => {} });
  const health = new InstanceHealth(host, table, heartbeat, 50);
  return { table, sent, heartbeat, health, host };
}

/** Runs one round of pings now, without waiting for the timer. */
const tick = (heartbeat: Heartbeat): void => heartbeat.tickNow();

test('the period is a quarter of maxEventLoopBlock, from 100 ms to a second', () => {
  assert.equal(heartbeatPeriod(null), 1000);
  assert.equal(heartbeatPeriod(2000), 500);
  assert.equal(heartbeatPeriod(100), 100);
  assert.equal(heartbeatPeriod(60_000), 1000);
});

test('ready processes are pinged with the liveness; a silent one is silent since its oldest ping; an answer records memory and lag', async () => {
  const { table, sent, heartbeat } = setup();
  table.add(row('agent', 10, 'ready'));
  table.add(row('worker', 11, 'ready'));
  table.add(row('worker', 12, 'starting'));
  tick(heartbeat);
  assert.deepEqual(
    sent.map(([pid, message]) => [pid, message.type, (message as { live?: boolean }).live]),
    [
      [10, 'process:ping', true],
      [11, 'process:ping', true],
    ],
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  heartbeat.pong(10, pong);
  tick(heartbeat);
  assert.ok(heartbeat.silentFor(11) >= 20, 'the worker never answered: silent since the first ping');
  assert.ok(heartbeat.silentFor(10) < heartbeat.silentFor(11), 'the agent answered: silent only since the new ping');
  assert.equal(heartbeat.silentFor(12), 0, 'a starting process is not pinged');
  const vitals = heartbeat.vitals(10);
  assert.equal(vitals?.heapUsed, 10e6);
  assert.ok((vitals?.lag ?? 0) >= 19, `lag ${vitals?.lag}`);
});

test('readiness: running with a ready worker; liveness fails without workers, with a wedged process, once stopped', async () => {
  const { table, heartbeat, health, host } = setup('starting');
  assert.deepEqual(health.ready(), { ok: false, reason: 'starting' });
  assert.equal(health.live().ok, true, 'live while starting');
  host.state = 'running';
  assert.deepEqual(health.live(), { ok: false, reason: 'no worker is ready' });
  const worker = row('worker', 21, 'ready');
  table.add(worker);
  assert.equal(health.ready().ok, true);
  assert.equal(health.live().ok, true);
  tick(heartbeat);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.match(health.live().reason, /^worker 21 has not answered for \d+ ms$/);
  heartbeat.pong(21, pong);
  assert.equal(health.live().ok, true, 'live again once it answers');
  host.state = 'stopping';
  assert.deepEqual(health.ready(), { ok: false, reason: 'stopping' });
  assert.equal(health.live().ok, true, 'a stopping instance is live');
  host.state = 'stopped';
  assert.equal(health.live().ok, false);
});
