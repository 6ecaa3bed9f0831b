import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { handleSignals, Master, type MasterOptions } from '@brood/master';
import { Command, InvalidArgumentError, Option } from 'commander';
import { watchApp } from './dev-watch.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${value} is not a whole number`);
  return parsed;
}

/** Prints one line naming the cause, with its code when it has one. */
function explain(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${message} (${code})` : message;
}

interface StartFlags {
  port?: number;
  host?: string;
  workers?: number;
  env?: string;
  title?: string;
  sched?: 'rr' | 'none';
  pretty?: boolean;
}

async function runForeground(dir: string | undefined, flags: StartFlags, defaultEnv: string, dev = false): Promise<void> {
  const options: MasterOptions = { baseDir: dir ?? process.cwd() };
  if (dev) {
    options.workers = 1;
    options.pretty = true;
    // While developing, broken code is expected: keep retrying rather than give up.
    options.maxRestarts = 1_000_000;
  }
  if (flags.port !== undefined) options.port = flags.port;
  if (flags.host !== undefined) options.host = flags.host;
  if (flags.workers !== undefined) options.workers = flags.workers;
  if (flags.env !== undefined) options.env = flags.env;
  if (flags.title !== undefined) options.title = flags.title;
  if (flags.sched !== undefined) options.schedulingPolicy = flags.sched;
  if (flags.pretty !== undefined) options.pretty = flags.pretty;
  let master: Master;
  try {
    master = new Master(options, defaultEnv);
  } catch (error) {
    process.stderr.write(`brood: ${explain(error)}\n`);
    process.exit(1);
  }
  handleSignals(master);
  try {
    await master.start();
  } catch (error) {
    process.stderr.write(`brood: failed to start: ${explain(error)}\n`);
    process.exit(1);
  }
  if (dev) watchApp(master);
  process.exit(await master.done.promise);
}

/** The `brood` command. */
export function createProgram(): Command {
  const program = new Command('brood')
    .description('Run multi-process Node.js applications: one master, one agent, N HTTP workers')
    .version(version, '-v, --version');

  program
    .command('start')
    .description('start the app in the foreground: master, agent and workers')
    .argument('[dir]', 'the app folder', undefined)
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', integer)
    .option('--host <host>', 'address to listen on (default: all interfaces)')
    .option('-w, --workers <n>', 'number of workers (default: available parallelism)', integer)
    .option('--env <env>', 'app environment (default: BROOD_ENV, NODE_ENV, then prod)')
    .option('--title <title>', 'names this instance')
    .addOption(new Option('--sched <policy>', 'connection scheduling: rr (master balances) or none (kernel)').choices(['rr', 'none']))
    .option('--pretty', 'human-readable logs instead of JSON')
    .action((dir: string | undefined, flags: StartFlags) => runForeground(dir, flags, 'prod'));

  program
    .command('dev')
    .description('develop: one worker, pretty logs, env local, reload on every change of the app')
    .argument('[dir]', 'the app folder', undefined)
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', integer)
    .option('--host <host>', 'address to listen on (default: all interfaces)')
    .option('-w, --workers <n>', 'number of workers (default: 1)', integer)
    .option('--env <env>', 'app environment (default: BROOD_ENV, NODE_ENV, then local)')
    .option('--no-pretty', 'JSON logs instead of human-readable ones')
    .action((dir: string | undefined, flags: StartFlags) => runForeground(dir, flags, 'local', true));

  program
    .command('typings')
    .description('write typings/brood.d.ts: types for app.config, app.controller and ctx.service')
    .argument('[dir]', 'the app folder', undefined)
    .action(async (dir: string | undefined) => {
      const { writeTypings } = await import('@brood/core/typings');
      const { file, changed } = writeTypings(resolve(dir ?? process.cwd()));
      process.stdout.write(`${changed ? 'wrote' : 'up to date:'} ${file}\n`);
    });

  return program;
}
