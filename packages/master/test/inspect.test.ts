/**
 * Inspector ports of the master's children: the pure rules, then the real
 * thing — a process under `--inspect` forks an agent-like child and a
 * cluster worker the way the master does, and each reports its own port.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { agentExecArgv, inspectPort, usesInspector } from '../../packages/master/dist/inspect.js';
import { runProcess } from '../helpers/cli.js';
import { ROOT } from '../helpers/cluster.js';

describe('inspector ports', () => {
  test('found in the arguments or in NODE_OPTIONS, in every form', () => {
    for (const flag of [
      '--inspect',
      '--inspect=9300',
      '--inspect=0.0.0.0:9300',
      '--inspect-brk',
      '--inspect-wait=9300',
      '--inspect-port=9300',
    ]) {
      assert.equal(usesInspector([flag], ''), true, flag);
    }
    assert.equal(usesInspector(['--enable-source-maps'], ''), false);
    assert.equal(usesInspector([], '--max-old-space-size=512 --inspect'), true);
    assert.equal(usesInspector([], '--inspector-not-a-flag'), false);
  });

  test('the agent takes port + 1, worker n port + 1 + n; port 0 stays 0', () => {
    assert.equal(inspectPort('agent', 0, 9229), 9230);
    assert.equal(inspectPort('worker', 1, 9229), 9231);
    assert.equal(inspectPort('worker', 4, 9229), 9234);
    assert.equal(inspectPort('worker', 3, 0), 0);
    assert.deepEqual(agentExecArgv(['--inspect=0.0.0.0:9300', '--enable-source-maps'], 9300), [
      '--inspect=0.0.0.0:9300',
      '--enable-source-maps',
      '--inspect-port=9301',
    ]);
    assert.deepEqual(agentExecArgv(['--enable-source-maps'], 9229), ['--enable-source-maps']);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'brood-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A port with the next three free too (probed, then let go). */
async function freePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer().once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await Promise.all([0, 1, 2, 3].map((i) => free(base + i)))).every(Boolean)) return base;
  }
  throw new Error('no four free ports in a row');
}

test('under --inspect the agent and a worker each get their own inspector port', async () => {
  const inspect = pathToFileURL(join(ROOT, 'packages/master/dist/inspect.js')).href;
  writeFileSync(join(dir, 'child.cjs'), "process.send(require('node:inspector').url() ?? 'none', () => process.exit(0));\n");
  writeFileSync(
    join(dir, 'master.mjs'),
    `import { fork } from 'node:child_process';
import cluster from 'node:cluster';
import { agentExecArgv, inspectPort } from ${JSON.stringify(inspect)};
const url = (child) => new Promise((resolve) => child.once('message', resolve));
const agent = fork(${JSON.stringify(join(dir, 'child.cjs'))}, [], { execArgv: agentExecArgv(process.execArgv) });
cluster.setupPrimary({ exec: ${JSON.stringify(join(dir, 'child.cjs'))}, execArgv: process.execArgv });
cluster.settings.inspectPort = inspectPort('worker', 2);
const worker = cluster.fork();
const urls = await Promise.all([url(agent), url(worker)]);
console.log(JSON.stringify(urls));
process.exit(0);
`,
  );
  const base = await freePorts();
  const { code, stdout, stderr } = await runProcess(process.execPath, [`--inspect=127.0.0.1:${base}`, join(dir, 'master.mjs')], {
    timeout: 20_000,
  });
  assert.equal(code, 0, stderr);
  const [agentUrl, workerUrl] = JSON.parse(stdout.trim().split('\n').at(-1) as string) as string[];
  assert.match(agentUrl as string, new RegExp(`^ws://127\\.0\\.0\\.1:${base + 1}/`));
  assert.match(workerUrl as string, new RegExp(`^ws://127\\.0\\.0\\.1:${base + 3}/`));
  assert.doesNotMatch(stderr, /address already in use/);
});
