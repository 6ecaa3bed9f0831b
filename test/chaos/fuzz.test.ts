/**
 * Chaos: garbage on a worker's IPC channel to the master, written with
 * process.send past the messenger (test/fixtures/apps/chaos/lib/fuzz.ts):
 * values that are not envelopes, other versions, fields of the wrong type,
 * control envelopes at the wrong time, routed messages to nowhere, huge
 * strings, deep nesting. Measured per kind: messages sent, processes
 * crashed, lines the master logged. No message may crash any process.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isAlive, killAll, startBrood, waitGone } from '../helpers/cluster.js';
import { getJson } from '../helpers/http.js';
import { figuresFile } from './helpers/figures.js';
import { masterLogRead } from './helpers/procs.js';

afterEach(killAll);
const record = figuresFile(fileURLToPath(import.meta.url));

const SEED = Number(process.env.BROOD_CHAOS_SEED ?? 9);
/** Each kind, with how many messages of it; the deepest last, since it once took the master down. */
const KINDS = [
  ['random', 500],
  ['versions', 200],
  ['fields', 500],
  ['control', 100],
  ['routed', 300],
  ['huge', 5],
  ['deep', 8],
  ['deep-batch', 3],
] as const;

interface KindFigures {
  sent: number;
  /** Messages Node's process.send itself refused (too deep for its JSON.stringify). */
  refused: number;
  crashed: string[];
  masterLogLines: number;
  malformedLogLines: number;
}

const byKind: Record<string, KindFigures> = {};

test('fuzzed messages from a worker crash no process, and messaging works after each kind', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '2']);
  const started = await cluster.started();
  for (const [kind, n] of KINDS) {
    const from = cluster.lines.length;
    let sent = 0;
    let refused = 0;
    try {
      ({ sent, refused } = await getJson<{ sent: number; refused: number }>(
        `${started.url}/fuzz?kind=${kind}&n=${n}&seed=${SEED}`,
        60_000,
      ));
    } catch {
      // The worker, or the master, went down: counted below.
    }
    // Who crashed: the processes of the start that are gone (a crashed one was replaced under another pid).
    const crashed = [
      ...(isAlive(cluster.pid) ? [] : ['master']),
      ...(isAlive(started.agent) ? [] : ['agent']),
      ...started.workers.filter((pid) => !isAlive(pid)).map((pid) => `worker ${pid}`),
    ];
    if (!crashed.includes('master')) await masterLogRead(cluster);
    const masterLines = cluster.lines.slice(from).filter((l) => l.role === 'master' && l.msg !== 'control: hello');
    byKind[kind] = {
      sent,
      refused,
      crashed,
      masterLogLines: masterLines.length,
      malformedLogLines: masterLines.filter((l) => /malformed message/.test(l.msg ?? '')).length,
    };
    if (crashed.includes('master')) break;
  }
  const total = Object.values(byKind).reduce((sum, k) => sum + k.sent, 0);
  const crashes = Object.values(byKind).reduce((sum, k) => sum + k.crashed.length, 0);
  record(t, 'fuzz', { seed: SEED, sent: total, crashed: crashes, byKind });

  for (const [kind, figures] of Object.entries(byKind)) {
    assert.deepEqual(figures.crashed, [], `${kind}: crashed ${figures.crashed.join(', ')}`);
    assert.ok(figures.sent > 0, `${kind}: sent`);
  }
  assert.equal(Object.keys(byKind).length, KINDS.length, 'every kind ran');
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  await waitGone([...cluster.pids], 5000);
});

test('bytes that are not JSON, written on the IPC descriptor itself, crash no process; the master logs a count', async () => {
  const cluster = startBrood('chaos', ['--workers', '1']);
  const started = await cluster.started();
  const answer = await getJson<{ sent: number }>(`${started.url}/raw-ipc?n=3000`, 60_000);
  assert.equal(answer.sent, 3000);
  // Messages read together with the garbage are lost with it; the channel then carries messages again.
  let echoed = false;
  for (let attempt = 0; attempt < 5 && !echoed; attempt++) {
    echoed = await getJson(`${started.url}/echo?timeout=2000`, 10_000).then(
      () => true,
      () => false,
    );
  }
  assert.ok(echoed, 'a request through the same channel is answered again');
  assert.ok(isAlive(cluster.pid), 'the master lives');
  assert.ok(isAlive(started.agent) && started.workers.every(isAlive), 'the agent and the worker live');
  await masterLogRead(cluster);
  const lines = cluster.lines.filter((l) => l.role === 'master' && /not a message on its IPC channel/.test(l.msg ?? ''));
  assert.ok(lines.length >= 1 && lines.length <= 4, `${lines.length} log lines for 3,000 unreadable lines`);
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
});

test('bad messages are logged rate-limited: a few lines per kind, not one per message', () => {
  for (const [kind, figures] of Object.entries(byKind)) {
    assert.ok(figures.malformedLogLines <= 20, `${kind}: ${figures.malformedLogLines} lines for ${figures.sent} messages`);
  }
});
