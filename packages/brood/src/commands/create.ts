import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { out } from './output.js';

/** The brood package this CLI runs from; the template lives beside its dist/. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE_DIR = join(PACKAGE_DIR, 'template');

/** An npm package name made from a folder name. */
export function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-]+$/g, '');
  return name === '' ? 'brood-app' : name;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/**
 * `brood create <dir>`: writes a TypeScript app that uses every part of
 * Brood. While Brood is not on the npm registry, the app depends on the
 * `brood` package of the checkout this command runs from (a `file:`
 * dependency), so `npm install` needs only the registry for the rest.
 */
export function create(dir: string, flags: { force?: boolean }): number {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) {
      out(`brood: ${target} exists and is not a folder`, true);
      return 1;
    }
    if (readdirSync(target).length > 0 && flags.force !== true) {
      out(`brood: ${target} is not empty; choose an empty folder, or pass --force to write over what is there`, true);
      return 1;
    }
  }
  mkdirSync(target, { recursive: true });
  cpSync(TEMPLATE_DIR, target, { recursive: true });
  // npm drops a package's .gitignore on publish, so the template ships it without the dot.
  renameSync(join(target, 'gitignore'), join(target, '.gitignore'));
  const name = packageName(target);
  const values: Record<string, string> = {
    name,
    brood: `file:${PACKAGE_DIR.replace(/\/$/, '')}`,
    keys: `${name}_${randomBytes(16).toString('hex')}`,
  };
  for (const file of files(target)) {
    const text = readFileSync(file, 'utf8');
    const filled = text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
    if (filled !== text) writeFileSync(file, filled);
  }
  const path = relative(process.cwd(), target) || '.';
  // Quoted for a POSIX shell when it holds anything but plain path characters.
  const shown = /^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
  out(`created ${name} in ${target}

  cd ${shown}
  npm install
  npm run dev     # develop: reloads on every change
  npm test        # type-check, then test it in process and as a real cluster
  npm start       # production`);
  return 0;
}
