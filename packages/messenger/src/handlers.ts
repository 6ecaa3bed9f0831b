import { broodError, ERR } from '@brood/errors';
import type { ActionName, Handler, MessageMeta } from './actions.js';
import type { CallHandler, CallMethod } from './calls.js';
import { type ActionMessage, type CallMessage, envelope, type ReplyMessage, type Sender } from './protocol.js';
import type { Uplink } from './uplink.js';
import { toWireError } from './wire-error.js';

/** Where handlers' errors are logged when no request waits for them. */
export interface HandlerLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The handlers of one process — the app's, by action, and Brood's calls, by
 * method, in a table apart — and how a message reaches them: every handler
 * of an action runs; the first one's result (or error) is the reply of a
 * request, and a request always gets one reply, `ERR_BROOD_NO_HANDLER` when
 * nothing handles it.
 */
export class Handlers<A> {
  readonly #actions = new Map<string, Set<Handler<A, ActionName<A>>>>();
  readonly #calls = new Map<CallMethod, CallHandler<CallMethod>>();
  readonly #self: Sender;
  readonly #uplink: Uplink;
  readonly #log: HandlerLog;

  constructor(self: Sender, uplink: Uplink, log: HandlerLog) {
    this.#self = self;
    this.#uplink = uplink;
    this.#log = log;
  }

  /** Adds a handler for an action. */
  on<K extends ActionName<A>>(action: K, handler: Handler<A, K>): void {
    let set = this.#actions.get(action);
    if (set === undefined) {
      set = new Set();
      this.#actions.set(action, set);
    }
    set.add(handler as unknown as Handler<A, ActionName<A>>);
  }

  /** Removes a handler, or every handler of the action when none is given. */
  off<K extends ActionName<A>>(action: K, handler?: Handler<A, K>): void {
    if (handler === undefined) this.#actions.delete(action);
    else this.#actions.get(action)?.delete(handler as unknown as Handler<A, ActionName<A>>);
  }

  /** Sets the handler of one of Brood's own calls. */
  handle<M extends CallMethod>(method: M, handler: CallHandler<M>): void {
    this.#calls.set(method, handler as unknown as CallHandler<CallMethod>);
  }

  /** Runs the handlers of an action or a call; answers it when it is a request. */
  dispatch(message: ActionMessage | CallMessage): void {
    if (message.type === 'call') {
      this.#answerCall(message);
      return;
    }
    const handlers = this.#actions.get(message.action);
    const meta: MessageMeta = { action: message.action, from: message.from };
    if (handlers === undefined || handlers.size === 0) {
      if (message.seq !== undefined) {
        const error = broodError(ERR.NO_HANDLER, `${this.#self.role} ${this.#self.pid} has no handler for ${message.action}`);
        this.#answer(message, false, undefined, error);
      }
      return;
    }
    let first = true;
    for (const handler of [...handlers]) {
      const answers = first && message.seq !== undefined;
      first = false;
      let result: unknown;
      try {
        result = handler(message.data as never, meta);
      } catch (error) {
        this.#failed(message, error, answers);
        continue;
      }
      if (result instanceof Promise) {
        result.then(
          (value) => answers && this.#answer(message, true, value),
          (error: unknown) => this.#failed(message, error, answers),
        );
      } else if (answers) {
        this.#answer(message, true, result);
      }
    }
  }

  #answerCall(message: CallMessage): void {
    const handler = this.#calls.get(message.method);
    if (handler === undefined) {
      const error = broodError(ERR.NO_HANDLER, `${this.#self.role} ${this.#self.pid} does not answer ${message.method}`);
      this.#answer(message, false, undefined, error);
      return;
    }
    // A handler that throws synchronously rejects the same way as one whose promise rejects.
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => this.#answer(message, true, result),
        (error: unknown) => this.#answer(message, false, undefined, error),
      );
  }

  #failed(message: ActionMessage, error: unknown, answers: boolean): void {
    if (answers) {
      this.#answer(message, false, undefined, error);
    } else {
      this.#log.error({ err: error, action: message.action, from: message.from }, `handler of ${message.action} threw`);
    }
  }

  #answer(message: ActionMessage | CallMessage, ok: boolean, data: unknown, error?: unknown): void {
    if (message.seq === undefined) return;
    const reply = envelope<ReplyMessage>({ type: 'reply', ack: message.seq, from: this.#self, to: message.from.pid, ok });
    if (ok) reply.data = data;
    else reply.error = toWireError(error, ERR.HANDLER_FAILED);
    this.#uplink.reply(reply, message.type === 'action' ? message.action : message.method);
  }
}
