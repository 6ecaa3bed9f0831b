import { ERR } from '@brood/errors';
import { type BootFailedMessage, type DrainedMessage, type ExitingMessage, envelope, type Messenger, toWireError } from '@brood/messenger';
import { delay } from '../timeout.js';
import type { MasterChannel } from './channel.js';

/** How long a closed process waits for the master to confirm it read everything before it exits anyway. */
const DRAIN_ACK_MS = 500;
/** How long the last write before an exit may take. */
const LAST_WRITE_MS = 200;
/** How long a process that failed to boot waits for its report to be written. */
const FAILED_WRITE_MS = 500;

/**
 * How a child leaves: nothing it sent may be lost on the way out.
 *
 * A closed process first asks the master to confirm it has read everything
 * sent so far (`process:drained`, see DrainedMessage in the protocol), then
 * says it is exiting and exits once that last write is out. Each step is
 * bounded, and without a master the process exits at once.
 */
export class ExitProtocol {
  readonly #channel: MasterChannel;
  readonly #messenger: Messenger<unknown>;
  #acknowledge: (() => void) | undefined;

  constructor(channel: MasterChannel, messenger: Messenger<unknown>) {
    this.#channel = channel;
    this.#messenger = messenger;
  }

  /** The master's `process:drained-ack`. */
  acknowledged(): void {
    this.#acknowledge?.();
  }

  /** Exits with `code` once the master has read everything this process sent. */
  exit(code: number): void {
    this.#messenger.flush();
    if (!this.#channel.connected()) process.exit(code);
    void this.#drained().then(() => {
      this.#channel.sendThen(envelope<ExitingMessage>({ type: 'process:exiting', code }), () => process.exit(code));
      delay(LAST_WRITE_MS).then(() => process.exit(code));
    });
  }

  /** Reports a failed boot to the master, then exits 1. */
  failBoot(error: unknown): void {
    this.#messenger.flush();
    const failed = envelope<BootFailedMessage>({ type: 'boot:failed', error: toWireError(error, ERR.LOAD_FAILED) });
    this.#channel.sendThen(failed, () => process.exit(1));
    delay(FAILED_WRITE_MS).then(() => process.exit(1));
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      this.#acknowledge = resolve;
      this.#channel.send(envelope<DrainedMessage>({ type: 'process:drained' }));
      delay(DRAIN_ACK_MS).then(resolve);
    });
  }
}
