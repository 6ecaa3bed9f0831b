import { BroodError } from '@brood/errors';
import {
  type AgentReadyMessage,
  type BootFailedMessage,
  type BootLoadedMessage,
  type ConnTakenMessage,
  type DrainedAckMessage,
  type DrainedMessage,
  type Envelope,
  type ExitingMessage,
  envelope,
  fromWireError,
  type ListenRequestMessage,
  type WorkerReadyMessage,
} from '@brood/messenger';
import type { SupervisedProcess } from './supervised-process.js';
import type { Supervisor } from './supervisor.js';

/** The envelopes a child sends the master, besides actions, calls and replies. */
type FromChild =
  | AgentReadyMessage
  | BootLoadedMessage
  | WorkerReadyMessage
  | BootFailedMessage
  | DrainedMessage
  | ExitingMessage
  | ListenRequestMessage
  | ConnTakenMessage;

type Table = {
  [T in FromChild['type']]: (supervisor: Supervisor, proc: SupervisedProcess, message: Extract<FromChild, { type: T }>) => void;
};

/** What the master does with each control envelope of a child, one entry per type. */
const FROM_CHILD: Table = {
  'agent:ready'(supervisor, proc) {
    supervisor.ready(proc);
  },
  'boot:loaded'(supervisor, proc) {
    supervisor.loaded(proc);
  },
  'worker:ready'(supervisor, proc, message) {
    proc.address = message.address;
    supervisor.ready(proc);
  },
  'boot:failed'(_supervisor, proc, message) {
    // The child's own code says most about the cause (a hook, a config file, a timeout): it is kept.
    const cause = fromWireError(message.error);
    proc.ready.reject(new BroodError(cause.code, `${proc.label} failed to start: ${cause.message}`, { cause }));
  },
  'process:drained'(supervisor, proc) {
    // Everything this child sent before, its server's close included, has been read by now.
    supervisor.router.send(proc.pid, envelope<DrainedAckMessage>({ type: 'process:drained-ack' }));
  },
  'process:exiting'(supervisor, proc, message) {
    supervisor.logger.debug({ code: message.code }, `${proc.label} is exiting`);
  },
  'listen:request'(supervisor, proc) {
    if (proc.role === 'worker') supervisor.port.grant(proc);
  },
  'conn:taken'(supervisor, proc, message) {
    supervisor.port.taken(proc, message.id);
  },
};

/** Runs the entry of the table for `message`; anything else from a child is dropped, counted and logged as the router logs drops. */
export function dispatchChildMessage(supervisor: Supervisor, proc: SupervisedProcess, message: Envelope): void {
  const handler = Object.hasOwn(FROM_CHILD, message.type) ? FROM_CHILD[message.type as FromChild['type']] : undefined;
  if (handler === undefined) {
    supervisor.router.unexpected({ role: proc.role, pid: proc.pid }, message);
    return;
  }
  (handler as (supervisor: Supervisor, proc: SupervisedProcess, message: Envelope) => void)(supervisor, proc, message);
}
