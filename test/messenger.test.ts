import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Cluster, killAll, type StartedLine, startBrood } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';

interface Received {
  action: string;
  data: unknown;
  from: number;
  role: string;
}
interface Collected {
  agent: { pid: number; received: Received[] };
  workers: Record<string, Received[]>;
}

let cluster: Cluster;
let started: StartedLine;

before(async () => {
  cluster = startBrood('basic', ['--workers', '2']);
  started = await cluster.started();
});
after(killAll);

const url = (path: string): string => `${started.url}${path}`;
const args = (...values: unknown[]): string => `?args=${encodeURIComponent(JSON.stringify(values))}`;
/** Makes a worker call a messenger method. */
const workerDo = (name: string, ...values: unknown[]) => getJson<{ pid: number; result: unknown }>(url(`/do/${name}${args(...values)}`));
/** Makes the agent call a messenger method. */
const agentDo = (name: string, ...values: unknown[]) => getJson<{ result: unknown }>(url(`/agent-do/${name}${args(...values)}`));
const collect = () => getJson<Collected>(url('/collect'));

/** Polls until `check` passes on what every process received; fails after 5 s. */
async function eventually(check: (c: Collected) => void): Promise<Collected> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const collected = await collect();
    try {
      check(collected);
      return collected;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const tagged = (list: Received[], tag: string): Received[] => list.filter((r) => (r.data as { tag?: string } | null)?.tag === tag);

test('messages sent by the agent before app-ready are held and delivered', async () => {
  const collected = await collect();
  for (const pid of started.workers) {
    assert.equal(collected.workers[pid]?.filter((r) => r.action === 'test:early').length, 1, `worker ${pid} got test:early once`);
  }
  const random = Object.values(collected.workers).flatMap((list) => list.filter((r) => r.action === 'test:early-random'));
  assert.equal(random.length, 1, 'sendRandom before app-ready reached exactly one worker');
});

for (const side of ['worker', 'agent'] as const) {
  const call = side === 'worker' ? workerDo : agentDo;

  test(`${side}: sendToAgent reaches the agent only`, async () => {
    await call('sendToAgent', 'test:to-agent', { tag: `${side}-to-agent` });
    const c = await eventually((c) => assert.equal(tagged(c.agent.received, `${side}-to-agent`).length, 1));
    for (const list of Object.values(c.workers)) assert.equal(tagged(list, `${side}-to-agent`).length, 0);
  });

  test(`${side}: sendToApp reaches every worker and not the agent`, async () => {
    await call('sendToApp', 'test:to-app', { tag: `${side}-to-app` });
    const c = await eventually((c) => {
      for (const pid of started.workers) assert.equal(tagged(c.workers[pid] ?? [], `${side}-to-app`).length, 1);
    });
    assert.equal(tagged(c.agent.received, `${side}-to-app`).length, 0);
  });

  test(`${side}: broadcast reaches the agent and every worker`, async () => {
    await call('broadcast', 'test:broadcast', { tag: `${side}-broadcast` });
    await eventually((c) => {
      assert.equal(tagged(c.agent.received, `${side}-broadcast`).length, 1);
      for (const pid of started.workers) assert.equal(tagged(c.workers[pid] ?? [], `${side}-broadcast`).length, 1);
    });
  });

  test(`${side}: sendRandom reaches exactly one ready worker per message`, async () => {
    for (let i = 0; i < 10; i++) await call('sendRandom', 'test:random', { tag: `${side}-random` });
    const c = await eventually((c) => {
      const total = Object.values(c.workers).reduce((n, list) => n + tagged(list, `${side}-random`).length, 0);
      assert.equal(total, 10);
    });
    assert.equal(tagged(c.agent.received, `${side}-random`).length, 0);
  });

  test(`${side}: sendTo(pid) reaches that process only`, async () => {
    const [first, second] = started.workers as [number, number];
    // From a worker it must be worker to worker: send until the worker that took the HTTP request is the first one.
    const sender = side === 'worker' ? first : started.agent;
    for (let i = 0; i < 40; i++) {
      const sent = (await call('sendTo', second, 'test:to-pid', { tag: `${side}-to-pid` })) as { pid?: number };
      if (side === 'agent' || sent.pid === first) break;
    }
    await call('sendTo', started.agent, 'test:to-pid', { tag: `${side}-to-agent-pid` });
    const c = await eventually((c) => {
      assert.ok(
        tagged(c.workers[second] ?? [], `${side}-to-pid`).some((r) => r.from === sender),
        `worker ${second} got the message of ${side} ${sender}`,
      );
      assert.equal(tagged(c.agent.received, `${side}-to-agent-pid`).length, 1);
    });
    assert.equal(tagged(c.workers[first] ?? [], `${side}-to-pid`).length, 0);
  });

  test(`${side}: request resolves with the handler's return value`, async () => {
    const target = side === 'worker' ? 'agent' : (started.workers[0] as number);
    const { result } = await call('request', target, 'test:echo', { n: 42 });
    const reply = result as { data: unknown; agent?: number; worker?: number; from: { role: string } };
    assert.deepEqual(reply.data, { n: 42 });
    assert.equal(reply.from.role, side);
    if (side === 'worker') assert.equal(reply.agent, started.agent);
    else assert.equal(reply.worker, started.workers[0]);
  });
}

test('worker to worker: request by pid answers from the other worker', async () => {
  // Whichever worker gets the HTTP request asks both pids: one is itself, one is the other.
  for (const pid of started.workers) {
    const { pid: asker, result } = await workerDo('request', pid, 'test:echo', { to: pid });
    assert.equal((result as { worker: number }).worker, pid);
    assert.ok(started.workers.includes(asker));
  }
});

test('request rejects on timeout, on a throwing handler, on a missing handler and for an unknown pid', async () => {
  const timeout = await get(url(`/do/request${args('agent', 'test:hang', null, { timeout: 200 })}`));
  assert.equal(timeout.status, 500);
  assert.equal(JSON.parse(timeout.body).code, 'ERR_BROOD_REQUEST_TIMEOUT');

  const thrown = await get(url(`/do/request${args('agent', 'test:throw', null)}`));
  assert.equal(JSON.parse(thrown.body).message, 'handler says no');

  const missing = await get(url(`/do/request${args('agent', 'test:nobody', null)}`));
  assert.equal(JSON.parse(missing.body).code, 'ERR_BROOD_NO_HANDLER');

  const unknown = await get(url(`/do/request${args(999_999_999, 'test:echo', null)}`));
  assert.equal(JSON.parse(unknown.body).code, 'ERR_BROOD_NO_TARGET');
});

test('once handlers run once; off removes a handler', async () => {
  const [first] = started.workers as [number];
  await agentDo('sendTo', first, 'test:once', { tag: 'once-1' });
  await agentDo('sendTo', first, 'test:once', { tag: 'once-2' });
  await agentDo('sendTo', first, 'test:off', { tag: 'off-before' });
  await eventually((c) => assert.equal(tagged(c.workers[first] ?? [], 'off-before').length, 1));
  // Turn the handler off in that worker: GET /off until the first worker answered.
  for (let i = 0; i < 30; i++) {
    if ((await getJson<{ pid: number }>(url('/off'))).pid === first) break;
  }
  await agentDo('sendTo', first, 'test:off', { tag: 'off-after' });
  await agentDo('sendTo', first, 'test:to-pid', { tag: 'marker' });
  const c = await eventually((c) => assert.equal(tagged(c.workers[first] ?? [], 'marker').length, 1));
  const list = c.workers[first] ?? [];
  assert.equal(tagged(list, 'once-1').length, 1);
  assert.equal(tagged(list, 'once-2').length, 0);
  assert.equal(tagged(list, 'off-after').length, 0);
});

test('a malformed message is logged once with its sender and dropped; nothing crashes', async () => {
  const { pid } = await getJson<{ pid: number }>(url('/malformed'));
  const first = await cluster.waitFor((l) => l.role === 'master' && /malformed message from worker/.test(l.msg ?? ''), 'malformed log');
  assert.equal((first.from as { pid: number }).pid, pid);
  await cluster.waitFor(
    () => cluster.lines.filter((l) => /malformed message from worker/.test(l.msg ?? '')).length === 2,
    'both malformed messages logged',
  );
  // Each malformed message gives exactly one line. The master reads a channel in order: once a
  // message the same worker sent after them has arrived, every line about them has been written.
  for (let i = 0; i < 40; i++) {
    if ((await workerDo('sendToAgent', 'test:to-agent', { tag: 'after-malformed' })).pid === pid) break;
  }
  await eventually((c) => assert.ok(tagged(c.agent.received, 'after-malformed').some((r) => r.from === pid)));
  assert.equal(cluster.lines.filter((l) => /malformed message/.test(l.msg ?? '')).length, 2);
  const agent = await getJson<{ agent: number }>(url('/agent'));
  assert.equal(agent.agent, started.agent);
  const seen = new Set<number>();
  for (let i = 0; i < 20 && seen.size < 2; i++) seen.add((await getJson<{ pid: number }>(url('/'))).pid);
  assert.equal(seen.size, 2);
});
