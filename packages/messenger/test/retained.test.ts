/**
 * Retained messages in one process: the store's rules (the last value per
 * action, in the order last set, bounded in bytes) and how the router keeps
 * them instead of holding them before app-ready.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionMessage, type Directory, type Envelope, envelope, envelopeSize, Retained, Router, unpack } from '@brood/messenger';

const AGENT = 101;
const W1 = 201;

const message = (action: string, data: unknown, to: 'app' | 'all' | 'agent' = 'app', retain = true) => {
  const m = envelope<ActionMessage>({ type: 'action', action, data, from: { role: 'agent', pid: AGENT }, to });
  if (retain) m.retain = true;
  return m;
};

function store(maxBytes = 1 << 20) {
  const warnings: string[] = [];
  return { retained: new Retained({ warn: (_fields, text) => warnings.push(text) }, maxBytes), warnings };
}

test('the last value of each action is kept, in the order last set; what is not retained for the workers is not', () => {
  const { retained } = store();
  assert.equal(retained.keep(message('a', 1), 10), true);
  assert.equal(retained.keep(message('b', 1, 'all'), 20), true);
  assert.equal(retained.keep(message('a', 2), 30), true);
  assert.equal(retained.keep(message('c', 1, 'app', false), 10), false, 'no retain');
  assert.equal(retained.keep(message('d', 1, 'agent'), 10), false, 'not for the workers');
  assert.deepEqual(
    retained.messages().map((m) => [m.action, m.data]),
    [
      ['b', 1],
      ['a', 2],
    ],
  );
  assert.equal(retained.size, 2);
  assert.equal(retained.bytes, 50, 'the replaced value no longer counts');
});

test('bounded in bytes: a value past the bound is not kept, its stale value is dropped, and it is said once', () => {
  const { retained, warnings } = store(100);
  assert.equal(retained.keep(message('small', 'x'), 40), true);
  assert.equal(retained.keep(message('big', 'old'), 10), true);
  assert.equal(retained.keep(message('big', 'new'), 85), false);
  assert.equal(retained.keep(message('big', 'newer'), 90), false);
  assert.deepEqual(
    retained.messages().map((m) => m.action),
    ['small'],
    'the older value of big is gone with the refusal',
  );
  assert.equal(retained.bytes, 40);
  assert.equal(warnings.length, 1, 'one line until a value of big fits again');
  assert.match(
    warnings[0] as string,
    /^retained message big \(85 bytes\) not kept: the retained values would pass maxPendingBytes \(100 bytes\)/,
  );
  assert.equal(retained.keep(message('big', 'fits'), 60), true);
  assert.equal(retained.keep(message('big', 'again too big'), 61), false);
  assert.equal(warnings.length, 2, 'said again after a value fitted');
});

/** A table where the agent and one worker are ready; the app serves once told to. */
class Table implements Directory {
  serving = false;
  workers: number[] = [];
  agent(): number | undefined {
    return AGENT;
  }
  readyWorkers(): number[] {
    return this.workers;
  }
  appReady(): boolean {
    return this.serving;
  }
}

test('the router keeps a retained message instead of holding it before app-ready, and delivers it live after', async () => {
  const table = new Table();
  const router = new Router({ log: { warn: () => {} }, directory: table, onControl: () => {} });
  const inbox = new Map<number, string[]>([
    [AGENT, []],
    [W1, []],
  ]);
  for (const [pid, role] of [
    [AGENT, 'agent'],
    [W1, 'worker'],
  ] as const) {
    router.open({ role, pid }, (m: Envelope) => {
      unpack(m, (inner) => {
        if (inner.type === 'action') inbox.get(pid)?.push(`${inner.action}=${String(inner.data)}`);
      });
      return true;
    });
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  table.workers = [W1];
  router.receive(AGENT, message('state', 1));
  router.receive(AGENT, message('state', 2));
  router.receive(AGENT, message('both', 1, 'all'));
  router.receive(AGENT, message('plain', 1, 'app', false));
  await tick();
  assert.deepEqual(inbox.get(AGENT), ['both=1'], 'the agent part of a broadcast goes at once');
  assert.deepEqual(inbox.get(W1), []);
  table.serving = true;
  router.release();
  await tick();
  assert.deepEqual(inbox.get(W1), ['plain=1'], 'only what is not retained was held: the rest is the master’s to give at app:ready');
  assert.deepEqual(
    router.retained.messages().map((m) => `${m.action}=${String(m.data)}`),
    ['state=2', 'both=1'],
  );
  router.receive(AGENT, message('state', 3));
  await tick();
  assert.deepEqual(inbox.get(W1), ['plain=1', 'state=3'], 'once the app serves, live as well as kept');
  assert.deepEqual(
    router.retained.messages().map((m) => `${m.action}=${String(m.data)}`),
    ['both=1', 'state=3'],
  );
  assert.equal(
    router.retained.bytes,
    envelopeSize(message('both', 1, 'all')) + envelopeSize(message('state', 3)),
    'counted as every bound counts',
  );
});
