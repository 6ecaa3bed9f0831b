import { compileApp } from '@brood/core/compile';
import { writeTypings } from '@brood/core/typings';
import { appFolders } from '@brood/master';
import { appFolderWithApp } from './instance.js';
import { out } from './output.js';

// Brood's packages are imported statically here, as in the whole CLI: a dynamic import makes esbuild run
// every module of the package it names in the CLI's bundle, the master's included (scripts/bundle.mjs).

/** `brood typings`: writes typings/brood.d.ts. */
export async function typings(dir: string | undefined): Promise<number> {
  const baseDir = appFolderWithApp(dir);
  const { file, changed } = writeTypings(baseDir);
  out(`${changed ? 'wrote' : 'up to date:'} ${file}`);
  return 0;
}

/**
 * `brood build`: compiles the app ahead of time into its build folder
 * (`.brood/build`, or `buildDir` / `BROOD_BUILD_DIR`) and writes its
 * typings, as `brood start` would. Run in an image build, it lets the app
 * start later from a folder its user cannot write.
 */
export async function build(dir: string | undefined): Promise<number> {
  const baseDir = appFolderWithApp(dir);
  const { buildDir } = appFolders(baseDir);
  const { file } = writeTypings(baseDir);
  const compiled = await compileApp(baseDir, buildDir);
  const what = compiled.cached
    ? 'up to date:'
    : `compiled ${compiled.files} file${compiled.files === 1 ? '' : 's'} in ${Math.round(compiled.ms)} ms:`;
  out(`${what} ${compiled.dir}`);
  out(`typings: ${file}`);
  return 0;
}
