import type { Envelope, Transport } from '@brood/messenger';

/** The IPC channel to the master, as the messenger and the exit protocol use it. */
export interface MasterChannel extends Transport {
  /** True while the master is there to read what this process sends. */
  connected(): boolean;
  /** Writes `message` and calls `then` once it is written, or at once when the channel is closed. */
  sendThen(message: Envelope, then: () => void): void;
}

/** A closed channel is reported in a send's callback instead of as an 'error' event. */
const swallow = (): void => {};

/** This process's IPC channel to the master. */
export function masterChannel(): MasterChannel {
  const connected = (): boolean => process.send !== undefined && process.connected;
  return {
    connected,
    send(message: Envelope): boolean {
      if (!connected()) return false;
      process.send?.(message, undefined, {}, swallow);
      return true;
    },
    sendThen(message: Envelope, then: () => void): void {
      if (!connected()) {
        then();
        return;
      }
      process.send?.(message, undefined, {}, () => then());
    },
    onMessage(listener) {
      process.on('message', listener);
    },
  };
}
