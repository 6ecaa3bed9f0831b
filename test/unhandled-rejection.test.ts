/**
 * A promise rejection nobody handled, in a worker and in the agent: by
 * default the process closes as for an uncaught exception (as Node does)
 * and is reforked; with `unhandledRejection: 'log'` it is logged and the
 * process serves on (as Egg does).
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { killAll, startBrood } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

function app(brood?: object): string {
  return tempApp({
    ...(brood === undefined ? {} : { 'package.json': JSON.stringify({ name: 'rejects', private: true, brood }) }),
    'agent.ts': [
      "import type { Agent } from 'brood';",
      'export default (agent: Agent) => {',
      "  agent.messenger.on('test:reject' as never, () => { void Promise.reject(new Error('the agent forgot a catch')); });",
      '};',
      '',
    ].join('\n'),
    'app/router.ts': [
      "import type { Application, Router } from 'brood';",
      'export default (router: Router, app: Application) => {',
      "  router.get('/', (ctx) => { ctx.body = { pid: process.pid }; });",
      '  // Rejects, then answers 300 ms later: the close waits for it.',
      "  router.get('/reject', async (ctx) => {",
      "    void Promise.reject(new Error('a forgotten catch'));",
      '    await new Promise((r) => setTimeout(r, 300));',
      '    ctx.body = { pid: process.pid };',
      '  });',
      "  router.get('/agent-reject', (ctx) => { app.messenger.sendToAgent('test:reject' as never, null as never); ctx.body = 'sent'; });",
      '};',
      '',
    ].join('\n'),
  });
}

test('by default an unhandled rejection closes the worker as a crash, after the requests in flight, and it is reforked; the agent too', async () => {
  const cluster = startBrood(app());
  const started = await cluster.started();
  const { pid: worker } = await getJson<{ pid: number }>(`${started.url}/reject`);
  assert.ok(started.workers.includes(worker), 'the request in flight is answered');
  const fatal = await cluster.waitFor((l) => l.pid === worker && l.level === 60, 'the fatal line');
  assert.equal(fatal.msg, 'unhandled promise rejection in worker: a forgotten catch');
  const exit = await cluster.waitFor((l) => l.role === 'master' && /^worker .*exited unexpectedly/.test(l.msg ?? ''), 'worker exit');
  assert.match(exit.msg ?? '', new RegExp(`pid ${worker}\\) exited unexpectedly with code 1;`));
  await cluster.waitFor((l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''), 'the new worker');

  await get(`${started.url}/agent-reject`);
  const agentExit = await cluster.waitFor((l) => l.role === 'master' && /^agent .*exited unexpectedly/.test(l.msg ?? ''), 'agent exit');
  assert.match(agentExit.msg ?? '', /exited unexpectedly with code 1;/);
  const agentFatal = cluster.lines.find((l) => l.pid === started.agent && l.level === 60);
  assert.equal(agentFatal?.msg, 'unhandled promise rejection in agent: the agent forgot a catch');
});

test('with unhandledRejection `log` it is logged and the worker and the agent serve on', async () => {
  const cluster = startBrood(app({ unhandledRejection: 'log' }), ['--workers', '1']);
  const started = await cluster.started();
  const [worker] = started.workers as [number];
  assert.equal((await getJson<{ pid: number }>(`${started.url}/reject`)).pid, worker);
  const logged = await cluster.waitFor((l) => l.pid === worker && l.level === 50, 'the error line');
  assert.equal(logged.msg, "unhandled promise rejection in worker: a forgotten catch; serving on (unhandledRejection: 'log')");
  await get(`${started.url}/agent-reject`);
  await cluster.waitFor((l) => l.pid === started.agent && l.level === 50 && /the agent forgot a catch/.test(l.msg ?? ''), 'the agent line');
  for (let i = 0; i < 5; i++) assert.equal((await getJson<{ pid: number }>(`${started.url}/`)).pid, worker, 'the same worker serves');
  assert.equal(
    cluster.lines.find((l) => /exited unexpectedly/.test(l.msg ?? '')),
    undefined,
    'nothing exited',
  );
});
