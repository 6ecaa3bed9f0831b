/**
 * Where the chaos scenarios put their figures: one JSON file per test file
 * in `.chaos/` (or BROOD_CHAOS_DIR), rewritten after each scenario so that
 * what ran is kept even when a later scenario fails. test/chaos/report.mjs
 * turns them into docs/reliability.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from '../../helpers/cluster.js';
import { loadTool } from './load.js';

export const CHAOS_DIR = process.env.BROOD_CHAOS_DIR || join(ROOT, '.chaos');

/** The machine and the moment of a run. */
function machine(): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadTool: loadTool(),
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** Collects the figures of one test file's scenarios. */
export function figuresFile(testFile: string): (t: TestContext, scenario: string, figures: Record<string, unknown>) => void {
  const name = basename(testFile).replace(/\.test\.ts$/, '');
  const all: Record<string, unknown> = {};
  const meta = machine();
  return (t, scenario, figures) => {
    all[scenario] = { ...figures, loadAverage: loadavg().map((n) => Math.round(n * 100) / 100) };
    // Printed in the test output too, one line per scenario.
    t.diagnostic(`${scenario}: ${JSON.stringify(figures)}`);
    mkdirSync(CHAOS_DIR, { recursive: true });
    writeFileSync(join(CHAOS_DIR, `${name}.json`), `${JSON.stringify({ file: name, machine: meta, scenarios: all }, null, 2)}\n`);
  };
}
