import { asError, messageOf } from '@brood/errors';
import {
  type AppReadyMessage,
  type AppStoppingMessage,
  type BootContinueMessage,
  type CloseMessage,
  type ConnHandoffMessage,
  type DrainedAckMessage,
  type Envelope,
  envelope,
  type ListenGrantedMessage,
  type PeersChangedMessage,
  type PingMessage,
  type PongMessage,
} from '@brood/messenger';
import type { ChildRuntime } from './runtime.js';

/** The envelopes a master sends its children, besides actions, calls and replies. */
type FromMaster =
  | BootContinueMessage
  | AppReadyMessage
  | AppStoppingMessage
  | PeersChangedMessage
  | CloseMessage
  | DrainedAckMessage
  | ListenGrantedMessage
  | ConnHandoffMessage
  | PingMessage;

type Table = { [T in FromMaster['type']]: (runtime: ChildRuntime, message: Extract<FromMaster, { type: T }>) => void };

/**
 * What a child does with each control envelope of its master, one entry per
 * type, as Node's cluster child dispatches its `act`s through a table.
 */
const CONTROL: Table = {
  'boot:continue'(runtime) {
    runtime.proceed();
  },
  'app:ready'(runtime, message) {
    runtime.messenger.setPeers(message.peers);
    const { app, spec, lifecycle, logger } = runtime;
    if (app === undefined) return;
    app.health.ready = true;
    // Listeners learn first, so app code serving the requests that waited sees a ready app.
    app.emit('app-ready', message.peers);
    spec.open?.(app);
    lifecycle.run('serverDidReady').then(
      () => runtime.serving.resolve(),
      (error: unknown) => {
        logger.error({ err: error }, messageOf(error));
        runtime.serving.reject(asError(error));
      },
    );
  },
  'app:stopping'(runtime) {
    // Readiness probes answer 503 from now on, before anything closes.
    if (runtime.app !== undefined) runtime.app.health.ready = false;
    runtime.app?.emit('app-stopping');
  },
  'process:ping'(runtime, message) {
    if (runtime.app !== undefined) runtime.app.health.live = message.live;
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    runtime.channel.send(envelope<PongMessage>({ type: 'process:pong', rss, heapUsed, heapTotal }));
  },
  'peers:changed'(runtime, message) {
    runtime.messenger.setPeers(message.peers);
    runtime.app?.emit('peers-changed', message.peers);
  },
  'process:close'(runtime, message) {
    void runtime.close(message.timeout, 'asked by the master');
  },
  'process:drained-ack'(runtime) {
    runtime.exits.acknowledged();
  },
  // These two carry a socket, which only a listener of the process's own 'message' event receives:
  // the worker's shared port (packages/worker/src/shared-port.ts) handles them there.
  'listen:granted'() {},
  'conn:handoff'() {},
};

/** Runs the entry of {@link CONTROL} for `message`; anything else from the master is logged and ignored. */
export function dispatchControl(runtime: ChildRuntime, message: Envelope): void {
  const handler = Object.hasOwn(CONTROL, message.type) ? CONTROL[message.type as FromMaster['type']] : undefined;
  if (handler === undefined) {
    runtime.logger.warn({ type: message.type }, `unexpected ${message.type} from the master ignored`);
    return;
  }
  (handler as (runtime: ChildRuntime, message: Envelope) => void)(runtime, message);
}
