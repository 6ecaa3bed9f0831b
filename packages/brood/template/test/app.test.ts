/**
 * Starts this app for real (master, agent, two workers, a free port) and
 * checks it from the outside. `npm test` runs it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(dirname(fileURLToPath(import.meta.resolve('brood'))), '../bin/brood.js');
let master: ChildProcess;
let url = '';

before(async () => {
  master = spawn(
    process.execPath,
    [bin, 'start', appDir, '--port', '0', '--workers', '2', '--env', 'test', '--title', `test-${process.pid}`],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 20 s:\n${output}`)), 20_000);
    master.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const found = /"event":"started".*?"url":"([^"]+)"|"url":"([^"]+)".*?"event":"started"/.exec(output);
      if (found !== null) {
        clearTimeout(timer);
        resolve((found[1] ?? found[2]) as string);
      }
    });
    master.once('exit', (code) => reject(new Error(`brood exited with ${code}:\n${output}`)));
  });
});

after(async () => {
  // A graceful stop first, so the app removes its control socket; then nothing of the tree may remain.
  master.kill('SIGTERM');
  await Promise.race([
    new Promise((resolve) => master.once('exit', resolve)),
    new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
  ]);
  try {
    process.kill(-(master.pid as number), 'SIGKILL');
  } catch {
    // already gone
  }
});

async function get(path: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

test('GET / greets with the test config, through the service and the middleware', async () => {
  const reply = await get('/');
  assert.equal(reply.status, 200);
  assert.match((reply.body as { message: string }).message, /^hello from the tests from worker \d+$/);
  assert.equal(reply.headers.get('x-powered-by'), '{{name}}');
});

test('GET /visits is counted by the agent for every worker', async () => {
  const first = (await get('/visits')).body as { total: number; agent: number };
  const second = (await get('/visits')).body as { total: number; agent: number };
  assert.equal(second.total, first.total + 1);
  assert.equal(second.agent, first.agent);
});

test('GET /motd serves the message the agent task pushed', async () => {
  const deadline = Date.now() + 5000;
  let motd = 'no message yet';
  while (motd === 'no message yet' && Date.now() < deadline) {
    motd = ((await get('/motd')).body as { motd: string }).motd;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.notEqual(motd, 'no message yet');
});
