/**
 * Retained messages (`sendToApp(…, { retain: true })`): every worker that
 * becomes ready — at start, reforked after a crash, forked by a reload —
 * receives the last value of each retained action before it serves, and
 * only the last one.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { createTestApp } from 'brood/testing';
import { brood } from './helpers/cli.js';
import { type Cluster, killAll, startBrood, waitGone } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

interface State {
  pid: number;
  /** Every value of state:changed the worker received, in order. */
  received: string[];
  /** What it had received when app-ready came, which opens its server. */
  atReady: string[] | null;
  /** Non-retained messages the agent sent before app-ready. */
  plain: number;
}

/**
 * The agent pushes its state retained: twice before any worker exists (only
 * the last must arrive), then whenever a worker asks it to change. A plain
 * message before app-ready is held as ever. `extra` adds files.
 */
function app(extra: Record<string, string> = {}): string {
  return tempApp({
    ...extra,
    'agent.ts': `
export default (agent) => {
  agent.messenger.on('state:set', ({ value }) => {
    agent.messenger.sendToApp('state:changed', { value }, { retain: true });
    return true;
  });
  return {
    willReady() {
      agent.messenger.sendToApp('state:changed', { value: 'early' }, { retain: true });
      agent.messenger.broadcast('state:changed', { value: 'v1' }, { retain: true });
      agent.messenger.sendToApp('plain:hello', null);
    },
  };
};
`,
    'app.ts': `
const received = [];
let atReady = null;
let plain = 0;
export default (app) => {
  app.messenger.on('state:changed', ({ value }) => { received.push(value); });
  app.messenger.on('plain:hello', () => { plain += 1; });
  app.on('app-ready', () => { atReady = [...received]; });
  app.state = () => ({ pid: process.pid, received, atReady, plain });
};
`,
    'app/router.ts': `
export default (router, app) => {
  router.get('/state', (ctx) => { ctx.body = app.state(); });
  router.get('/set', async (ctx) => {
    ctx.body = await app.messenger.request('agent', 'state:set', { value: String(ctx.query.value) });
  });
};
`,
  });
}

/** GETs /state on fresh connections until worker `pid` answers; fails after 200 tries. */
async function stateOf(url: string, pid: number): Promise<State> {
  for (let i = 0; i < 200; i++) {
    const state = await getJson<State>(`${url}/state`);
    if (state.pid === pid) return state;
  }
  throw new Error(`worker ${pid} never answered`);
}

/** Waits for the master's line that a worker forked after start-up is ready; its pid. */
async function joined(cluster: Cluster, from: number, except: number[]): Promise<number> {
  const line = await cluster.waitFor(
    (l) =>
      l.role === 'master' &&
      /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? '') &&
      (l.peers as { workers: number[] }).workers.some((pid) => !except.includes(pid)),
    'a new worker ready',
    20_000,
    from,
  );
  return (line.peers as { workers: number[] }).workers.find((pid) => !except.includes(pid)) as number;
}

test('a worker gets the last retained value before it serves: at start, reforked after a kill, forked by a reload', async () => {
  const dir = app();
  const cluster = startBrood(dir, ['--workers', '2']);
  const started = await cluster.started();

  // At start: the last of the two values pushed before app-ready, once; the plain message held and delivered.
  for (const pid of started.workers) {
    assert.deepEqual(await stateOf(started.url, pid), { pid, received: ['v1'], atReady: ['v1'], plain: 1 });
  }

  // A value pushed while serving reaches the workers there, live.
  assert.equal(await getJson<boolean>(`${started.url}/set?value=v2`), true);
  for (const pid of started.workers) {
    const deadline = Date.now() + 5000;
    let state = await stateOf(started.url, pid);
    while (state.received.at(-1) !== 'v2' && Date.now() < deadline) state = await stateOf(started.url, pid);
    assert.deepEqual(state.received, ['v1', 'v2']);
  }

  // A worker killed: the one forked in its place has v2, and only v2, before its server opens.
  const victim = started.workers[0] as number;
  const mark = cluster.lines.length;
  process.kill(victim, 'SIGKILL');
  await waitGone([victim], 5000);
  const fresh = await joined(cluster, mark, started.workers);
  assert.deepEqual(await stateOf(started.url, fresh), { pid: fresh, received: ['v2'], atReady: ['v2'], plain: 0 });

  // A reload: every new worker has the last value before it serves. (The reload then forks the
  // agent again, whose willReady pushes its first values anew: they arrive later, live.)
  assert.equal(await getJson<boolean>(`${started.url}/set?value=v3`), true);
  const reloaded = await brood(['reload', dir, '--title', cluster.title]);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  const workers = (/workers ([\d, ]+),/.exec(reloaded.stdout)?.[1] ?? '').split(', ').map(Number);
  assert.equal(workers.length, 2, reloaded.stdout);
  for (const pid of workers) {
    const state = await stateOf(started.url, pid);
    assert.deepEqual(state.atReady, ['v3']);
    assert.equal(state.received[0], 'v3');
  }
});

test('in the test process (createTestApp) too: the worker has the last retained value before it serves; runTask hands a task its arguments', async () => {
  const dir = app({
    'app/schedule/echo.ts':
      "export default { schedule: { interval: '1h', type: 'agent' }, async task(_ctx, args) { globalThis.brood_echo = args; } };\n",
  });
  const testApp = await createTestApp({ baseDir: dir });
  try {
    const state = (await testApp.httpRequest().get('/state').expect(200)).body as State;
    assert.deepEqual([state.received, state.atReady, state.plain], [['v1'], ['v1'], 1]);
    assert.equal((await testApp.runTask('echo', { n: 1 })).outcome, 'ok');
    assert.deepEqual((globalThis as { brood_echo?: unknown }).brood_echo, { n: 1 });
  } finally {
    await testApp.close();
  }
});
