/**
 * Every error code Brood raises, in one place. Each has a `## CODE` section
 * with its fix in docs/errors.md; a test keeps the two in step, and another
 * refuses a code written anywhere else in the sources.
 */
export const ERR = {
  // The app and its files.
  /** The app folder does not exist or holds no Brood app. */
  APP_NOT_FOUND: 'ERR_BROOD_APP_NOT_FOUND',
  /** A TypeScript or JavaScript file of the app does not compile. */
  COMPILE_FAILED: 'ERR_BROOD_COMPILE_FAILED',
  /** A file of the app threw while it was imported. */
  LOAD_FAILED: 'ERR_BROOD_LOAD_FAILED',
  /** A config file threw or did not export an object. */
  CONFIG_INVALID: 'ERR_BROOD_CONFIG_INVALID',
  /** A lifecycle hook threw or rejected. */
  HOOK_FAILED: 'ERR_BROOD_HOOK_FAILED',
  /** A process did not finish booting within its start timeout. */
  BOOT_TIMEOUT: 'ERR_BROOD_BOOT_TIMEOUT',
  /** The options handed to a child process are missing or unreadable. */
  BAD_PROCESS_OPTIONS: 'ERR_BROOD_BAD_PROCESS_OPTIONS',
  /** A file of app/extend does not export an object, or adds a name its target already has. */
  EXTEND_INVALID: 'ERR_BROOD_EXTEND_INVALID',

  // The worker's loaders.
  /** A controller file exports nothing callable. */
  CONTROLLER_INVALID: 'ERR_BROOD_CONTROLLER_INVALID',
  /** The router uses a controller (or action) that no file defines. */
  CONTROLLER_NOT_FOUND: 'ERR_BROOD_CONTROLLER_NOT_FOUND',
  /** A service file does not export a class by default. */
  SERVICE_INVALID: 'ERR_BROOD_SERVICE_INVALID',
  /** `config.middleware` names a middleware with no file in app/middleware. */
  MIDDLEWARE_NOT_FOUND: 'ERR_BROOD_MIDDLEWARE_NOT_FOUND',
  /** A middleware file does not export a factory, or the factory returns no function. */
  MIDDLEWARE_INVALID: 'ERR_BROOD_MIDDLEWARE_INVALID',
  /** A middleware's `match` or `ignore` is not usable: both set, a wrong type, a path with parameters. */
  MIDDLEWARE_MATCH_INVALID: 'ERR_BROOD_MIDDLEWARE_MATCH_INVALID',
  /** `config.keys` is neither an array of strings nor a comma-separated string. */
  KEYS_INVALID: 'ERR_BROOD_KEYS_INVALID',
  /** A signed cookie was set or read, and `config.keys` is not set. */
  KEYS_REQUIRED: 'ERR_BROOD_KEYS_REQUIRED',
  /** app/router.ts does not export a function, or it threw. */
  ROUTER_INVALID: 'ERR_BROOD_ROUTER_INVALID',

  // Scheduled tasks.
  /** A file under app/schedule does not define a valid task. */
  TASK_INVALID: 'ERR_BROOD_TASK_INVALID',
  /** `brood run-task` named a task that does not exist. */
  TASK_UNKNOWN: 'ERR_BROOD_TASK_UNKNOWN',
  /** A task run took longer than its `timeout`. */
  TASK_TIMEOUT: 'ERR_BROOD_TASK_TIMEOUT',
  /** `brood run-task --data` is not JSON, or too long. */
  TASK_ARGS_INVALID: 'ERR_BROOD_TASK_ARGS_INVALID',
  /** A task of type `all` failed in some of the workers. */
  TASK_FAILED: 'ERR_BROOD_TASK_FAILED',
  /** A worker that is closing refused a task run; the agent runs it in another worker. */
  WORKER_CLOSING: 'ERR_BROOD_WORKER_CLOSING',

  // The messenger.
  /** A request got no reply within its timeout. */
  REQUEST_TIMEOUT: 'ERR_BROOD_REQUEST_TIMEOUT',
  /** The process a request was sent to exited before it replied. */
  TARGET_GONE: 'ERR_BROOD_TARGET_GONE',
  /** No process matches the target of a message. */
  NO_TARGET: 'ERR_BROOD_NO_TARGET',
  /** The target process has no handler for the requested action. */
  NO_HANDLER: 'ERR_BROOD_NO_HANDLER',
  /** The handler of a request threw; the reply carries its message. */
  HANDLER_FAILED: 'ERR_BROOD_HANDLER_FAILED',
  /** A request was refused at once: what already waits for its target (or for the master) reached `maxPendingBytes`. */
  TARGET_BUSY: 'ERR_BROOD_TARGET_BUSY',
  /** The messenger was closed while a request was pending, or used after close. */
  MESSENGER_CLOSED: 'ERR_BROOD_MESSENGER_CLOSED',
  /** A request was addressed to a group (app, all); requests go to one process. */
  BAD_REQUEST_TARGET: 'ERR_BROOD_BAD_REQUEST_TARGET',
  /** A message's data cannot cross a process boundary: JSON cannot carry it (a cycle, a BigInt). */
  UNSENDABLE_DATA: 'ERR_BROOD_UNSENDABLE_DATA',
  /** A thrown value that carried no code of its own crossed a process boundary. */
  UNKNOWN: 'ERR_BROOD_UNKNOWN',

  // The master.
  /** Another process listens on the port. */
  PORT_IN_USE: 'ERR_BROOD_PORT_IN_USE',
  /** The port cannot be bound for another reason (permission, bad address). */
  PORT_UNAVAILABLE: 'ERR_BROOD_PORT_UNAVAILABLE',
  /** The agent failed or exited while booting. */
  AGENT_START_FAILED: 'ERR_BROOD_AGENT_START_FAILED',
  /** The agent did not report ready within `agentStartTimeout`. */
  AGENT_START_TIMEOUT: 'ERR_BROOD_AGENT_START_TIMEOUT',
  /** A worker failed or exited while booting. */
  WORKER_START_FAILED: 'ERR_BROOD_WORKER_START_FAILED',
  /** A worker did not report ready within `workerStartTimeout`. */
  WORKER_START_TIMEOUT: 'ERR_BROOD_WORKER_START_TIMEOUT',
  /** A stop (a signal, `brood stop`) came while the app was still starting. */
  START_INTERRUPTED: 'ERR_BROOD_START_INTERRUPTED',
  /** `start()` was called on a master that has started already. */
  ALREADY_STARTED: 'ERR_BROOD_ALREADY_STARTED',
  /** Processes crashed more often than the restart limit allows. */
  TOO_MANY_RESTARTS: 'ERR_BROOD_TOO_MANY_RESTARTS',
  /** A reload could not complete; the processes that were serving still serve. */
  RELOAD_FAILED: 'ERR_BROOD_RELOAD_FAILED',
  /** The master is not running (still starting, or stopping). */
  NOT_RUNNING: 'ERR_BROOD_NOT_RUNNING',
  /** Another master of the same app and title is running. */
  ALREADY_RUNNING: 'ERR_BROOD_ALREADY_RUNNING',
  /** An option has a value the master cannot use. */
  BAD_OPTION: 'ERR_BROOD_BAD_OPTION',

  // brood/testing.
  /** A test's mock names a service or a method that does not exist, or is not a function or an object. */
  MOCK_INVALID: 'ERR_BROOD_MOCK_INVALID',

  // The control socket and the CLI.
  /** A control-socket request was not understood. */
  BAD_CONTROL_REQUEST: 'ERR_BROOD_BAD_CONTROL_REQUEST',
  /** The master did not answer a control request in time. */
  CONTROL_TIMEOUT: 'ERR_BROOD_CONTROL_TIMEOUT',
  /** The pid file names a live master, but its control socket is gone. */
  CONTROL_UNREACHABLE: 'ERR_BROOD_CONTROL_UNREACHABLE',
  /** A control file (run/, the socket, the pid file) could have been put there by another user, or names what is not Brood's. */
  CONTROL_UNTRUSTED: 'ERR_BROOD_CONTROL_UNTRUSTED',

  // Cluster mode (instances on several hosts, through Redis).
  /** `BROOD_REDIS_URL` or `cluster.url` is not a redis:// or rediss:// URL. */
  CLUSTER_BAD_URL: 'ERR_BROOD_CLUSTER_BAD_URL',
  /** A cluster setting other than the URL has a wrong type or value. */
  CLUSTER_BAD_OPTIONS: 'ERR_BROOD_CLUSTER_BAD_OPTIONS',
  /** Redis could not be reached, refused the password, or did not answer in time. */
  CLUSTER_UNREACHABLE: 'ERR_BROOD_CLUSTER_UNREACHABLE',
  /** The cluster coordinator or bus was used after it was closed. */
  CLUSTER_CLOSED: 'ERR_BROOD_CLUSTER_CLOSED',
  /** A cross-host message is not JSON, or is larger than the bus carries. */
  CLUSTER_BAD_MESSAGE: 'ERR_BROOD_CLUSTER_BAD_MESSAGE',
  /** A message for the leader found no instance holding the leader lease. */
  NO_LEADER: 'ERR_BROOD_NO_LEADER',
} as const;

/** The name of a code in {@link ERR}: `PORT_IN_USE`. */
export type ErrorName = keyof typeof ERR;

/** A code Brood raises: `ERR_BROOD_PORT_IN_USE`. */
export type ErrorCode = (typeof ERR)[ErrorName];

const KNOWN: ReadonlySet<string> = new Set(Object.values(ERR));

/** True for a code of the registry. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}
