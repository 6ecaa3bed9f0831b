import { appFolders } from '@brood/master';
import { appFolder, noApp } from './instance.js';
import { out } from './output.js';

/** The app folder of a command; a folder that does not exist, or holds no Brood app, is an error that says so. */
async function appIn(dir: string | undefined): Promise<string> {
  const baseDir = appFolder(dir);
  const { findAppMarker } = await import('@brood/core');
  if (findAppMarker(baseDir) === undefined) throw noApp(baseDir);
  return baseDir;
}

/** `brood typings`: writes typings/brood.d.ts. */
export async function typings(dir: string | undefined): Promise<number> {
  const baseDir = await appIn(dir);
  const { writeTypings } = await import('@brood/core/typings');
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
  const baseDir = await appIn(dir);
  const { buildDir } = appFolders(baseDir);
  const { writeTypings } = await import('@brood/core/typings');
  const { compileApp } = await import('@brood/core/compile');
  const { file } = writeTypings(baseDir);
  const compiled = await compileApp(baseDir, buildDir);
  const what = compiled.cached
    ? 'up to date:'
    : `compiled ${compiled.files} file${compiled.files === 1 ? '' : 's'} in ${Math.round(compiled.ms)} ms:`;
  out(`${what} ${compiled.dir}`);
  out(`typings: ${file}`);
  return 0;
}
