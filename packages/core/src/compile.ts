import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Message, stop } from 'esbuild';
import { listSources } from './app-files.js';
import { broodError, CoreErrors } from './errors.js';

/** What one compilation produced. */
export interface CompileResult {
  files: number;
  ms: number;
}

/** `app/router.ts:3:14: Expected ";" but found "}"` */
function describe(message: Message): string {
  const where = message.location;
  return where === null ? message.text : `${where.file}:${where.line}:${where.column + 1}: ${message.text}`;
}

/**
 * Compiles the app's TypeScript to plain ESM in `outDir`, file by file so the
 * folder conventions survive. It runs once, in the master, before any
 * process is forked: the agent and every worker import plain JavaScript, so
 * no process pays for a TypeScript loader or compiles a file again.
 * Types are not checked here (that is `tsc`'s job); syntax errors stop
 * start-up with the file and line.
 */
export async function compileApp(baseDir: string, outDir: string): Promise<CompileResult> {
  const started = performance.now();
  const sources = listSources(baseDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // The compiled files are ESM whatever the app's package.json says.
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  if (sources.length > 0) {
    try {
      await build({
        absWorkingDir: baseDir,
        entryPoints: sources,
        outbase: baseDir,
        outdir: outDir,
        bundle: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: 'inline',
        logLevel: 'silent',
      });
    } catch (error) {
      const errors = (error as { errors?: Message[] }).errors ?? [];
      const first = errors[0];
      const text = first === undefined ? String(error) : describe(first);
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw broodError(CoreErrors.COMPILE_FAILED, `cannot compile ${text}${more}`, error);
    } finally {
      // esbuild keeps a service process for later builds; the master needs no more.
      await stop();
    }
  }
  return { files: sources.length, ms: performance.now() - started };
}
