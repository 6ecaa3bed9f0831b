#!/usr/bin/env node
// Writes docs/reliability.md from the figures of the last chaos run (.chaos/*.json, or BROOD_CHAOS_DIR).
//   node test/chaos/report.mjs          the page, from the figures there are
//   node test/chaos/report.mjs --run    runs the chaos suite first (after a build), then writes the page
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = process.env.BROOD_CHAOS_DIR || join(root, '.chaos');
const page = join(root, 'docs/reliability.md');

if (process.argv.includes('--run')) {
  const files = readdirSync(join(root, 'test/chaos'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/chaos/${f}`);
  const run = spawnSync(process.execPath, [join(root, 'test/run.mjs'), ...files], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.stderr.write('the chaos suite failed: the page shows the figures of what ran\n');
}

if (!existsSync(dir)) {
  process.stderr.write(`no figures in ${dir}: run node test/run.mjs test/chaos/*.test.ts first, or pass --run\n`);
  process.exit(1);
}
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const scenarios = Object.assign({}, ...runs.map((r) => r.scenarios));
const dates = runs.map((r) => r.machine.date).sort();
const machine = runs[0]?.machine;

const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const none = (name) => `_not measured in this run (${name})_`;
const list = (values) => (values ?? []).join(', ');

function workerKills() {
  const rows = ['rr', 'none']
    .map((p) => scenarios[`worker-kills-${p}`])
    .filter(Boolean)
    .map((s) => [
      `\`${s.policy}\``,
      s.kills,
      s.inFlightAtKills,
      s.failed,
      `${s.load.errors.read + s.load.errors.write + s.load.errors.connect} / ${s.load.errors.timeout} / ${s.load.non2xx}`,
      s.load.responses,
      s.load.rps,
      s.load.latencyMs.p99,
      `${s.probes.ok} / ${s.probes.failed} / ${s.probes.hung}`,
      list(s.replacedMs),
    ]);
  if (rows.length === 0) return none('worker-kills');
  return table(
    [
      'policy',
      'kills',
      'requests in flight at the kills',
      'failed requests',
      'load: reset / timed out / non-2xx',
      'load responses',
      'req/s',
      'p99 ms',
      'fresh probes: ok / failed / hung',
      'kill → replacement ready, ms',
    ],
    rows,
  );
}

function reload() {
  const s = scenarios.reload;
  if (s === undefined) return none('reload');
  return table(
    ['reloads', 'each took, ms', 'load responses', 'req/s', 'p99 ms', 'failed requests', 'fresh probes: ok / failed'],
    [[s.reloads, list(s.reloadMs), s.load.responses, s.load.rps, s.load.latencyMs.p99, s.failed, `${s.probes.ok} / ${s.probes.failed}`]],
  );
}

function agentKills() {
  const s = scenarios['agent-kills'];
  if (s === undefined) return none('agent-kills');
  return table(
    ['agent kills', 'kill → new agent ready, ms', 'load responses', 'failed requests', 'requests asking the agent: ok / failed'],
    [[s.kills, list(s.backMs), s.load.responses, s.failed, `${s.agentRequests.ok} / ${s.agentRequests.failed}`]],
  );
}

const gone = (ms, left) => (ms === null ? `not gone after 3 s (${left} left)` : `${ms} ms`);

function tree() {
  const k = scenarios['master-sigkill'];
  const s = scenarios['stop-in-flight'];
  const rows = [];
  if (k !== undefined)
    rows.push([
      '`kill -9` of the master',
      '–',
      '–',
      `${k.childrenGoneMs} ms`,
      k.grandchildren,
      gone(k.grandchildrenGoneMs, k.grandchildrenLeft),
    ]);
  if (s !== undefined)
    rows.push([
      '`brood stop`',
      `${s.answered} of ${s.inFlight} (${s.requestMs} ms each)`,
      `${s.stopMs} ms`,
      'before the stop returns',
      s.grandchildren,
      gone(s.grandchildrenGoneMs, s.grandchildrenLeft),
    ]);
  if (rows.length === 0) return none('tree');
  return table(['how', 'requests in flight answered', 'stop took', 'agent and workers gone', 'grandchildren', 'grandchildren gone'], rows);
}

function memory() {
  const s = scenarios['stalled-agent'];
  if (s === undefined) return none('stalled-agent');
  const r = s.masterRssMiB;
  return table(
    ['agent blocked', 'messages × size', 'sent', 'received', 'master RSS before', 'peak', 'growth', 'after the agent caught up'],
    [
      [
        `${s.blockMs} ms`,
        `${s.messages} × ${s.messageKiB} KiB`,
        s.sent,
        s.received,
        `${r.baseline} MiB`,
        `${r.peak} MiB`,
        `${r.growth} MiB`,
        `${r.afterCatchUp} MiB`,
      ],
    ],
  );
}

function fuzz() {
  const s = scenarios.fuzz;
  if (s === undefined) return none('fuzz');
  const rows = Object.entries(s.byKind).map(([kind, k]) => [
    `\`${kind}\``,
    k.sent,
    k.refused,
    k.crashed.length === 0 ? '0' : k.crashed.join(', '),
    k.masterLogLines,
    k.malformedLogLines,
  ]);
  rows.push(['**all**', s.sent, '', s.crashed, '', '']);
  return `Seed ${s.seed}.\n\n${table(['kind', 'sent', 'refused by process.send', 'processes crashed', 'master log lines', 'of which "malformed message"'], rows)}`;
}

function restarts() {
  const s = scenarios.restarts;
  if (s === undefined) return none('restarts');
  const rows = s.loop.map((r, i) => [`loop ${i + 1}`, r.announcedMs ?? '–', r.backMs]);
  rows.push([`after ${s.healthyMs / 1000} s healthy`, s.afterHealthy.announcedMs ?? '–', s.afterHealthy.backMs]);
  return table(['crash', 'delay the master announced, ms', 'kill → replacement ready, ms'], rows);
}

const text = `# Reliability

What Brood does when things go wrong, measured. \`test/chaos/\` runs each
scenario below with real processes, real signals and real load on
127.0.0.1, asserts what Brood promises, and writes its figures to
\`.chaos/*.json\`; this page is written from them by
\`node test/chaos/report.mjs\` (\`--run\` runs the chaos files first). They
run in CI with every other test file; on their own they take about 30 s
on a quiet machine.

## This run

| | |
| --- | --- |
| date | ${dates[0] === undefined ? '?' : `${dates[0].slice(0, 16).replace('T', ' ')} UTC`} |
| machine | ${machine?.cpu ?? '?'}, ${machine?.cores ?? '?'} cores, ${machine?.memoryGiB ?? '?'} GiB |
| system | ${machine?.platform ?? '?'}, Node ${machine?.node ?? '?'} |
| load generator | ${machine?.loadTool ?? '?'} (one thread, 16 keep-alive connections, 10 s timeout; autocannon when wrk is not installed, or with BROOD_CHAOS_LOAD=autocannon) |
| load average at the start | ${list(machine?.loadAverage)} |

The chaos files run two at a time, in a run of the whole suite
(\`npx -y pnpm@12.4.2 test\`) or alone (\`--run\`): two scenarios and their
load share two cores, and the load average above says what else ran.
Each scenario's JSON records the load average when it ended.

## Worker kills under load

A cluster of two workers under keep-alive load on \`/\`, with two loops of
fresh connections (one request each, 10 s timeout: past it a probe counts
as hung) probing alongside. Five times, the oldest worker is stopped
(SIGSTOP, so it takes nothing more),
the client connections it holds are counted from \`/proc\`, and it is killed
with SIGKILL; load runs 0.8 s on two workers between kills. Once per
scheduling policy.

${workerKills()}

Asserted: only the killed workers exit, both slots serve again, a stop
afterwards leaves nothing; under either policy the failed requests are at
most the requests in flight on the killed workers (each connection a killed
worker held loses the one request it carried; a hung probe counts as
failed). Under \`rr\` a connection the master had handed to the stopped
worker, which never took it, goes to the other worker when the stopped one
is killed (docs/cluster.md, "Why Brood shares the port itself").

## \`brood reload\` under load

The same load and probes; \`brood reload\` (through the control socket, as
a user runs it) three times, 0.8 s apart.

${reload()}

Asserted: no request fails, no process crashes.

## Agent kills under load

The same load on \`/\`, which never asks the agent, and two connections
asking the agent through \`messenger.request\` (3 s timeout) on \`/agent\`.
The agent is killed with SIGKILL three times, each time once the previous
one's replacement is ready.

${agentKills()}

Asserted: no request on \`/\` fails, the workers are the same processes
throughout. Requests asking the agent that were in flight at a kill fail
with \`ERR_BROOD_TARGET_GONE\`; those sent while it is away wait for the new
agent (docs/messenger.md).

## Nothing left behind

Each worker and the agent start a grandchild (\`sleep 60\`) first. Then the
master is killed with SIGKILL; or, in a second cluster, six requests of
1.5 s are put in flight and \`brood stop\` is run.

${tree()}

Asserted: the agent, the workers and their grandchildren are gone after a
SIGKILL of the master, and after \`brood stop\`, which answers every request
in flight first (each child leads a process group, killed with it:
docs/cluster.md, "Nothing is left behind").

## Master memory under a stalled agent

The agent blocks its event loop (\`Atomics.wait\`, so it reads nothing from
its channel) for ${scenarios['stalled-agent']?.blockMs ?? 6000} ms; meanwhile a worker sends it 200 messages of
1 MiB with \`sendToAgent\`, in one loop. The master's RSS is sampled every
25 ms.

${memory()}

Asserted: the master and the agent live on, nothing crashes, and the
master stays flat: at most 128 MiB of growth, since it holds at most
\`maxPendingBytes\` (64 MB) for the agent, and the worker at most as much for
the master; what does not fit is dropped and counted (docs/messenger.md,
Bounds).

## Fuzzed messages

A worker writes garbage on its IPC channel to the master with
\`process.send\`, past the messenger (\`test/fixtures/apps/chaos/lib/fuzz.ts\`,
seeded): \`random\` JSON values; \`versions\`, envelopes of other protocol
versions; \`fields\`, envelopes with fields of the wrong type and
\`__proto__\` keys; \`control\`, control envelopes at the wrong time;
\`routed\`, actions and replies to nowhere; \`huge\`, 8 MiB strings and a
batch of 10,000; \`deep\`, values nested 3,000–4,000 deep; \`deep-batch\`,
2,000 batches nested in each other. After each kind the worker asks the
agent once through the master, so the master has read all of it.

${fuzz()}

Asserted: no process crashes, messaging works after each kind, and bad
messages are logged a few lines per kind rather than one line each: the
first of each kind at once, then one counted line per kind every 5 s.

## Restart delays

One slot's worker is killed with SIGKILL as soon as its replacement is
ready, five times (a crash loop); then it serves 5 s and is killed once more
(an accident).

${restarts()}

Asserted: the master does not give up, both slots serve, and the worker
that crashes after a healthy period is replaced at once: the crash loop
backs off, the accident does not (docs/cluster.md, "Restarts").

## Assertions waiting for fixes

None: every assertion of the chaos suite runs. One that waits for a fix
under way is listed in test/chaos/helpers/pending.ts, skipped with its
reason; \`BROOD_CHAOS_STRICT=1\` runs them.
`;

writeFileSync(page, text);
process.stdout.write(`wrote ${page} from ${runs.length} files of figures (${dates[0] ?? 'no date'})\n`);
