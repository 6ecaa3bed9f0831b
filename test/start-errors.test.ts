import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { type Cluster, failedStart, killAll, startBrood } from './helpers/cluster.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

/** Waits for the master to exit 1 with one readable line on stderr matching `pattern`; returns that line. */
async function failsWith(cluster: Cluster, pattern: RegExp): Promise<string> {
  const line = await failedStart(cluster);
  assert.match(line, pattern);
  return line;
}

test('port already in use: named in the message, found before any fork', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const cluster = startBrood('basic', ['--port', String(port)]);
    await failsWith(cluster, new RegExp(`port ${port} is already in use \\(ERR_BROOD_PORT_IN_USE\\)`));
    assert.ok(!cluster.lines.some((l) => l.role === 'agent' || l.role === 'worker'), 'no agent or worker was forked');
  } finally {
    blocker.close();
  }
});

test('app folder missing', async () => {
  await failsWith(startBrood('/nonexistent/brood-app'), /^brood: \/nonexistent\/brood-app does not exist \(ERR_BROOD_APP_NOT_FOUND\)$/);
});

test('app folder without an app', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'brood-empty-'));
  try {
    await failsWith(startBrood(empty), /no Brood app in .*expected app\/router\.ts, app\.ts or agent\.ts \(ERR_BROOD_APP_NOT_FOUND\)/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('the agent throws on boot', async () => {
  const cluster = startBrood('agent-throws');
  await failsWith(
    cluster,
    /agent \d+ failed to start: agent\.ts willReady failed: the agent cannot reach its database \(ERR_BROOD_HOOK_FAILED\)/,
  );
  // The workers were forked beside the agent, loaded, and waited for it: none ran app.ts's function or a hook.
  assert.ok(!cluster.lines.some((l) => l.event === 'test:worker-boot-function' || l.event === 'test:worker-hook'), 'no worker code ran');
  assert.ok(!cluster.lines.some((l) => l.role === 'worker' && l.event === 'ready'), 'no worker became ready');
});

test('the agent is never ready: agentStartTimeout names the hook', async () => {
  const cluster = startBrood('agent-hangs');
  await failsWith(cluster, /agent did not become ready within 500 ms: agent\.ts willReady has not resolved \(ERR_BROOD_BOOT_TIMEOUT\)/);
});

test('a worker throws on boot', async () => {
  await failsWith(
    startBrood('worker-throws'),
    /worker \d+ \(pid \d+\) failed to start: app\.ts didLoad failed: the worker cannot read its templates \(ERR_BROOD_HOOK_FAILED\)/,
  );
});

test('a worker is never ready: workerStartTimeout names the hook', async () => {
  await failsWith(
    startBrood('worker-hangs'),
    /worker did not become ready within 500 ms: app\.ts willReady has not resolved \(ERR_BROOD_BOOT_TIMEOUT\)/,
  );
});

test('a worker that hangs outside a hook: the timeout names the file being imported or run', async () => {
  const pkg = JSON.stringify({ name: 'hangs', private: true, type: 'module', brood: { workerStartTimeout: 500 } });
  const forever = 'await new Promise(() => {});\n';
  const importing = tempApp({
    'package.json': pkg,
    'app/controller/home.ts': `${forever}export function index(ctx) { ctx.body = 1; }\n`,
    'app/router.ts': 'export default () => {};\n',
  });
  await failsWith(
    startBrood(importing),
    /worker did not become ready within 500 ms: importing app\/controller\/home\.ts has not finished \(ERR_BROOD_BOOT_TIMEOUT\)/,
  );
  const running = tempApp({ 'package.json': pkg, 'app/router.ts': `export default async () => { ${forever} };\n` });
  await failsWith(
    startBrood(running),
    /worker did not become ready within 500 ms: running app\/router\.ts has not finished \(ERR_BROOD_BOOT_TIMEOUT\)/,
  );
});

test('a syntax error names the file and line', async () => {
  const cluster = startBrood('syntax-error');
  await failsWith(cluster, /cannot compile app\/router\.ts:6:4: .*\(ERR_BROOD_COMPILE_FAILED\)/);
  assert.ok(!cluster.lines.some((l) => l.role === 'agent'), 'nothing was forked');
});

test('a config file that throws names the file', async () => {
  await failsWith(startBrood('config-throws'), /config\/config\.default\.ts threw: FIXTURE_SECRET is not set \(ERR_BROOD_CONFIG_INVALID\)/);
});

// Each option and each way it can be wrong is checked on resolveOptions alone
// (packages/master/test/options.test.ts); this one starts for real, to see a refusal reach the user.
test('a bad option is one readable line', async () => {
  await failsWith(
    startBrood('basic', [], { BROOD_SCHED_POLICY: 'fastest' }),
    /BROOD_SCHED_POLICY\) must be rr or none, got fastest \(ERR_BROOD_BAD_OPTION\)/,
  );
});
