import { Socket } from 'node:net';
import { broodError, ERR } from '@brood/errors';
import { type ConnTakenMessage, envelope, type ListenAddress, type ListenRequestMessage, PROTOCOL_VERSION } from '@brood/messenger';
import type { GatedServer } from './http-server.js';

/** The shape of the two envelopes that come with a socket; the messenger has validated them as well. */
interface WithSocket {
  brood: typeof PROTOCOL_VERSION;
  type: string;
  id?: unknown;
  policy?: unknown;
  address?: ListenAddress;
  standby?: unknown;
}

const isEnvelope = (raw: unknown): raw is WithSocket =>
  typeof raw === 'object' && raw !== null && (raw as { brood?: unknown }).brood === PROTOCOL_VERSION;

/** Writes straight to the master: these messages go with or about a socket, outside the messenger's batches. */
const send = (message: ListenRequestMessage | ConnTakenMessage): void => {
  process.send?.(message, undefined, {}, () => {});
};

/**
 * The worker's side of the app's port, which the master binds once and
 * holds for its whole life (docs/cluster.md, "Port sharing"). Once the app
 * is loaded the worker asks for the port (`listen:request`); the master
 * answers with `listen:granted`:
 * - under `none` the message carries the listening socket, and this worker
 *   accepts on it like every other;
 * - under `rr` it carries nothing: the master accepts, and hands each
 *   connection over with `conn:handoff`. The worker confirms it at once
 *   (`conn:taken`), before it reads a byte, then serves it. A connection the
 *   master handed over and never saw confirmed goes to another worker when
 *   this one dies.
 * A spare worker (`spareWorkers`) is granted the port on standby: under
 * `none` it gets the socket only when it takes the place of a worker that
 * died (a second `listen:granted`); under `rr` it is simply handed nothing
 * until then.
 *
 * A socket travels only as the second argument of the process's 'message'
 * event, so these envelopes are read here rather than by the messenger.
 * Resolves with the app's address.
 */
export function listenOnSharedPort(gated: GatedServer): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    process.on('message', (raw: unknown, handle: unknown) => {
      if (!isEnvelope(raw)) return;
      if (raw.type === 'conn:handoff') {
        if (!(handle instanceof Socket) || typeof raw.id !== 'number') return;
        send(envelope<ConnTakenMessage>({ type: 'conn:taken', id: raw.id }));
        gated.adopt(handle);
      } else if (raw.type === 'listen:granted' && raw.address !== undefined) {
        // Under rr, and for a spare worker under none until it takes a dead worker's place, nothing to listen on.
        if (raw.policy === 'rr' || raw.standby === true) {
          if (raw.policy === 'rr') gated.takeHandedOver();
          resolve(raw.address);
        } else if (handle !== undefined && handle !== null) {
          gated.listenOn(handle).then(resolve, reject);
        } else {
          reject(broodError(ERR.PORT_UNAVAILABLE, 'the master granted the port without its listening socket'));
        }
      }
    });
    send(envelope<ListenRequestMessage>({ type: 'listen:request' }));
  });
}
