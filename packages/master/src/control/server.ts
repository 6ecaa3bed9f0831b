import { chmodSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { broodError, ERR } from '@brood/errors';
import type { ResolvedOptions } from '../options.js';
import { answerControl, type CommandTable } from './commands.js';
import { readLines } from './line-reader.js';
import { privateSocketDir, type RunPaths, runDir, runPaths } from './paths.js';
import { CONTROL_VERSION } from './protocol.js';
import { checkSocketFile } from './trust.js';

/** The longest control request line accepted, in bytes. */
const MAX_LINE = 1024 * 1024;
/** How long a client cut for a too-long line may go on sending before its connection is closed. */
const CUT_GRACE_MS = 1000;

/** Where the control server logs. */
interface ControlLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** What a pid file holds. */
export interface PidFile {
  pid: number;
  title: string;
  baseDir: string;
  socket: string;
  startedAt: string;
  url?: string;
  /** Where the instance logs: its log folder, and a daemon's stdout and stderr files (`brood logs` reads them). */
  logs?: { dir?: string; stdout?: string; stderr?: string };
}

/** What the control server needs to know of the master's settings. */
type ControlSettings = Pick<ResolvedOptions, 'baseDir' | 'runDir' | 'title' | 'logDir' | 'daemonOutput'>;

/** Resolves true when something accepts connections on `socket` within `ms`. */
export function isListening(socket: string, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socket);
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(false);
    }, ms);
    probe.once('connect', () => {
      clearTimeout(timer);
      probe.end();
      resolve(true);
    });
    probe.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** The error of a start whose app and title already run: one line naming the master. */
export function alreadyRunning(title: string, baseDir: string, pid: number | undefined): Error {
  return broodError(
    ERR.ALREADY_RUNNING,
    `brood '${title}' is already running in ${baseDir}${pid === undefined ? '' : ` (master ${pid})`}; stop it or start another with --title`,
  );
}

/** Reads a pid file; undefined when absent, unreadable, or not a pid file (no pid, no socket). */
export function readPidFile(path: string): PidFile | undefined {
  try {
    const content = JSON.parse(readFileSync(path, 'utf8')) as PidFile;
    return Number.isSafeInteger(content.pid) && content.pid > 0 && typeof content.socket === 'string' ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The master's control socket: a Unix socket that only the user running
 * the master can open (mode 0600 in a 0700 folder). `brood stop`,
 * `reload`, `status` and `run-task` talk to it; a pid file beside it says
 * which master owns it. A malformed request gets an error reply; nothing a
 * client sends can crash the master.
 */
export class ControlServer {
  readonly paths: RunPaths;
  readonly #commands: CommandTable;
  readonly #logger: ControlLog;
  readonly #title: string;
  readonly #baseDir: string;
  readonly #logs: PidFile['logs'];
  #server: Server | undefined;
  readonly #clients = new Set<Socket>();

  constructor(commands: CommandTable, logger: ControlLog, settings: ControlSettings) {
    const { baseDir, runDir, title, logDir, daemonOutput } = settings;
    this.#commands = commands;
    this.#logger = logger;
    this.paths = runPaths(runDir, baseDir, title);
    this.#title = title;
    this.#baseDir = baseDir;
    this.#logs =
      logDir === undefined && daemonOutput === undefined
        ? undefined
        : { ...(logDir === undefined ? {} : { dir: logDir }), ...daemonOutput };
  }

  /**
   * Takes the socket. A live socket of the same app and title means another
   * instance runs: that is an error. A dead one (its master was killed) is
   * removed with its pid file. A run folder, or a file in it, that another
   * user could have put there stops the start (see trust.ts).
   */
  async listen(): Promise<void> {
    const { dir, socket, pidFile } = this.paths;
    runDir(dir);
    if (dirname(socket) !== dir) privateSocketDir(socket);
    if (checkSocketFile(socket)) {
      if (await isListening(socket)) {
        throw alreadyRunning(this.#title, this.#baseDir, readPidFile(pidFile)?.pid);
      }
      unlinkSync(socket);
      this.#logger.warn({ socket }, `removed the stale control socket ${socket} of a master that is gone`);
    }
    const server = createServer((client) => this.#serve(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(socket, 0o600);
    server.on('error', (error) => this.#logger.warn({ err: error }, `control socket error: ${error.message}`));
    server.unref();
    this.#server = server;
    this.writePidFile();
  }

  /** Writes (or rewrites, once the URL is known) the pid file. */
  writePidFile(url?: string): void {
    const content: PidFile = {
      pid: process.pid,
      title: this.#title,
      baseDir: this.#baseDir,
      socket: this.paths.socket,
      startedAt: new Date().toISOString(),
    };
    if (url !== undefined) content.url = url;
    if (this.#logs !== undefined) content.logs = this.#logs;
    writeFileSync(this.paths.pidFile, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  }

  /** Stops listening and removes the socket and the pid file, if they are still this master's. */
  close(): void {
    this.#server?.close();
    for (const client of this.#clients) client.destroy();
    if (readPidFile(this.paths.pidFile)?.pid === process.pid) {
      for (const file of [this.paths.socket, this.paths.pidFile]) {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      }
    }
  }

  #serve(client: Socket): void {
    this.#clients.add(client);
    client.on('close', () => this.#clients.delete(client));
    client.on('error', () => client.destroy());
    // A line that never ends is cut past MAX_LINE: the master answers and hangs up.
    readLines(client, MAX_LINE, {
      line: (line) => {
        if (line.trim() === '') return;
        void this.#answer(client, line);
      },
      tooLong: () => {
        if (client.destroyed) return;
        const error = { code: ERR.BAD_CONTROL_REQUEST, message: `bad control request: longer than ${MAX_LINE} bytes` };
        // What the client still sends is read and dropped, not left unread: closing with unread
        // data resets the connection, and the client, still writing, could lose the reply to it.
        client.end(`${JSON.stringify({ brood: CONTROL_VERSION, id: null, ok: false, error })}\n`);
        setTimeout(() => client.destroy(), CUT_GRACE_MS).unref();
      },
    });
  }

  async #answer(client: Socket, line: string): Promise<void> {
    const response = await answerControl(this.#commands, line, (request) =>
      this.#logger.info({ command: request.command, args: request.args }, `control: ${request.command}`),
    );
    if (!client.destroyed) client.write(`${JSON.stringify(response)}\n`);
  }
}
