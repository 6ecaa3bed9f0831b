/**
 * The supervisor with a process factory of plain objects: what it does when
 * a child crashes and when a fork itself fails, without forking anything.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '@brood/core';
import { type BroodError, ERR } from '@brood/errors';
import { Router } from '@brood/messenger';
import type { AppPort } from '../src/app-port.js';
import { resolveOptions } from '../src/options.js';
import type { ProcessFactory } from '../src/process-factory.js';
import { ProcessTable } from '../src/process-table.js';
import { SupervisedProcess } from '../src/supervised-process.js';
import { Supervisor } from '../src/supervisor.js';

let nextPid = 50_000;

/** The app folder the options name: nothing is written in it. */
const baseDir = mkdtempSync(join(tmpdir(), 'brood-supervisor-'));
after(() => rmSync(baseDir, { recursive: true, force: true }));

/** A child that never runs: it exits when the test says so. */
function fakeChild(): ChildProcess {
  const child = new EventEmitter() as ChildProcess & { exitCode: number | null; signalCode: string | null };
  Object.assign(child, { pid: nextPid++, exitCode: null, signalCode: null, connected: false, kill: () => true });
  return child;
}

function setup(forks: Array<'ok' | 'throws'>, maxRestarts: number, minUptime = 1000) {
  const settings = resolveOptions({ baseDir, maxRestarts, restartDelay: 1, minUptime });
  const table = new ProcessTable();
  const router = new Router({ log: { warn() {} }, directory: table, onControl() {} });
  const lines: string[] = [];
  const logger = createLogger({ role: 'master', destination: { write: (line: string) => lines.push(line) } });
  const children: ChildProcess[] = [];
  const forked: Array<() => void> = [];
  const factory = {
    forkWorker(slot: number) {
      forked.shift()?.();
      if (forks.shift() === 'throws') throw new Error('spawn EAGAIN');
      const child = fakeChild();
      children.push(child);
      return new SupervisedProcess('worker', child, slot);
    },
  } as unknown as ProcessFactory;
  /** Resolves at the next fork the supervisor asks for. */
  const nextFork = () => new Promise<void>((resolve) => forked.push(resolve));
  let giveUp!: (error: BroodError) => void;
  const gaveUp = new Promise<BroodError>((resolve) => {
    giveUp = resolve;
  });
  const port = { grant() {}, taken() {} } as unknown as AppPort;
  const supervisor = new Supervisor({ settings, logger, table, router, factory, port, host: { state: 'running', giveUp } });
  return { supervisor, table, lines, children, gaveUp, nextFork };
}

test('a fork that fails in the restart timer counts as a crash: retried, then given up, and nothing throws', async () => {
  const { supervisor, children, gaveUp, lines } = setup(['ok', 'throws', 'throws', 'throws'], 2);
  supervisor.spawnWorker(1);
  children[0]?.emit('exit', 1, null);
  const error = await gaveUp;
  assert.equal(error.code, ERR.TOO_MANY_RESTARTS);
  const text = lines.join('');
  assert.match(text, /exited unexpectedly with code 1; crash loop \(1 in a row\): restarting in 1 ms/);
  assert.match(text, /cannot fork the worker: spawn EAGAIN; crash loop \(2 in a row\): restarting in 2 ms/);
  assert.match(error.message, /^worker 1 crashed 3 times in a row, each time within 1000 ms of being ready; giving up$/);
});

test('a crashed worker is forked again into its slot, and the table follows', async () => {
  const { supervisor, table, children, nextFork } = setup(['ok', 'ok'], 5);
  const first = supervisor.spawnWorker(3);
  assert.deepEqual(
    table.workers.map((w) => w.slot),
    [3],
  );
  const refork = nextFork();
  children[0]?.emit('exit', null, 'SIGKILL');
  assert.equal(table.get(first.pid), undefined, 'the dead worker left the table at once');
  await refork;
  const [second] = table.workers;
  assert.equal(second?.slot, 3);
  assert.equal(second?.restarts, 1);
});

test('a worker that was ready for minUptime is replaced at once, every time', async () => {
  const { supervisor, table, children, nextFork, lines } = setup(['ok', 'ok', 'ok'], 0, 0);
  supervisor.ready(supervisor.spawnWorker(1));
  for (const crash of [0, 1]) {
    const refork = nextFork();
    children[crash]?.emit('exit', null, 'SIGKILL');
    await refork;
    const [next] = table.workers;
    assert.ok(next !== undefined);
    supervisor.ready(next);
  }
  const restarts = lines.map((line) => JSON.parse(line) as { wait?: number; msg: string }).filter((line) => line.wait !== undefined);
  // maxRestarts 0 would have given up at the first exit of a crash loop.
  assert.deepEqual(
    restarts.map((line) => line.wait),
    [0, 0],
  );
  assert.match(restarts[0]?.msg ?? '', /exited unexpectedly with signal SIGKILL; restarting at once$/);
});
