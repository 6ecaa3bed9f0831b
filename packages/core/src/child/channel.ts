import type { Envelope, Transport, WriteResult } from '@brood/messenger';

/** The IPC channel to the master, as the messenger and the exit protocol use it. */
export interface MasterChannel extends Transport {
  /**
   * Writes `message`; `written` runs once it has left this process. `full`
   * when the channel's buffer is past its high-water mark (`process.send()`
   * returned false), `closed` when there is no master to write to.
   */
  send(message: Envelope, written?: () => void): WriteResult;
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
    send(message: Envelope, written: () => void = swallow): WriteResult {
      if (!connected()) return 'closed';
      return process.send?.(message, undefined, {}, () => written()) === false ? 'full' : 'sent';
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
