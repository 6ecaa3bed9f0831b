/**
 * Every config example in docs/*.md type-checks, and makes `app.config.<key>`
 * typed for each key it holds: each ```ts block that uses defineConfig is
 * written out as a small app (its `// config/…` comments name the files),
 * given its generated typings, and checked by tsc on its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { renderTypings } from '../packages/core/dist/typings.js';
import { ROOT } from './helpers/cluster.js';

/** Inside the checkout, so that `brood` resolves to the workspace package at run time too. */
const OUT = join(ROOT, 'test', `.doc-configs-${process.pid}`);
after(() => rmSync(OUT, { recursive: true, force: true }));

interface Example {
  name: string;
  files: Record<string, string>;
}

/** The ```ts blocks of a markdown file that use defineConfig, split into files at their `// path.ts` lines. */
function examples(doc: string): Example[] {
  const text = readFileSync(join(ROOT, 'docs', doc), 'utf8');
  const found: Example[] = [];
  for (const [index, match] of [...text.matchAll(/```ts\n([\s\S]*?)```/g)].entries()) {
    const block = match[1] as string;
    if (!block.includes('defineConfig')) continue;
    const files: Record<string, string> = {};
    let current = 'config/config.default.ts';
    for (const line of block.split('\n')) {
      const header = /^\/\/ ((?:config|app|lib)\/[\w./-]+\.ts)\s*$/.exec(line);
      if (header !== null) current = header[1] as string;
      else files[current] = `${files[current] ?? ''}${line}\n`;
    }
    for (const [file, source] of Object.entries(files)) {
      if (source.trim() === '') delete files[file];
      // A block shows a file's body; the import it leaves out is the one the page shows above.
      else if (source.includes('defineConfig(') && !/import \{[^}]*\bdefineConfig\b[^}]*\} from 'brood'/.test(source))
        files[file] = `import { defineConfig } from 'brood';\n${source}`;
    }
    found.push({ name: `${doc.replace(/\.md$/, '')}-${index + 1}`, files });
  }
  return found;
}

const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
const all = docs.flatMap(examples);

test('the docs hold config examples that use defineConfig', () => {
  assert.ok(all.length >= 4, `found ${all.map((e) => e.name).join(', ')}`);
});

for (const example of all) {
  test(`the config example ${example.name} type-checks and types app.config`, async () => {
    const dir = join(OUT, example.name);
    for (const [file, source] of Object.entries(example.files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), source);
    }
    mkdirSync(join(dir, 'typings'), { recursive: true });
    writeFileSync(join(dir, 'typings/brood.d.ts'), renderTypings(dir));
    // The keys config.default really holds, read by running it; app.config is typed from that file alone.
    let keys: string[] = [];
    if (example.files['config/config.default.ts'] !== undefined) {
      const loaded = (await import(pathToFileURL(join(dir, 'config/config.default.ts')).href)) as { default: unknown };
      const value =
        typeof loaded.default === 'function' ? await loaded.default({ baseDir: dir, env: 'local', name: 'worker' }) : loaded.default;
      keys = Object.keys(value as object);
      assert.ok(keys.length > 0);
    }
    writeFileSync(
      join(dir, 'check.ts'),
      [
        "import type { Application } from 'brood';",
        'declare const app: Application;',
        ...keys.map((key) => `export const ${key.replace(/\W/g, '_')}_ = app.config[${JSON.stringify(key)}];`),
        '// @ts-expect-error: app.config is typed, not any',
        'export const none = app.config.notAKeyOfThisConfig;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
          paths: { brood: [join(ROOT, 'packages/brood/dist/index.d.ts')] },
        },
        include: ['**/*.ts'],
      }),
    );
    const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const shown = Object.entries(example.files)
      .map(([file, source]) => `// ${file}\n${source}`)
      .join('');
    assert.equal(result.status, 0, `tsc failed on the example:\n${shown}\n${result.stdout}${result.stderr}`);
  });
}
