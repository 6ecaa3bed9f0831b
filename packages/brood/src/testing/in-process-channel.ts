import type { MasterChannel } from '@brood/core';
import type { Envelope, Router, Sender, WriteResult } from '@brood/messenger';

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
  // Each write completes once it is delivered, as Node's send callback runs once the kernel has the bytes.
  router.open(sender, (message, written) => {
    if (!open) return 'closed';
    const copy = overTheWire(message);
    setImmediate(() => {
      if (open) listener?.(copy);
      written();
    });
    return 'sent';
  });
  const send = (message: Envelope, written: () => void = () => {}): WriteResult => {
    if (!open) return 'closed';
    const copy = overTheWire(message);
    setImmediate(() => {
      router.receive(sender.pid, copy);
      written();
    });
    return 'sent';
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
