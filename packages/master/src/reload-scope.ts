import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Which processes a reload replaces. */
export interface ReloadScope {
  workers: boolean;
  agent: boolean;
}

/** Both roles: what a reload without a list of changed files does. */
export const EVERYTHING: ReloadScope = { workers: true, agent: true };

/**
 * The files each role loads itself, as paths without extension relative to
 * the app: the agent its boot file, every config file, every task file (it
 * reads each one's schedule) and its own extension; a worker its boot file,
 * every config file and everything under app/ but the agent's extension.
 */
const ROOTS: Record<keyof ReloadScope, (stem: string) => boolean> = {
  agent: (stem) => stem === 'agent' || stem.startsWith('config/') || stem.startsWith('app/schedule/') || stem === 'app/extend/agent',
  workers: (stem) => stem === 'app' || stem.startsWith('config/') || (stem.startsWith('app/') && stem !== 'app/extend/agent'),
};

/** The specifiers of `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')` in compiled code. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'\n]+)["']/g;

/** `lib/quote.ts`, `lib/quote.js` → `lib/quote`. */
const stemOf = (path: string): string =>
  path
    .split(sep)
    .join('/')
    .replace(/\.(?:ts|mts|js|mjs)$/, '');

/** Every compiled file of a build, relative to it, as `/` paths. */
function buildFiles(buildDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a build pruned meanwhile: it adds nothing
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.m?js$/.test(entry.name)) found.push(relative(buildDir, full).split(sep).join('/'));
    }
  };
  walk(buildDir);
  return found;
}

/** The build file a relative specifier of `from` names, if the build has it. */
function resolveIn(buildDir: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = join(dirname(join(buildDir, from)), specifier);
  for (const candidate of [target, `${target}.js`, join(target, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(buildDir, candidate).split(sep).join('/');
  }
  return undefined;
}

/**
 * The stems of the app's files each role loads in one build: its own files
 * and, through their relative imports, everything they reach (a `lib/`
 * file imported by `agent.ts` is the agent's). The compiled build is read,
 * not the sources: its specifiers are the ones Node resolves. An import
 * whose path is computed at run time is not seen.
 */
export function filesLoaded(buildDir: string): Record<keyof ReloadScope, Set<string>> {
  const files = buildFiles(buildDir);
  const closure = (isRoot: (stem: string) => boolean): Set<string> => {
    const seen = new Set<string>();
    const queue = files.filter((file) => isRoot(stemOf(file)));
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      let code: string;
      try {
        code = readFileSync(join(buildDir, file), 'utf8');
      } catch {
        continue;
      }
      for (const match of code.matchAll(IMPORT)) {
        const found = resolveIn(buildDir, file, match[1] as string);
        if (found !== undefined && !seen.has(found)) queue.push(found);
      }
    }
    return new Set([...seen].map(stemOf));
  };
  return { agent: closure(ROOTS.agent), workers: closure(ROOTS.workers) };
}

/**
 * Which roles a change of `changed` (source paths relative to the app)
 * concerns, read from the builds before and after it: a file a role loads
 * in either replaces that role. A file neither loads replaces the workers,
 * as a reload always did. `brood dev` restarts the agent — and loses its
 * state — only when the change is one the agent would run.
 */
export function scopeOf(changed: readonly string[], builds: readonly string[]): ReloadScope {
  const agent = new Set<string>();
  const workers = new Set<string>();
  for (const build of new Set(builds)) {
    if (build === '') continue;
    const loaded = filesLoaded(build);
    for (const stem of loaded.agent) agent.add(stem);
    for (const stem of loaded.workers) workers.add(stem);
  }
  // A role's own files count by their path too: a config file or a task just created is in no build yet.
  const loadsAgent = (stem: string): boolean => agent.has(stem) || ROOTS.agent(stem);
  const stems = changed.map(stemOf);
  return {
    agent: stems.some(loadsAgent),
    workers: stems.some((stem) => workers.has(stem) || ROOTS.workers(stem) || !loadsAgent(stem)),
  };
}
