import { createRequire } from 'node:module';
import { type DestinationStream, pino } from 'pino';

type Colors = { bold(text: string): string; green(text: string): string };
type Log = Record<string, unknown>;
type PrettyFactory = (options: Record<string, unknown>) => (line: string | object) => string;

/** Fields of the `brood started` line that its message says already: not repeated after it. */
const SAID_BY_STARTED = ['url', 'workers', 'agent', 'ms'];

/** `brood started` stands out: bold green on a terminal, a `>>>` marker elsewhere. */
function message(log: Log, messageKey: string, extras: { colors: Colors }, colorize: boolean): string {
  const who = `${String(log.role)}${log.worker === undefined ? '' : `#${String(log.worker)}`} ${String(log.pid)}`;
  const text = String(log[messageKey] ?? '');
  if (log.event !== 'started') return `${who} | ${text}`;
  return colorize ? `${who} | ${extras.colors.bold(extras.colors.green(text))}` : `${who} | >>> ${text}`;
}

/** pino-pretty's settings: the time, the level, who wrote the line and its message, the other fields on the same line. */
function prettyOptions(colorize: boolean): Record<string, unknown> {
  return {
    colorize,
    singleLine: true,
    ignore: 'hostname,role,pid,worker,event',
    translateTime: 'HH:MM:ss.l',
    messageFormat: (log: Log, messageKey: string, _level: string, extras: { colors: Colors }) => message(log, messageKey, extras, colorize),
  };
}

/**
 * Turns one JSON log line into the line people read (`brood dev`,
 * `--pretty`, `brood logs --pretty`), newline included: one event, one
 * line — time, level, who wrote it, the message, then the other fields as
 * one JSON object. An error's stack still follows on the lines below: it
 * is what one reads it for. A line that is not JSON is left as it is.
 */
export function prettyFormatter(colorize: boolean): (line: string) => string {
  // pino-pretty is loaded only when asked for: production never pays for it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as { prettyFactory: PrettyFactory };
  const format = prettyFactory(prettyOptions(colorize));
  return (line) => {
    let log: Log;
    try {
      log = JSON.parse(line) as Log;
    } catch {
      return line.endsWith('\n') ? line : `${line}\n`;
    }
    if (log === null || typeof log !== 'object') return `${line.trimEnd()}\n`;
    if (log.event === 'started') for (const key of SAID_BY_STARTED) delete log[key];
    return format(log);
  };
}

/** A pino destination that writes pretty lines to stdout, synchronously (a last line before an exit is never lost). */
export function prettyStream(): DestinationStream {
  const format = prettyFormatter(process.stdout.isTTY === true);
  const stdout = pino.destination({ dest: 1, sync: true });
  return { write: (line: string) => stdout.write(format(line)) };
}
