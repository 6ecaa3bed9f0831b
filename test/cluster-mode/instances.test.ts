/**
 * Three instances of one app (own folders, ports and titles) on one Redis
 * of the test's own, as a user runs three replicas: one run per fire time
 * of a 1 s cluster task, one leader, cross-host messages; Redis stalled
 * (SIGSTOP) and killed while they serve; the leader stopped, its master
 * killed, its whole host killed. Lease and instance TTL are 3 s here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { brood } from '../helpers/cli.js';
import { type Cluster, isAlive, killAll, type LogLine, type StartedLine, startBrood, waitGone } from '../helpers/cluster.js';
import { clusterApp, removeClusterApps } from '../helpers/cluster-mode.js';
import { get } from '../helpers/http.js';
import { ownRedis, type RedisServer, uniquePrefix } from '../helpers/redis.js';

const LEASE_TTL_MS = 3000;
/** A dead leader is replaced within the lease TTL and one renewal (a third of it). */
const TAKEOVER_BOUND_MS = LEASE_TTL_MS + LEASE_TTL_MS / 3;

interface Instance {
  name: string;
  dir: string;
  cluster: Cluster;
  started: StartedLine;
  /** Its id in the registry. */
  id: string;
}

let redis: RedisServer;
let prefix: string;
const instances: Instance[] = [];
/** Instances killed without a chance to deregister, and when. */
const dead: { id: string; killedAt: number }[] = [];
/** Every cluster instance started, with those stopped or killed, to count every run ever made. */
const everyCluster: Cluster[] = [];

async function startInstance(name: string, dir: string): Promise<Instance> {
  const cluster = startBrood(dir, ['--workers', name === 'a' ? '2' : '1', '--title', `c${process.pid}-${name}`], {
    BROOD_REDIS_URL: redis.url,
  });
  everyCluster.push(cluster);
  const registered = await cluster.waitFor((l) => typeof l.instance === 'string' && /^registered/.test(l.msg ?? ''), `${name} registered`);
  const started = await cluster.started(30_000);
  return { name, dir, cluster, started, id: registered.instance as string };
}

before(async () => {
  redis = await ownRedis();
  prefix = uniquePrefix();
  const settings = { prefix, leaseTtl: `${LEASE_TTL_MS}ms`, instanceTtl: `${LEASE_TTL_MS}ms` };
  const dirs = ['a', 'b', 'c'].map((name) => ({ name, dir: clusterApp(settings) }));
  instances.push(...(await Promise.all(dirs.map(({ name, dir }) => startInstance(name, dir)))));
});

after(async () => {
  await Promise.all([...loops].map((stop) => stop()));
  try {
    if (redis?.pid !== undefined) process.kill(redis.pid, 'SIGCONT');
  } catch {
    // gone already
  }
  killAll();
  await redis?.stop();
  removeClusterApps();
});

/** A line with the instance that printed it. */
type Seen = LogLine & { from: Cluster };

/** The lines of every instance ever started, from a mark on (per cluster, the index its lines had). */
function linesSince(mark: Map<Cluster, number> = new Map()): Seen[] {
  return everyCluster.flatMap((cluster) => cluster.lines.slice(mark.get(cluster) ?? 0).map((line) => ({ ...line, from: cluster })));
}

function mark(): Map<Cluster, number> {
  return new Map(everyCluster.map((cluster) => [cluster, cluster.lines.length]));
}

/** The instance whose agent leads now: the last leader event in its log is `elected`. */
function leaders(among = instances): Instance[] {
  return among.filter((instance) => {
    const events = instance.cluster.lines.filter((l) => l.event === 'leader:elected' || l.event === 'leader:lost');
    return events.at(-1)?.event === 'leader:elected';
  });
}

/** Resolves with the first line, on any of `among`, after `since`, matching `match`. */
function waitAny(among: Instance[], match: (line: LogLine) => boolean, what: string, timeout: number, since = mark()): Promise<LogLine> {
  const waits = among.map((i) => i.cluster.waitFor(match, what, timeout, since.get(i.cluster) ?? 0));
  for (const wait of waits) wait.catch(() => {});
  return Promise.any(waits).catch(() => {
    throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
  });
}

/** Every run of a cluster task seen so far, by task and fire time. */
function runsByFire(): Map<string, Seen[]> {
  const runs = new Map<string, Seen[]>();
  for (const line of linesSince()) {
    if (line.event !== 'cluster:fire') continue;
    const key = `${line.task} ${line.fireTime}`;
    runs.set(key, [...(runs.get(key) ?? []), line]);
  }
  return runs;
}

function assertNoFireTwice(): void {
  const twice = [...runsByFire()].filter(([, runs]) => runs.length > 1);
  assert.deepEqual(
    twice.map(([key, runs]) => `${key}: ${runs.map((r) => r.instance).join(', ')}`),
    [],
    'no fire ran twice',
  );
}

/** Loops of requests still going: stopped in `after` when a test failed half-way. */
const loops = new Set<() => Promise<unknown>>();

/** GETs / on every instance in a loop until stopped; resolves with the count and every failure. */
function keepRequesting(urls: string[]): { stop(): Promise<{ ok: number; errors: string[] }> } {
  let running = true;
  let ok = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      await Promise.all(
        urls.map(async (url) => {
          try {
            const reply = await get(`${url}/`, { timeout: 5000 });
            if (reply.status === 200) ok += 1;
            else errors.push(`${url}: ${reply.status}`);
          } catch (error) {
            errors.push(`${url}: ${(error as Error).message}`);
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const stop = async () => {
    running = false;
    loops.delete(stop);
    await loop;
    return { ok, errors };
  };
  loops.add(stop);
  return { stop };
}

async function clusterStatus(instance: Instance) {
  const run = await brood(['status', instance.dir, '--title', instance.cluster.title, '--cluster', '--json']);
  assert.equal(run.code, 0, run.stderr);
  return (
    JSON.parse(run.stdout) as {
      cluster: {
        instances: { id: string; leader: boolean; version: string; workers: number; url: string }[];
        leader: string | null;
        tasks: { task: string; instance: string; fireTime: number | null; token: number }[];
      };
    }
  ).cluster;
}

test('three instances: one leader, and brood status --cluster lists every instance and the leader', async () => {
  await waitAny(instances, (l) => l.event === 'leader:elected', 'a leader', 15_000, new Map());
  const status = await clusterStatus(instances[1] as Instance);
  assert.deepEqual(status.instances.map((i) => i.id).sort(), instances.map((i) => i.id).sort());
  const [leader] = leaders();
  assert.equal(leaders().length, 1, 'one agent leads');
  assert.equal(status.leader, leader?.id);
  for (const record of status.instances) {
    const instance = instances.find((i) => i.id === record.id) as Instance;
    assert.equal(record.url, instance.started.url);
    assert.equal(record.workers, instance.started.workers.length);
    assert.equal(record.version, '1.2.3');
    assert.equal(record.leader, record.id === leader?.id);
  }
});

test('a cluster broadcast reaches the agent and every worker of every instance; sendToLeader and request(leader) reach the leader', async () => {
  const [a, b, c] = instances as [Instance, Instance, Instance];
  const id = randomUUID();
  assert.equal((await get(`${b.started.url}/broadcast?id=${id}`)).status, 200);
  for (const instance of instances) {
    const expected = new Set([instance.started.agent, ...instance.started.workers]);
    const got = new Set<number>();
    await instance.cluster.waitFor(
      (l) => {
        if (l.event === 'hello:all' && l.id === id) got.add(l.pid as number);
        return got.size === expected.size;
      },
      `the broadcast at every process of ${instance.name}`,
      10_000,
    );
    assert.deepEqual([...got].sort(), [...expected].sort());
  }
  const leader = leaders()[0] as Instance;
  const other = [a, b, c].find((i) => i !== leader) as Instance;
  const since = mark();
  assert.equal((await get(`${other.started.url}/note`)).status, 200);
  const note = await leader.cluster.waitFor((l) => l.event === 'leader:note', 'the note at the leader', 10_000, since.get(leader.cluster));
  assert.equal(note.pid, leader.started.agent);
  assert.ok(other.started.workers.includes(note.from as number), 'sent by a worker of another instance');
  const reply = JSON.parse((await get(`${other.started.url}/leader`)).body) as { reply?: { agent: number }; code?: string };
  assert.deepEqual(reply.reply, { agent: leader.started.agent }, JSON.stringify(reply));
  // The leader's own workers ask it over IPC.
  const local = JSON.parse((await get(`${leader.started.url}/leader`)).body) as { reply?: { agent: number } };
  assert.deepEqual(local.reply, { agent: leader.started.agent });
});

test('a 1 s cluster task: each fire runs exactly once across the three instances, with growing tokens and no gap; run-task runs it once', async () => {
  const FIRES = 10;
  const enough = () => [...runsByFire().keys()].filter((k) => k.startsWith('fire ')).length >= FIRES + 1;
  await instances[0]?.cluster.waitFor(() => enough(), `${FIRES + 1} fires of the cluster task`, 30_000);
  assertNoFireTwice();
  for (const task of ['fire', 'agent-fire']) {
    const runs = [...runsByFire()].filter(([key]) => key.startsWith(`${task} `)).map(([, [run]]) => run as Seen);
    runs.sort((x, y) => (x.fireTime as number) - (y.fireTime as number));
    // The first fire after start-up may be missed by every instance; from then on, one run per second.
    const steady = runs.slice(1);
    for (let i = 1; i < steady.length; i++) {
      const [before, now] = [steady[i - 1] as LogLine, steady[i] as LogLine];
      assert.ok((now.fireTime as number) - (before.fireTime as number) <= 2000, `${task}: no gap beyond one tick after ${before.fireTime}`);
      assert.ok((now.token as number) > (before.token as number), `${task}: tokens grow`);
    }
    for (const run of runs)
      assert.equal(run.instance, instances.find((i) => i.cluster === run.from)?.id, 'the claim names the instance that ran');
  }
  const fires = runsByFire();
  const counts = instances.map((i) => [...fires.values()].filter(([run]) => run?.from === i.cluster).length);
  console.log(`${fires.size} fires of 2 cluster tasks, each run once; runs per instance: ${counts.join(', ')}`);
  // brood run-task of a cluster task: run once, on the instance asked, under a claim of its own.
  const asked = instances[1] as Instance;
  const run = await brood(['run-task', 'fire', asked.dir, '--title', asked.cluster.title]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^task fire: ok in \d+ ms \(cluster claim, token \d+\)$/m);
  const manual = runsByFire().get('fire null') ?? [];
  assert.deepEqual(
    manual.map((r) => r.from),
    [asked.cluster],
    'the manual run ran once, where it was asked',
  );
  const status = await clusterStatus(instances[2] as Instance);
  const last = status.tasks.find((t) => t.task === 'fire');
  assert.ok(last !== undefined && instances.some((i) => i.id === last.instance), 'status --cluster names who ran the last fire');
  const ran = runsByFire().get(`fire ${last.fireTime}`);
  if (ran !== undefined) assert.equal(ran[0]?.instance, last.instance);
});

test('Redis stalled (SIGSTOP): HTTP serves with no error, fires are skipped and logged, the leader steps down, leader requests fail; then all resumes, no fire twice', async () => {
  const http = keepRequesting(instances.map((i) => i.started.url));
  const leader = leaders()[0] as Instance;
  const since = mark();
  const pid = redis.pid as number;
  const stalledAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    // Asked at once, of an instance that does not lead: it fails after the command timeout (2 s), not the request's own 5 s.
    const asking = get(`${instances.find((i) => i !== leader)?.started.url}/leader`);
    const lost = await leader.cluster.waitFor(
      (l) => l.event === 'leader:lost',
      'the leader to step down',
      15_000,
      since.get(leader.cluster),
    );
    assert.equal(lost.reason, 'renewal-failed');
    console.log(`stall: the leader stepped down ${(lost.time as number) - stalledAt} ms after Redis stopped`);
    await waitAny(instances, (l) => /the fire at .* is skipped/.test(l.msg ?? ''), 'a skipped fire', 15_000, since);
    const asked = JSON.parse((await asking).body) as { code?: string; ms: number };
    assert.equal(asked.code, 'ERR_BROOD_CLUSTER_UNREACHABLE', JSON.stringify(asked));
    console.log(`stall: leader request failed after ${Math.round(asked.ms)} ms`);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const resumed = mark();
  await waitAny(instances, (l) => l.event === 'leader:elected', 'a leader again', 15_000, resumed);
  await waitAny(instances, (l) => l.event === 'cluster:fire', 'a fire again', 15_000, resumed);
  const { ok, errors } = await http.stop();
  assert.deepEqual(errors, [], `HTTP errors while Redis was stalled (${ok} ok)`);
  assert.ok(ok > 0);
  assertNoFireTwice();
});

test('Redis killed and restarted: HTTP serves with no error, the leader steps down at once, leader requests fail fast; then all resumes, no fire twice', async () => {
  const http = keepRequesting(instances.map((i) => i.started.url));
  const leader = leaders()[0] as Instance;
  const since = mark();
  await redis.kill();
  const lost = await leader.cluster.waitFor((l) => l.event === 'leader:lost', 'the leader to step down', 10_000, since.get(leader.cluster));
  assert.equal(lost.reason, 'disconnected');
  await waitAny(instances, (l) => /the fire at .* is skipped/.test(l.msg ?? ''), 'a skipped fire', 10_000, since);
  const asked = JSON.parse((await get(`${instances[1]?.started.url}/leader`)).body) as { code?: string; ms: number };
  assert.equal(asked.code, 'ERR_BROOD_CLUSTER_UNREACHABLE', JSON.stringify(asked));
  console.log(`Redis down: leader request failed after ${Math.round(asked.ms)} ms`);
  const restarted = mark();
  await redis.start();
  await waitAny(instances, (l) => l.event === 'leader:elected', 'a leader again', 15_000, restarted);
  await waitAny(instances, (l) => l.event === 'cluster:fire', 'a fire again', 15_000, restarted);
  // Redis lost everything: the heartbeats write the registry again.
  const deadline = Date.now() + 10_000;
  while ((await clusterStatus(instances[0] as Instance)).instances.length < 3) {
    assert.ok(Date.now() < deadline, 'the three instances registered again within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { ok, errors } = await http.stop();
  assert.deepEqual(errors, [], `HTTP errors while Redis was down (${ok} ok)`);
  assertNoFireTwice();
});

test('the leader stopped gracefully hands over within a second', async () => {
  const leader = leaders()[0] as Instance;
  const since = mark();
  const stop = await brood(['stop', leader.dir, '--title', leader.cluster.title]);
  assert.equal(stop.code, 0, stop.stderr);
  const lost = await leader.cluster.waitFor((l) => l.event === 'leader:lost', 'the leader to release', 10_000, since.get(leader.cluster));
  assert.equal(lost.reason, 'stopped');
  const rest = instances.filter((i) => i !== leader);
  const elected = await waitAny(rest, (l) => l.event === 'leader:elected', 'the hand-over', 10_000, since);
  const handover = (elected.time as number) - (lost.time as number);
  console.log(`graceful hand-over: ${handover} ms`);
  assert.ok(handover <= 1000, `hand-over took ${handover} ms`);
  // Gone from the registry at once: it deregistered.
  const status = await clusterStatus(rest[0] as Instance);
  assert.deepEqual(status.instances.map((i) => i.id).sort(), rest.map((i) => i.id).sort());
  instances.splice(instances.indexOf(leader), 1);
  // It comes back as a candidate, for the next test to have one.
  instances.push(await startInstance(`${leader.name}2`, leader.dir));
});

test("kill -9 of the leader's master: its agent gives the lease up as it exits, another leads within the bound", async () => {
  const leader = leaders()[0] as Instance;
  const since = mark();
  const killedAt = Date.now();
  leader.cluster.signal('SIGKILL');
  const rest = instances.filter((i) => i !== leader);
  const elected = await waitAny(rest, (l) => l.event === 'leader:elected', 'a new leader', TAKEOVER_BOUND_MS + 5000, since);
  console.log(`kill -9 of the leader's master: new leader after ${(elected.time as number) - killedAt} ms`);
  await waitGone([leader.started.agent, ...leader.started.workers], 5000);
  instances.splice(instances.indexOf(leader), 1);
  dead.push({ id: leader.id, killedAt });
});

test('the leader host dies (its whole process tree killed at once): another leads within lease TTL + one renewal', async () => {
  const leader = leaders()[0] as Instance;
  const rest = instances.filter((i) => i !== leader);
  const since = mark();
  // A request the leader holds without answering when its host dies: it must fail fast, not wait out its 5 s.
  const asking = get(`${rest[0]?.started.url}/leader?hang=1`).then((reply) => ({ reply, at: Date.now() }));
  await leader.cluster.waitFor((l) => l.event === 'leader:hanging', 'the request at the leader', 10_000, since.get(leader.cluster));
  const killedAt = Date.now();
  leader.cluster.signalGroup('SIGKILL');
  const elected = await waitAny(rest, (l) => l.event === 'leader:elected', 'a new leader', TAKEOVER_BOUND_MS + 5000, since);
  console.log(`leader host killed: new leader after ${(elected.time as number) - killedAt} ms (bound ${TAKEOVER_BOUND_MS} ms)`);
  const { reply, at } = await asking;
  const asked = JSON.parse(reply.body) as { code?: string; message?: string };
  assert.equal(asked.code, 'ERR_BROOD_TARGET_GONE', JSON.stringify(asked));
  console.log(`leader host killed: its pending request failed ${at - killedAt} ms after the kill: ${asked.message}`);
  assert.ok(!isAlive(leader.started.agent));
  instances.splice(instances.indexOf(leader), 1);
  dead.push({ id: leader.id, killedAt });
  // Nobody deregistered the killed instances: their records expire within the instance TTL.
  const lastKill = Math.max(...dead.map((d) => d.killedAt));
  let listed = await clusterStatus(rest[0] as Instance);
  while (listed.instances.some((i) => dead.some((d) => d.id === i.id))) {
    assert.ok(Date.now() < lastKill + LEASE_TTL_MS + 5000, 'the killed instances are gone from the registry within the TTL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    listed = await clusterStatus(rest[0] as Instance);
  }
  console.log(`killed instances gone from the registry ${Date.now() - lastKill} ms after the last kill`);
  assert.deepEqual(
    listed.instances.map((i) => i.id),
    rest.map((i) => i.id),
  );
  assertNoFireTwice();
});
