/**
 * Runs one of Brood's process bundles (the CLI and master, the agent, a
 * worker) with a V8 code cache, as Node 22's `module.enableCompileCache()`
 * does for modules; Node 20 has no such switch.
 *
 * Why: compiling a bundle is most of what it costs to load. The worker's
 * bundle (koa, @koa/router, pino and Brood) took 52 ms over a bare
 * `node -e 0` loaded as an ES module, 42 ms as CommonJS and 30 ms as
 * CommonJS with its code cache (2-core machine, median of 15). Every
 * process of a cluster pays it, and the master, the agent and a worker
 * boot one after the other on the way to the first request.
 *
 * The cache is written once, after start-up, beside the bundle in
 * `.code-cache/`. Its name carries the bundle's size and mtime and the Node
 * version, so a rebuilt bundle or another Node never reads a stale one (V8
 * rejects what does not match its own version and flags, and a rejected
 * cache is written again). A folder Brood cannot write to only loses the cache.
 *
 * This file is CommonJS so that it loads without Node's ES module loader.
 */
import fs = require('node:fs');
import path = require('node:path');
import nodeModule = require('node:module');
import vm = require('node:vm');

/** Where the running bundle finds the function that writes its code cache. */
const SAVE_KEY = Symbol.for('brood.code-cache.save');
/** Where the running bundle finds `import()`: see `load-module.ts`. */
const IMPORT_KEY = Symbol.for('brood.import');

/**
 * Where a bundle run here finds what CommonJS gives a module: the bundle is
 * its own wrapper (scripts/bundle.mjs), `(function (exports, require,
 * module, __filename, __dirname) { … }).call(...(globalThis[ARGS] ??
 * [exports, exports, require, …]))` (`this` first, as CommonJS has it), so
 * it runs as it is both here and under `require`. Wrapping it here instead took a second copy of the source,
 * which stayed in the heap until the first full GC: 0.7 MB in each worker
 * at idle (`brood start`, idle RSS of the tree 201.1 → 199.2 MB).
 */
const ARGS = Symbol.for('brood.bundle.args');

function cacheFileOf(file: string): string {
  const { size, mtimeMs } = fs.statSync(file);
  const name = `${path.basename(file)}-${size}-${Math.round(mtimeMs)}-${process.version}-${process.arch}.bin`;
  return path.join(path.dirname(file), '.code-cache', name);
}

function writeCache(script: vm.Script, cacheFile: string): void {
  try {
    const data = script.createCachedData();
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    // Several workers may write at once: each writes its own file, the rename is atomic.
    const scratch = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(scratch, data);
    fs.renameSync(scratch, cacheFile);
    const prefix = `${path.basename(cacheFile).split('-')[0]}-`;
    for (const other of fs.readdirSync(path.dirname(cacheFile))) {
      // Caches of earlier builds of this bundle.
      if (other.startsWith(prefix) && other !== path.basename(cacheFile) && !other.endsWith('.tmp')) {
        fs.rmSync(path.join(path.dirname(cacheFile), other), { force: true });
      }
    }
  } catch {
    // A read-only install: the next start compiles again, nothing else changes.
  }
}

/**
 * Loads and runs the CommonJS bundle `file` and returns its exports. When
 * no valid code cache exists, one is written when the bundle says its
 * start-up is over (`codeCacheReady()` in `./code-cache.ts`), or at exit.
 */
function runBundle(file: string): unknown {
  // Source maps (brood dev) apply to modules Node loads itself, not to vm scripts:
  // there the bundle is required as usual, and stack traces name the .ts files.
  if (process.sourceMapsEnabled) return nodeModule.createRequire(file)(file);
  const source = fs.readFileSync(file, 'utf8');
  let cacheFile: string | undefined;
  let cachedData: Buffer | undefined;
  try {
    cacheFile = cacheFileOf(file);
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet.
  }
  const script = new vm.Script(source, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  // The bundle imports the app's compiled ES modules; a vm script has no
  // import() of its own (in Node 20 only behind an experimental option, and
  // lost when the script comes from a code cache), so it borrows this file's.
  (globalThis as Record<symbol, unknown>)[IMPORT_KEY] = (url: string): Promise<unknown> => import(url);
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    const target = cacheFile;
    let written = false;
    const save = (): void => {
      if (written) return;
      written = true;
      writeCache(script, target);
    };
    (globalThis as Record<symbol, unknown>)[SAVE_KEY] = save;
    process.once('exit', save);
  }
  const module = { exports: {} as unknown };
  const global = globalThis as Record<symbol, unknown>;
  global[ARGS] = [module.exports, module.exports, nodeModule.createRequire(file), module, file, path.dirname(file)];
  try {
    script.runInThisContext();
  } finally {
    delete global[ARGS];
  }
  return module.exports;
}

export = { runBundle };
