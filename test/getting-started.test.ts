/**
 * docs/getting-started.md, run as a reader would: every command of its ```sh
 * blocks, in order, in a new home folder where `~/brood` is this checkout;
 * the app made by `brood create` and installed by npm against the checkout.
 * What each command prints is compared by shape with the block shown after
 * it (or its `# →` comment): numbers, pids, times and paths may differ,
 * lines may not. The edits the page asks for in prose (change the greeting,
 * break a file, put it back, Ctrl-C) are made where it asks for them.
 *
 * Two things differ from a reader's machine, so that the test can run beside
 * others: the ports (the app's package.json `brood.port` and `--port 7002`
 * become free ports), and npm uses the machine's cache.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { runProcess } from './helpers/cli.js';
import { ROOT } from './helpers/cluster.js';

const DOC = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');
const HOME = realpathSync(mkdtempSync(join(tmpdir(), 'brood-gs-')));
const APP = join(HOME, 'my-app');
symlinkSync(ROOT.replace(/\/$/, ''), join(HOME, 'brood'));

/** npm's cache of this machine, so that installing in the new home downloads nothing twice. */
const NPM_CACHE = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8', timeout: 30_000 }).stdout.trim();

const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME,
  npm_config_cache: NPM_CACHE,
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  BROOD_ENV: '',
  NODE_ENV: '',
};
// The app's own `node --test` must not think it runs under this test runner.
delete env.NODE_TEST_CONTEXT;

/** Every pid a command printed as a master, and the dev session: killed in teardown whatever happens. */
const masters = new Set<number>();
let dev: ChildProcess | undefined;

after(() => {
  for (const title of ['default', 'blue']) {
    spawnSync(process.execPath, [join(ROOT, 'packages/brood/bin/brood.js'), 'stop', APP, '--title', title], { timeout: 30_000, env });
  }
  for (const pid of [...masters, ...(dev?.pid === undefined ? [] : [-dev.pid])]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(HOME, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/** A line reduced to its shape: paths named, numbers and lists of numbers as #, plurals and spacing evened out. */
function shape(line: string): string {
  let text = line;
  for (const [from, to] of [
    [APP, '<app>'],
    ['/home/me/my-app', '<app>'],
    [join(ROOT, '.'), '<brood>'],
    ['/home/me/brood', '<brood>'],
    [HOME, '<home>'],
    ['/home/me', '<home>'],
  ] as const) {
    text = text.split(from).join(to);
  }
  return text
    .replace(/\d+(?:\.\d+)?/g, '#')
    .replace(/#(?:, #)+/g, '#')
    .replace(/\bworkers\b/g, 'worker')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(LIVE_FIGURES, '$1 <heap> <lag>');
}

/**
 * A process row of `brood status` ends with HEAP and LAG, which read `-`
 * until the process first answers the master's heartbeat (every second):
 * right after a start they may be either, so both count as one shape.
 */
const LIVE_FIGURES = /^((?:agent|worker) .*) (?:# MB\/# MB|-) (?:# ms|-)$/;

/** Lines of output as shapes, empty ones out, runs of the same shape (table rows of N workers) as one. */
function shapes(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const s = shape(line);
    if (s !== '' && s !== out.at(-1)) out.push(s);
  }
  return out;
}

/** Whether the expected shapes appear in the output, in order (npm adds lines of its own around Brood's). */
function inOrder(expected: string[], actual: string[]): string | undefined {
  let at = 0;
  for (const line of expected) {
    const found = actual.indexOf(line, at);
    if (found === -1) return line;
    at = found + 1;
  }
  return undefined;
}

/** A pretty log as entries: a line with its time, and the field lines indented below it. */
function entries(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\[\d\d:\d\d:\d\d\.\d\d\d\]/.test(line)) out.push(shape(line));
    else if (line.startsWith(' ') && out.length > 0) out[out.length - 1] += `\n${shape(line)}`;
  }
  return out;
}

interface Block {
  kind: 'sh' | 'out' | 'other' | 'prose';
  text: string;
}

/** The page as a sequence of code blocks and the prose between them. */
function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  let last = 0;
  for (const match of markdown.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    found.push({ kind: 'prose', text: markdown.slice(last, match.index) });
    const lang = match[1] as string;
    found.push({ kind: lang === 'sh' ? 'sh' : lang === '' ? 'out' : 'other', text: match[2] as string });
    last = (match.index as number) + match[0].length;
  }
  return found;
}

interface Run {
  code: number | null;
  output: string;
}

/** Runs one command line in bash, in `cwd`, with a bound on its time. */
async function run(command: string, cwd: string): Promise<Run> {
  const { code, stdout, stderr } = await runProcess('bash', ['-c', command], { cwd, env, timeout: 180_000 });
  // On lines of their own: a body without a final newline (curl) must not run into stderr.
  const output = `${stdout}\n${stderr}`;
  for (const match of output.matchAll(/master (\d+), agent/g)) masters.add(Number(match[1]));
  return { code, output };
}

/** The dev session's log so far. */
let devLog = '';

/** Waits until every expected log entry is among the dev log's entries from `from` on (processes log in any order). */
async function devShows(expected: string, from: number, what: string): Promise<void> {
  const wanted = entries(expected);
  assert.ok(wanted.length > 0, `${what}: the page shows log lines`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pool = entries(devLog.slice(from));
    // An entry shown without its fields (after it on the line, or below it) matches the entry with them.
    const missing = wanted.filter((entry) => {
      const i = pool.findIndex((have) => have === entry || have.startsWith(`${entry} {`) || have.startsWith(`${entry}\n`));
      if (i === -1) return true;
      pool.splice(i, 1);
      return false;
    });
    if (missing.length === 0) return;
    if (Date.now() > deadline || dev?.exitCode !== null) {
      assert.fail(`${what}: the dev log has no line shaped like\n${missing.join('\n')}\n--- dev log\n${devLog.slice(from)}`);
    }
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

/** The edits the page asks for in prose, found by their words: the test fails if the page no longer says them. */
const EDITS = {
  greeting: 'Change the greeting in `config/config.local.ts` and save',
  break: 'Break a file — delete a `}` in `app/controller/home.ts`',
  fix: 'Put the `}` back: it reloads',
  quit: 'Ctrl-C stops everything',
};

function edit(file: string, from: string, to: string): void {
  const path = join(APP, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  writeFileSync(path, text.replace(from, to));
}

test('every command of docs/getting-started.md prints what the page shows', { timeout: 420_000 }, async (t) => {
  const ports: Record<string, string> = { '7001': String(await freePort()), '7002': String(await freePort()) };
  const withPorts = (command: string) => command.replace(/\b700[12]\b/g, (port) => ports[port] as string);
  let cwd = HOME;
  let last: Run | undefined;
  let pending: keyof typeof EDITS | undefined;
  let devFrom = 0;
  const seen = new Set<string>();

  for (const block of blocks(DOC)) {
    if (block.kind === 'prose') {
      for (const [name, words] of Object.entries(EDITS) as Array<[keyof typeof EDITS, string]>) {
        if (!block.text.replace(/\s+/g, ' ').includes(words)) continue;
        seen.add(name);
        if (name === 'greeting' || name === 'break') pending = name;
        if (name === 'fix') {
          devFrom = devLog.length;
          edit('app/controller/home.ts', 'greeting.motd() ;', 'greeting.motd() };');
          await devShows(
            '[00:00:00.000] INFO: master 1 | brood reloaded in 1 ms: workers 1, agent 1 kept',
            devFrom,
            'the fix reloads the workers alone',
          );
        }
        if (name === 'quit') {
          const exited = new Promise((done) => dev?.once('exit', done));
          process.kill(-(dev?.pid as number), 'SIGINT');
          await Promise.race([
            exited,
            new Promise((_, reject) => setTimeout(() => reject(new Error('dev did not stop on Ctrl-C')), 20_000)),
          ]);
          // npm reports the signal as its own exit; what counts is that Brood stopped in order.
          assert.match(devLog, /INFO: master \d+ \| brood stopped/, `brood dev stops on Ctrl-C\n${devLog}`);
        }
      }
      continue;
    }
    if (block.kind === 'out') {
      if (pending !== undefined || (last === undefined && dev !== undefined && dev.exitCode === null)) {
        // Output of the dev session: after the edit the prose asked for, if any.
        if (pending === 'greeting') {
          devFrom = devLog.length;
          edit('config/config.local.ts', 'hello from your machine', 'hello from my machine');
        } else if (pending === 'break') {
          devFrom = devLog.length;
          edit('app/controller/home.ts', 'greeting.motd() };', 'greeting.motd() ;');
        }
        await devShows(block.text, devFrom, `the log after ${pending ?? 'npm run dev'}`);
        pending = undefined;
        continue;
      }
      assert.ok(last !== undefined, `an output block follows a command:\n${block.text}`);
      const missing = inOrder(shapes(block.text), shapes(last.output));
      assert.equal(missing, undefined, `the output has no line shaped like\n${missing}\n--- output\n${last.output}`);
      last = undefined;
      continue;
    }
    if (block.kind !== 'sh') continue;
    // Section 1 installs the checkout: the run of this suite has done it.
    if (block.text.includes('pnpm@12.4.2 install')) continue;
    for (const raw of block.text.split('\n')) {
      if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
      const [command = '', comment] = raw.split(/\s+# /, 2) as [string, string | undefined];
      const line = withPorts(command.trim());
      if (line.startsWith('cd ')) {
        cwd = resolve(cwd, line.slice(3).trim().replace(/^~/, HOME));
        continue;
      }
      if (line === 'npm run dev') {
        dev = spawn('bash', ['-c', line], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        devLog = '';
        devFrom = 0;
        for (const stream of [dev.stdout, dev.stderr]) {
          stream?.setEncoding('utf8').on('data', (chunk: string) => {
            devLog += chunk;
          });
        }
        last = undefined;
        continue;
      }
      if (line === 'npm install') {
        // The app's port: the page's 7001 becomes a free one (package.json `brood.port`).
        edit('package.json', '"port": 7001', `"port": ${ports['7001']}`);
      }
      const expected = comment?.startsWith('→ ') ? comment.slice(2).trim() : undefined;
      const exit = Number(/\(exit (\d+)\)$/.exec(expected ?? '')?.[1] ?? 0);
      const wanted = expected?.replace(/\s*\(exit \d+\)$/, '');
      // A GET of a value the agent pushes may need a moment; nothing else is tried twice.
      const tries = line.startsWith('curl ') ? 60 : 1;
      for (let attempt = 1; ; attempt += 1) {
        last = await run(line, cwd);
        t.diagnostic(`$ ${line} → exit ${last.code}`);
        const shaped = wanted === undefined || inOrder([shape(wanted)], shapes(last.output)) === undefined;
        if ((last.code === exit && shaped) || attempt >= tries) break;
        await new Promise((wait) => setTimeout(wait, 500));
      }
      assert.equal(last.code, exit, `$ ${line} exits ${exit}\n${last.output}`);
      if (wanted !== undefined) {
        assert.equal(inOrder([shape(wanted)], shapes(last.output)), undefined, `$ ${line} prints ${wanted}\n--- output\n${last.output}`);
        // Its output is checked: a block after it belongs to another command.
        last = undefined;
      }
    }
  }
  assert.deepEqual([...seen].sort(), Object.keys(EDITS).sort(), 'the page asks for every edit this test makes');
});
