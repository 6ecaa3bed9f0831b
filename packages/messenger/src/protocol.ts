import type { CallArgs, CallMethod } from './calls.js';

/**
 * The one protocol spoken between Brood's processes.
 *
 * Every message that crosses an IPC channel — the handshake, supervision and
 * the user's own routed actions — is an {@link Envelope}: an object carrying
 * the marker key `brood` set to the protocol version, and a `type` that
 * discriminates the union. Anything else arriving on a channel is malformed.
 */

/** The protocol version carried in every envelope's marker key. */
export const PROTOCOL_VERSION = 1 as const;

/** The roles of Brood's processes. */
export type Role = 'master' | 'agent' | 'worker';

/** Who sent an envelope. */
export interface Sender {
  role: Role;
  pid: number;
}

/**
 * Where a user message goes.
 * - `agent`: the agent
 * - `app`: every ready worker
 * - `all`: the agent and every ready worker
 * - `random`: one ready worker, chosen by the master
 * - a number: the process with that pid (agent or worker)
 */
export type Target = 'agent' | 'app' | 'all' | 'random' | number;

/** An error as it crosses a process boundary. */
export interface WireError {
  code: string;
  message: string;
  stack?: string;
}

/** The address a worker listens on. */
export interface ListenAddress {
  address: string;
  port: number;
  family: string;
}

/** Which processes are alive and ready, as the master sees them. */
export interface Peers {
  agent: number | null;
  workers: number[];
}

interface Base {
  brood: typeof PROTOCOL_VERSION;
}

/** A user action routed by the master. With `seq` it is a request that expects a reply. */
export interface ActionMessage extends Base {
  type: 'action';
  action: string;
  data: unknown;
  from: Sender;
  to: Target;
  seq?: number;
  /**
   * For `app` and `all`: the master keeps this message as the last value of
   * its action and gives it to every worker that becomes ready later, before
   * it serves.
   */
  retain?: true;
}

/**
 * One of Brood's own calls ({@link CallMethod}), routed like a request but
 * dispatched to the framework's handlers, never to the application's.
 */
export interface CallMessage<M extends CallMethod = CallMethod> extends Base {
  type: 'call';
  method: M;
  args: CallArgs<M>;
  from: Sender;
  to: RequestTarget;
  seq: number;
}

/** Where a request or a call can go: the agent, one ready worker chosen by the master, or a pid. */
export type RequestTarget = 'agent' | 'random' | number;

/** A message that expects a reply. */
export type RequestMessage = (ActionMessage & { seq: number }) | CallMessage;

/** The answer to an {@link ActionMessage} that carried a `seq`, or to a {@link CallMessage}. */
export interface ReplyMessage extends Base {
  type: 'reply';
  ack: number;
  from: Sender;
  /** The pid of the process that sent the request. */
  to: number;
  ok: boolean;
  data?: unknown;
  error?: WireError;
}

/** Child → master: the agent finished booting. */
export interface AgentReadyMessage extends Base {
  type: 'agent:ready';
}

/** Child → master: the worker booted and listens on `address`. */
export interface WorkerReadyMessage extends Base {
  type: 'worker:ready';
  address: ListenAddress;
}

/**
 * Agent or worker → master: the process has loaded (Node, Brood, its
 * config, the import of its boot file) and begins its own boot; the
 * master's limit for it counts from here. A worker then waits for
 * {@link BootContinueMessage} before it calls the app's boot function and
 * runs its hooks: the agent's hooks run before any worker's.
 */
export interface BootLoadedMessage extends Base {
  type: 'boot:loaded';
}

/** Master → worker: the agent is ready; run the app's hooks, load the rest, listen. */
export interface BootContinueMessage extends Base {
  type: 'boot:continue';
}

/** Child → master: boot failed; the child exits right after sending this. */
export interface BootFailedMessage extends Base {
  type: 'boot:failed';
  error: WireError;
}

/** Master → agent and workers: every worker is ready, the application serves. */
export interface AppReadyMessage extends Base {
  type: 'app:ready';
  peers: Peers;
}

/** Master → agent and workers: the application begins to stop; start no new work (scheduled ticks). */
export interface AppStoppingMessage extends Base {
  type: 'app:stopping';
}

/** Master → agent and workers: the set of processes changed (a refork, an agent restart). */
export interface PeersChangedMessage extends Base {
  type: 'peers:changed';
  peers: Peers;
}

/** Master → child: close gracefully within `timeout` ms, then exit. */
export interface CloseMessage extends Base {
  type: 'process:close';
  timeout: number;
}

/**
 * Child → master: the process has closed (its server, its work) and exits
 * once the master answers with {@link DrainedAckMessage}.
 *
 * Why: the channel keeps order, so when the answer arrives the master has
 * read everything this process sent before — the messages of its
 * `beforeClose` hooks, the {@link ConnTakenMessage} of every connection it
 * was handed — and nothing it wrote is lost with its exit.
 */
export interface DrainedMessage extends Base {
  type: 'process:drained';
}

/** Master → child: everything the child sent before `process:drained` is read. */
export interface DrainedAckMessage extends Base {
  type: 'process:drained-ack';
}

/** Child → master: the process is about to exit on its own accord (after a close, an orphaned channel). */
export interface ExitingMessage extends Base {
  type: 'process:exiting';
  code: number;
}

/** How connections reach the workers (docs/cluster.md): the master hands them over, or each worker accepts. */
export type SchedulingPolicy = 'rr' | 'none';

/** Worker → master: the worker has booted and is about to serve; it asks for the app's port. */
export interface ListenRequestMessage extends Base {
  type: 'listen:request';
}

/**
 * Master → worker: the app's port, which the master bound once and holds
 * for its whole life. Under `none` the message carries the listening socket
 * itself (the worker accepts on it); under `rr` it carries nothing, and
 * connections come one by one as {@link ConnHandoffMessage}.
 */
export interface ListenGrantedMessage extends Base {
  type: 'listen:granted';
  policy: SchedulingPolicy;
  address: ListenAddress;
  /**
   * A spare worker under `none`: no socket yet; it gets a second
   * `listen:granted`, with the socket, when it takes a dead worker's place.
   */
  standby?: boolean;
}

/** Master → worker, under `rr`: one accepted connection, carried with the message, numbered `id`. */
export interface ConnHandoffMessage extends Base {
  type: 'conn:handoff';
  id: number;
}

/**
 * Worker → master: connection `id` is here, and nothing of it has been read
 * yet. Until this arrives the master keeps its own copy of the connection,
 * and gives it to another worker if this one dies (nodejs/node#21746).
 */
export interface ConnTakenMessage extends Base {
  type: 'conn:taken';
  id: number;
}

/**
 * Master → agent and workers: the heartbeat, every second (more often with
 * `maxEventLoopBlock`). `live` is the instance's liveness as the master sees
 * it, for a liveness probe answered on the app port.
 */
export interface PingMessage extends Base {
  type: 'process:ping';
  live: boolean;
}

/** Child → master: the answer to a ping, with the process's memory. */
export interface PongMessage extends Base {
  type: 'process:pong';
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

/** Several envelopes sent in one IPC write: everything one tick produced for one peer. */
export interface BatchMessage extends Base {
  type: 'batch';
  messages: Envelope[];
}

/** Every message Brood's processes exchange. */
export type Envelope =
  | ActionMessage
  | CallMessage
  | ReplyMessage
  | AgentReadyMessage
  | WorkerReadyMessage
  | BootLoadedMessage
  | BootContinueMessage
  | BootFailedMessage
  | AppReadyMessage
  | AppStoppingMessage
  | PeersChangedMessage
  | CloseMessage
  | DrainedMessage
  | DrainedAckMessage
  | ExitingMessage
  | ListenRequestMessage
  | ListenGrantedMessage
  | ConnHandoffMessage
  | ConnTakenMessage
  | PingMessage
  | PongMessage
  | BatchMessage;

/** The `type` of every envelope. */
export type EnvelopeType = Envelope['type'];

/** Builds an envelope of the given type with the marker set. */
export function envelope<T extends Envelope>(body: Omit<T, 'brood'>): T {
  return { brood: PROTOCOL_VERSION, ...body } as T;
}
