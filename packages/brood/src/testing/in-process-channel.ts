import type { MasterChannel } from '@brood/core';
import type { Envelope, Router, Sender } from '@brood/messenger';

/**
 * A copy of `message` as it would arrive through Node's IPC, which
 * serialises as JSON: a Date arrives as a string, a function or an
 * `undefined` field does not arrive. A test that passes in process then
 * passes in a cluster too.
 */
const overTheWire = (message: Envelope): unknown => JSON.parse(JSON.stringify(message));

/** The two ends of an in-process channel between the router and one agent or worker. */
export interface InProcessLink {
  /** The child's end, which its messenger and exit protocol use. */
  channel: MasterChannel;
  /** Cuts the link: nothing more is delivered either way, as when a process has exited. */
  cut(): void;
}

/**
 * Links an agent or a worker running in this process to `router`, as the
 * IPC channel of a forked child does: each envelope is copied through JSON
 * and delivered on a later turn of the event loop (setImmediate), in the
 * order sent, never within the sender's own call.
 */
export function linkInProcess(router: Router, sender: Sender): InProcessLink {
  let open = true;
  let listener: ((raw: unknown) => void) | undefined;
  router.open(sender, (message) => {
    if (!open) return false;
    const copy = overTheWire(message);
    setImmediate(() => {
      if (open) listener?.(copy);
    });
    return true;
  });
  const send = (message: Envelope): boolean => {
    if (!open) return false;
    const copy = overTheWire(message);
    setImmediate(() => router.receive(sender.pid, copy));
    return true;
  };
  const channel: MasterChannel = {
    connected: () => open,
    send,
    sendThen(message, then) {
      send(message);
      // After the delivery above: the immediates run in the order they were set.
      setImmediate(then);
    },
    onMessage(receive) {
      listener = receive;
    },
  };
  return {
    channel,
    cut() {
      open = false;
    },
  };
}
