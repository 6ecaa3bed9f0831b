import type { Sender } from './protocol.js';

/**
 * The shape users give their actions: each action names its payload and,
 * for actions answered through `request`, its reply.
 *
 * ```ts
 * declare module 'brood' {
 *   interface Actions {
 *     'user:refresh': { data: { id: number } };
 *     'stats:get': { data: undefined; reply: { hits: number } };
 *   }
 * }
 * ```
 */
export type ActionMap = { [action: string]: { data: unknown; reply?: unknown } };

/** Every action name allowed when no action was declared. */
type Untyped = { [action: string]: { data: unknown; reply: unknown } };

/** The declared actions, or any action when the user declared none. */
export type Known<A> = [keyof A] extends [never] ? Untyped : A;

/** Names of the declared actions. */
export type ActionName<A> = keyof Known<A> & string;
/** The payload of action `K`. */
export type DataOf<A, K extends ActionName<A>> = Known<A>[K] extends { data: infer D } ? D : never;
/** The reply of action `K`; `void` for an action that declares none. */
export type ReplyOf<A, K extends ActionName<A>> = Known<A>[K] extends { reply: infer R } ? R : undefined;

/** Options of `sendToApp` and `broadcast`. */
export interface SendOptions {
  /** Keep the message as its action's last value for workers that become ready later (docs/messenger.md, "Retained messages"). */
  retain?: boolean;
}

/** Options of `broadcast`: this host's (retained or not), or every instance's in cluster mode, which retains nothing. */
export type BroadcastOptions = (SendOptions & { scope?: 'host' }) | { scope: 'cluster'; retain?: false };

/** What a handler learns besides the payload. */
export interface MessageMeta {
  action: string;
  from: Sender;
}

/** Receives one action; for a request, its return value is the reply. */
export type Handler<A, K extends ActionName<A>> = (
  data: DataOf<A, K>,
  meta: MessageMeta,
) => ReplyOf<A, K> | Promise<ReplyOf<A, K>> | void | Promise<void>;
