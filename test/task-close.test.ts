/**
 * A scheduled task of the agent that runs when the app stops or reloads
 * gets the same promise as a worker's: it finishes within shutdownTimeout,
 * or it is logged as cut off, by name. The task here notices its agent's
 * close itself (it reads the master's `process:close` on the IPC channel,
 * as only a fixture may) and then takes `TEST_AFTER_CLOSE_MS` more, so the
 * close always finds it running, however slow the machine.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { brood } from './helpers/cli.js';
import { type Cluster, killAll, type LogLine, startBrood, waitGone } from './helpers/cluster.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

const TASK = `
let closing = false;
process.on('message', (message) => {
  if (JSON.stringify(message).includes('"process:close"')) closing = true;
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

export default {
  schedule: { interval: '1h', type: 'agent', immediate: true },
  async task(ctx) {
    ctx.logger.info({ event: 'test:task-started' }, 'long task started');
    const until = Date.now() + 60_000;
    while (!closing && Date.now() < until) await tick();
    ctx.logger.info({ event: 'test:task-saw-close' }, 'long task saw the close');
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.TEST_AFTER_CLOSE_MS)));
    ctx.logger.info({ event: 'test:task-done' }, 'long task done');
  },
};
`;

/** An app whose agent runs the long task at start; shutdownTimeout as given. */
function app(shutdownTimeout: number): string {
  return tempApp({
    'package.json': JSON.stringify({ name: 'task-close', type: 'module', brood: { shutdownTimeout } }),
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = 'ok'; }); };\n",
    'agent.ts':
      "export default (agent) => ({ beforeClose() { agent.logger.info({ event: 'test:before-close' }, 'agent beforeClose'); } });\n",
    'app/schedule/long.ts': TASK,
  });
}

/** The events the agent `pid` logged, in order, from the ones this test watches. */
function agentEvents(cluster: Cluster, pid: number): string[] {
  return cluster.lines
    .filter((l: LogLine) => l.pid === pid && typeof l.event === 'string' && (l.event.startsWith('test:') || l.event === 'task-cut-off'))
    .map((l) => l.event as string);
}

/**
 * Starts the app, waits for its agent's task to run, then stops the app or
 * reloads it; resolves once that agent is gone, with the cluster and the
 * agent's pid.
 */
async function closeUnderTask(how: 'stop' | 'reload', shutdownTimeout: number, afterCloseMs: number) {
  const cluster = startBrood(app(shutdownTimeout), ['--workers', '1'], { TEST_AFTER_CLOSE_MS: String(afterCloseMs) });
  const { agent } = await cluster.started();
  await cluster.waitFor((l) => l.event === 'test:task-started' && l.pid === agent, 'the task to start');
  if (how === 'stop') {
    cluster.signal('SIGTERM');
    assert.deepEqual(await cluster.exit(40_000), { code: 0, signal: null });
  } else {
    const reloaded = await brood(['reload', cluster.dir, '--title', cluster.title], { timeout: 60_000 });
    assert.equal(reloaded.code, 0, reloaded.stderr);
    await waitGone([agent], 10_000);
  }
  return { cluster, agent };
}

for (const how of ['stop', 'reload'] as const) {
  test(`${how}: an agent task under way finishes within shutdownTimeout, before beforeClose`, async () => {
    const { cluster, agent } = await closeUnderTask(how, 20_000, 300);
    assert.deepEqual(agentEvents(cluster, agent), ['test:task-started', 'test:task-saw-close', 'test:task-done', 'test:before-close']);
    const waited = cluster.lines.find(
      (l) => l.pid === agent && /^waiting up to \d+ ms for the task runs under way: long$/.test(l.msg ?? ''),
    );
    assert.ok(waited, 'the agent said it waits for the run');
  });

  test(`${how}: an agent task still running past shutdownTimeout is logged as cut off, by name`, async () => {
    const { cluster, agent } = await closeUnderTask(how, 1500, 60_000);
    assert.deepEqual(agentEvents(cluster, agent), ['test:task-started', 'test:task-saw-close', 'task-cut-off', 'test:before-close']);
    const cut = cluster.lines.find((l) => l.event === 'task-cut-off');
    assert.equal(cut?.level, 40);
    assert.equal(cut?.task, 'long');
    assert.match(
      cut?.msg ?? '',
      /^task long cut off: still running after \d+ ms when the agent closed \(it waited \d+ ms, within shutdownTimeout\)$/,
    );
  });
}
