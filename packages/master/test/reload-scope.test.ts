/**
 * Which role a changed file concerns, read from a compiled build's imports:
 * the agent's files (agent.ts, config, tasks, its extension, what they
 * import) restart the agent; the workers' restart the workers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeTempApps, tempApp } from '../../../test/helpers/temp-app.js';
import { filesLoaded, scopeOf } from '../src/reload-scope.js';

after(removeTempApps);

/** A build folder of compiled files, as esbuild writes them. */
const build = tempApp;

const APP = build({
  'agent.js': 'import "./lib/actions.js";\nimport { latest } from "./lib/store.js";\nexport default (agent) => latest;\n',
  'app.js': 'import { format } from "./lib/format.js";\nexport default () => format;\n',
  'app/router.js': 'export default (router, app) => router.get("/", app.controller.home.index);\n',
  'app/controller/home.js': 'import { shared } from "../../lib/shared.js";\nexport const index = (ctx) => { ctx.body = shared; };\n',
  'app/schedule/refresh.js':
    'export default { schedule: { interval: "1m", type: "agent" }, task: async () => (await import("../../lib/lazy.js")).run() };\n',
  'app/extend/agent.js': 'export default { get duty() { return "x"; } };\n',
  'app/extend/context.js': 'export * from "../../lib/ctx-helpers.js";\n',
  'config/config.default.js': 'export default { greeting: "hi" };\n',
  'lib/actions.js': 'export {};\n',
  'lib/store.js': 'import { shared } from "./shared.js";\nexport const latest = shared;\n',
  'lib/shared.js': 'export const shared = 1;\n',
  'lib/format.js': 'export const format = (s) => s;\n',
  'lib/lazy.js': 'export const run = () => 1;\n',
  'lib/ctx-helpers.js': 'export const x = 1;\n',
  'lib/unused.js': 'export const u = 1;\n',
  'package.json': '{ "type": "module" }\n',
});

test('each role loads its own files and what they import, static, side-effect, re-export or literal dynamic import', () => {
  const loaded = filesLoaded(APP);
  assert.deepEqual([...loaded.agent].sort(), [
    'agent',
    'app/extend/agent',
    'app/schedule/refresh',
    'config/config.default',
    'lib/actions',
    'lib/lazy',
    'lib/shared',
    'lib/store',
  ]);
  assert.deepEqual([...loaded.workers].sort(), [
    'app',
    'app/controller/home',
    'app/extend/context',
    'app/router',
    'app/schedule/refresh',
    'config/config.default',
    'lib/ctx-helpers',
    'lib/format',
    'lib/lazy',
    'lib/shared',
  ]);
});

test('a change concerns the roles that load the file; a file nobody loads, the workers', () => {
  const scope = (...changed: string[]) => scopeOf(changed, [APP]);
  assert.deepEqual(scope('app/controller/home.ts'), { workers: true, agent: false }, 'a controller keeps the agent');
  assert.deepEqual(scope('app/router.ts', 'lib/format.ts'), { workers: true, agent: false });
  assert.deepEqual(scope('agent.ts'), { workers: false, agent: true }, 'agent.ts keeps the workers');
  assert.deepEqual(scope('lib/store.ts'), { workers: false, agent: true }, 'a lib file the agent imports');
  assert.deepEqual(scope('app/extend/agent.ts'), { workers: false, agent: true });
  assert.deepEqual(scope('config/config.local.ts'), { workers: true, agent: true }, 'config: both, even a file not built yet');
  assert.deepEqual(scope('app/schedule/refresh.ts'), { workers: true, agent: true }, 'a task file: both load it');
  assert.deepEqual(scope('lib/shared.ts'), { workers: true, agent: true }, 'a file both import');
  assert.deepEqual(scope('lib/unused.ts'), { workers: true, agent: false }, 'a file nobody imports: the workers, as before');
  assert.deepEqual(scope('app/controller/new-one.ts'), { workers: true, agent: false }, 'a new file under app/');
});

test('the build before a change counts too: a file the agent stopped importing still restarts it', () => {
  const before = build({ 'agent.js': 'import "./lib/old.js";\n', 'lib/old.js': 'export {};\n', 'package.json': '{}\n' });
  const afterChange = build({ 'agent.js': 'export default () => {};\n', 'package.json': '{}\n' });
  assert.deepEqual(scopeOf(['agent.ts', 'lib/old.ts'], [before, afterChange]), { workers: false, agent: true });
  assert.deepEqual(scopeOf(['lib/old.ts'], [afterChange]), { workers: true, agent: false });
  assert.deepEqual(scopeOf(['lib/old.ts'], [before, afterChange]), { workers: false, agent: true });
  // A build that was pruned meanwhile adds nothing, and breaks nothing.
  assert.deepEqual(scopeOf(['agent.ts'], [join(before, 'gone'), afterChange]), { workers: false, agent: true });
});
