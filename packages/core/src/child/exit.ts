import { ERR } from '@brood/errors';
import { type BootFailedMessage, type DrainedMessage, type ExitingMessage, envelope, type Messenger, toWireError } from '@brood/messenger';
import { delay } from '../timeout.js';
import type { MasterChannel } from './channel.js';
import type { ChildHost } from './host.js';

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
  readonly #exit: ChildHost['exit'];
  readonly #messenger: Messenger<unknown>;
  #acknowledge: (() => void) | undefined;

  constructor(host: ChildHost, messenger: Messenger<unknown>) {
    this.#channel = host.channel;
    this.#exit = host.exit;
    this.#messenger = messenger;
  }

  /** The master's `process:drained-ack`. */
  acknowledged(): void {
    this.#acknowledge?.();
  }

  /** Exits with `code` once the master has read everything this process sent. */
  exit(code: number): void {
    this.#messenger.flush();
    if (!this.#channel.connected()) {
      this.#exit(code);
      return;
    }
    void this.#drained().then(() => {
      this.#channel.sendThen(envelope<ExitingMessage>({ type: 'process:exiting', code }), () => this.#exit(code));
      delay(LAST_WRITE_MS).then(() => this.#exit(code));
    });
  }

  /** Reports a failed boot to the master, then exits 1. */
  failBoot(error: unknown): void {
    this.#messenger.flush();
    const failed = envelope<BootFailedMessage>({ type: 'boot:failed', error: toWireError(error, ERR.LOAD_FAILED) });
    this.#channel.sendThen(failed, () => this.#exit(1, error));
    delay(FAILED_WRITE_MS).then(() => this.#exit(1, error));
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      this.#acknowledge = resolve;
      this.#channel.send(envelope<DrainedMessage>({ type: 'process:drained' }));
      delay(DRAIN_ACK_MS).then(resolve);
    });
  }
}
