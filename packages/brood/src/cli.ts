import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { build, typings } from './commands/build.js';
import { reload, runTask, stop } from './commands/control-commands.js';
import { create } from './commands/create.js';
import { type LogsFlags, logs } from './commands/logs.js';
import { explain, out } from './commands/output.js';
import { runDaemon, runForeground, type StartFlags } from './commands/start.js';
import { status } from './commands/status.js';
import { type SystemdFlags, systemd } from './commands/systemd.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${value} is not a whole number`);
  return parsed;
}

/** docs/cli.md of the checkout this CLI runs from, when it is there: the help names it. */
const CLI_DOC = (() => {
  const file = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));
  return existsSync(file) ? file : 'docs/cli.md of the Brood repository';
})();

/** What `brood <command> --help` ends with: an example, and where the command is documented. */
const helpEnd = (examples: string[], section: string): string =>
  `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n\nDocs: ${CLI_DOC}, section "${section}"`;

/** Runs a command and exits with the code it returns; an error is one line on stderr and exit code 1. */
const exitWith = (run: () => Promise<number>) => async () => {
  try {
    process.exit(await run());
  } catch (error) {
    out(`brood: ${explain(error)}`, true);
    process.exit(1);
  }
};

/** The flags `start` and `dev` share; their defaults differ. */
function serveOptions(command: Command, kind: 'start' | 'dev'): Command {
  return command
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', integer)
    .option('--host <host>', 'address to listen on (default: all interfaces)')
    .option('-w, --workers <n>', `number of workers (default: ${kind === 'dev' ? '1' : 'available parallelism'})`, integer)
    .option(
      '--env <env>',
      `app environment (default: BROOD_ENV, package.json brood.env, NODE_ENV, then ${kind === 'dev' ? 'local' : 'prod'})`,
    )
    .option('--title <title>', 'names this instance, so several run side by side (default: default)')
    .option('--log-dir <dir>', 'also write each process log to a file in this folder (default: BROOD_LOG_DIR)')
    .option('--tls-key <file>', 'serve HTTPS with this PEM key (with --tls-cert)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--http2', 'with TLS: serve HTTP/2, and HTTP/1.1 to clients without it')
    .option('--socket <path>', 'listen on this Unix socket instead of a port')
    .option('--socket-mode <mode>', "the socket file's mode, as '660'");
}

/** The `brood` command. Exit codes: docs/cli.md. */
export function createProgram(argv: string[] = process.argv): Command {
  const program = new Command('brood')
    .description('Run multi-process Node.js applications: one master, one agent, N HTTP workers')
    .version(version, '-v, --version')
    // A mistake gets its error, commander's "Did you mean …?" for a misspelt command, and one line of help — not all of it.
    .showSuggestionAfterError()
    .showHelpAfterError("(run 'brood --help' for the commands, 'brood <command> --help' for one)");

  serveOptions(program.command('start'), 'start')
    .description('start the app: in the foreground, or in the background with --daemon')
    .addOption(new Option('--sched <policy>', 'connection scheduling: rr (master balances) or none (kernel)').choices(['rr', 'none']))
    .option('--pretty', 'human-readable logs instead of JSON')
    .option('-d, --daemon', 'run in the background; return once the app is ready (exit 0) or failed (exit 1)')
    .option('--timeout <ms>', 'with --daemon: how long to wait for the app to be ready', integer)
    .addHelpText(
      'after',
      helpEnd(['brood start --daemon --port 8080 --workers 4', 'brood start --title blue --port 7002'], 'dev and start'),
    )
    .action(async (dir: string | undefined, flags: StartFlags) => {
      if (flags.daemon) await exitWith(() => runDaemon(dir, flags, argv.slice(1)))();
      else await runForeground(dir, flags, 'prod');
    });

  serveOptions(program.command('dev'), 'dev')
    .description('develop: one worker, pretty logs, env local, reload on every change of the app')
    .option('--no-pretty', 'JSON logs instead of human-readable ones')
    .addHelpText('after', helpEnd(['brood dev', 'brood dev --port 7002 --env test'], 'dev and start'))
    .action((dir: string | undefined, flags: StartFlags) => runForeground(dir, flags, 'local', true));

  program
    .command('stop')
    .description('stop a running app gracefully and wait until every process is gone')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('--title <title>', 'the instance to stop (default: default)')
    .option('--timeout <ms>', 'how long to wait for the processes to exit (default: what the master says its stop may take)', integer)
    .addHelpText('after', helpEnd(['brood stop', 'brood stop --title blue'], 'stop'))
    .action((dir: string | undefined, flags: { title?: string; timeout?: number }) => exitWith(() => stop(dir, flags))());

  program
    .command('reload')
    .description('rolling restart: new workers one by one, each ready before an old one closes; then the agent')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('--title <title>', 'the instance to reload (default: default)')
    .option('--workers', 'reload the workers alone: the agent keeps running, and its state')
    .addHelpText('after', helpEnd(['brood reload', 'brood reload --workers'], 'reload'))
    .action((dir: string | undefined, flags: { title?: string; workers?: boolean }) => exitWith(() => reload(dir, flags))());

  program
    .command('status')
    .description('show every process: role, pid, state, uptime, restarts, CPU, memory, heap, event-loop lag; and scheduled tasks')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('--title <title>', 'the instance (default: default)')
    .option('--json', 'machine-readable output')
    .option('--cluster', 'cluster mode: every live instance of the app, the leader, and who ran each cluster task last')
    .option('--watch', 'refresh every 2 s in place until Ctrl-C')
    .addHelpText(
      'after',
      helpEnd(['brood status', 'brood status --title blue --json', 'brood status --cluster', 'brood status --watch'], 'status'),
    )
    .action((dir: string | undefined, flags: { title?: string; json?: boolean; cluster?: boolean; watch?: boolean }) =>
      exitWith(() => status(dir, flags))(),
    );

  program
    .command('logs')
    .description("print a daemon's last log lines, every process's merged by time; -f follows them")
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('-f, --follow', 'keep printing lines as they are written, until Ctrl-C')
    .option('-n, --lines <n>', 'how many of the last lines to print first (default: 10)', integer)
    .addOption(new Option('--role <role>', 'only the lines of this role').choices(['agent', 'worker', 'master']))
    .option('--pretty', 'human-readable lines instead of JSON')
    .option('--title <title>', 'the instance (default: default)')
    .option('--log-dir <dir>', 'the log folder it was started with, when it is not running')
    .addHelpText('after', helpEnd(['brood logs -f', 'brood logs -n 50 --role worker --pretty'], 'logs'))
    .action((dir: string | undefined, flags: LogsFlags) => exitWith(() => logs(dir, flags))());

  program
    .command('run-task')
    .description('run one scheduled task now in the running app and print its outcome')
    .argument('<name>', 'the task name: its path under app/schedule without extension')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('--title <title>', 'the instance (default: default)')
    .option('--timeout <ms>', 'stop waiting after this many ms (default: as long as the run lasts)', integer)
    .option('--data <json>', "the task's arguments, one JSON value: its second parameter, task(ctx, args)")
    .addHelpText('after', helpEnd(['brood run-task motd', 'brood run-task cleanup/old-files --data \'{"days":7}\''], 'run-task'))
    .action((name: string, dir: string | undefined, flags: { title?: string; timeout?: number; data?: string }) =>
      exitWith(() => runTask(name, dir, flags))(),
    );

  program
    .command('create')
    .description('write a new TypeScript app: routes, controller, service, middleware, config per env, agent, a scheduled task, tests')
    .argument('<dir>', 'the folder to create the app in')
    .option('--force', 'write into a folder that is not empty')
    .addHelpText('after', helpEnd(['brood create my-app'], 'create'))
    .action((dir: string, flags: { force?: boolean }) => process.exit(create(dir, flags)));

  program
    .command('typings')
    .description('write typings/brood.d.ts: types for app.config, app.controller, ctx.service and app/extend')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .addHelpText('after', helpEnd(['brood typings'], 'typings'))
    .action((dir: string | undefined) => exitWith(() => typings(dir))());

  program
    .command('systemd')
    .description('print a systemd unit that runs this app: brood start in the foreground, SIGTERM to stop, SIGUSR2 to reload')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .option('--title <title>', 'the instance (default: default)')
    .option('--user <user>', 'the user it runs as (default: the current user)')
    .addHelpText(
      'after',
      helpEnd(['brood systemd > /etc/systemd/system/shop.service', 'brood systemd --user shop --title blue'], 'systemd'),
    )
    .action((dir: string | undefined, flags: SystemdFlags) => exitWith(async () => systemd(dir, flags))());

  program
    .command('build')
    .description('compile the app ahead of time (and write its typings): an app folder its user cannot write then starts as is')
    .argument('[dir]', 'the app folder (default: the current folder)')
    .addHelpText('after', helpEnd(['brood build', 'brood build /srv/shop'], 'build'))
    .action((dir: string | undefined) => exitWith(() => build(dir))());

  return program;
}
