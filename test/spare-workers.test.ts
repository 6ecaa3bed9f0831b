/**
 * `spareWorkers`: booted workers kept out of rotation. A spare answers no
 * request until a worker dies; then it takes that worker's place at once,
 * and the worker forked in the dead one's slot is the new spare.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { killAll, startBrood } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

const spareApp = () =>
  tempApp({
    'package.json': JSON.stringify({ name: 'spare', private: true, type: 'module', brood: { spareWorkers: 1 } }),
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = { pid: process.pid }; }); };\n",
  });

/** The pids that answer `count` fresh connections. */
async function answering(url: string, count: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < count; i++) pids.add((await getJson<{ pid: number }>(`${url}/`)).pid);
  return pids;
}

for (const policy of ['rr', 'none'] as const) {
  test(`${policy}: a spare answers nothing until the worker dies, then takes its place; its replacement is the spare`, async () => {
    const cluster = startBrood(spareApp(), ['--workers', '1', '--sched', policy]);
    const started = await cluster.started();
    const [active] = started.workers as [number];
    const booted = cluster.lines.filter((l) => l.role === 'worker' && l.event === 'ready').map((l) => l.pid as number);
    const spare = booted.find((pid) => pid !== active) as number;
    assert.equal(booted.length, 2, 'the worker and its spare booted');
    assert.deepEqual([...(await answering(started.url, 10))], [active], 'only the worker in rotation answers');

    const from = cluster.lines.length;
    process.kill(active, 'SIGKILL');
    const promoted = await cluster.waitFor((l) => / takes the place of /.test(l.msg ?? ''), 'the spare to step in', 15_000, from);
    assert.match(promoted.msg ?? '', new RegExp(`^worker \\d+ \\(pid ${spare}\\) takes the place of worker \\d+ \\(pid ${active}\\)$`));
    assert.deepEqual([...(await answering(started.url, 5))], [spare], 'the spare serves at once');

    const next = await cluster.waitFor(
      (l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''),
      'the new spare',
      15_000,
      from,
    );
    const newSpare = Number(/pid (\d+)/.exec(next.msg ?? '')?.[1]);
    assert.ok(newSpare !== spare && newSpare !== active);
    assert.deepEqual([...(await answering(started.url, 10))], [spare], 'the new spare stays out of rotation');
  });
}
