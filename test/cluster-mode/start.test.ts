/**
 * Starting an app in cluster mode when Redis cannot be used: a bad URL and
 * an unreachable Redis refuse the start in one line, before anything is
 * forked; with `cluster.required: false` the app starts without cluster
 * features and says so.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { brood } from '../helpers/cli.js';
import { killAll, startBrood } from '../helpers/cluster.js';
import { clusterApp, removeClusterApps } from '../helpers/cluster-mode.js';
import { freePort } from '../helpers/redis.js';

afterEach(killAll);
after(removeClusterApps);

/** `brood start` in the foreground, which must fail: its one line on stderr. */
async function refusedStart(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const run = await brood(['start', dir, '--port', '0', '--workers', '1', '--title', `s${process.pid}`], {
    env: { BROOD_ENV: 'test', ...env },
  });
  assert.equal(run.code, 1, run.stdout);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  // Refused before the agent was forked.
  assert.doesNotMatch(run.stdout, /"role":"agent"/);
  return lines[0] as string;
}

test('a BROOD_REDIS_URL that is not a Redis URL is refused in one line', async () => {
  const line = await refusedStart(clusterApp({}), { BROOD_REDIS_URL: 'localhost:6379' });
  assert.match(
    line,
    /^brood: failed to start: BROOD_REDIS_URL "localhost:6379" uses localhost:\/\/; expected redis:\/\/.* \(ERR_BROOD_CLUSTER_BAD_URL\)$/,
  );
});

test('Redis unreachable at start: the start fails naming the URL, its password masked', async () => {
  const port = await freePort();
  const line = await refusedStart(clusterApp({}), { BROOD_REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` });
  assert.match(
    line,
    new RegExp(
      `^brood: failed to start: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is unreachable: .*ECONNREFUSED.* \\(ERR_BROOD_CLUSTER_UNREACHABLE\\)$`,
    ),
  );
  assert.doesNotMatch(line, /s3cret/);
});

test('Redis unreachable with cluster.required: false: the app starts without cluster features and says so', async () => {
  const port = await freePort();
  const dir = clusterApp({ required: false });
  const cluster = startBrood(dir, ['--workers', '1'], { BROOD_REDIS_URL: `redis://127.0.0.1:${port}` });
  const off = await cluster.waitFor((l) => /^cluster features are off/.test(l.msg ?? ''), 'the line saying cluster features are off');
  assert.match(
    off.msg as string,
    new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} is unreachable.*\\(cluster\\.required is false\\)$`),
  );
  await cluster.started();
  // The one agent leads, and cluster tasks run here as host tasks, without a claim.
  await cluster.waitFor((l) => l.event === 'leader:elected', 'the local leader');
  const fire = await cluster.waitFor((l) => l.event === 'cluster:fire', 'a run of the cluster task on this host');
  assert.equal(fire.token, undefined);
  const status = await brood(['status', dir, '--title', cluster.title, '--cluster']);
  assert.equal(status.code, 1);
  assert.match(status.stderr, /cluster features are off: Redis at .* was unreachable at start \(cluster.required is false\)/);
  assert.equal((await brood(['stop', dir, '--title', cluster.title])).code, 0);
});
