import type { WireError } from '@brood/messenger';

/** The marker and version of every message on the cross-host bus; other values on the channel are dropped. */
export const BUS_MARKER = 'brood-bus-1';

/** One message on the cross-host bus, JSON on a Redis channel. */
export type BusEnvelope =
  | { m: typeof BUS_MARKER; kind: 'broadcast'; from: string; action: string; data: unknown }
  | { m: typeof BUS_MARKER; kind: 'send'; from: string; to: string; leader: boolean; action: string; data: unknown }
  | {
      m: typeof BUS_MARKER;
      kind: 'request';
      from: string;
      to: string;
      leader: boolean;
      id: number;
      action: string;
      data: unknown;
      /** The requester's timeout in ms, so the target can bound its own work by it. */
      timeout?: number;
    }
  | { m: typeof BUS_MARKER; kind: 'reply'; from: string; to: string; id: number; ok: true; data: unknown }
  | { m: typeof BUS_MARKER; kind: 'reply'; from: string; to: string; id: number; ok: false; error: WireError };

/** Channel every instance listens to. */
export const ALL_CHANNEL = 'bus:all';

/** The channel of one instance (messages addressed to it, replies to its requests). */
export function instanceChannel(id: string): string {
  return `bus:to:${id}`;
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Parses one message off a channel; a string says why it is not a bus envelope. Never throws. */
export function parseBusEnvelope(raw: string): BusEnvelope | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const message = value as Record<string, unknown>;
  if (message.m !== BUS_MARKER) return `marker ${JSON.stringify(message.m)} is not ${BUS_MARKER}`;
  if (!isString(message.from)) return 'no sender';
  switch (message.kind) {
    case 'broadcast':
      return isString(message.action) ? (message as BusEnvelope) : 'no action';
    case 'send':
    case 'request':
      if (!isString(message.action)) return 'no action';
      if (!isString(message.to)) return 'no target';
      if (typeof message.leader !== 'boolean') return 'no leader flag';
      if (message.kind === 'request' && !Number.isSafeInteger(message.id)) return 'no request id';
      if (
        message.kind === 'request' &&
        message.timeout !== undefined &&
        !(Number.isSafeInteger(message.timeout) && (message.timeout as number) > 0)
      )
        return 'a timeout that is not a positive integer';
      return message as BusEnvelope;
    case 'reply': {
      if (!isString(message.to) || !Number.isSafeInteger(message.id)) return 'no target or request id';
      if (message.ok === true) return message as BusEnvelope;
      const error = message.error as Record<string, unknown> | undefined;
      if (message.ok === false && typeof error === 'object' && error !== null && isString(error.code) && typeof error.message === 'string')
        return message as BusEnvelope;
      return 'a reply that is neither ok nor a valid error';
    }
    default:
      return `unknown kind ${JSON.stringify(message.kind)}`;
  }
}
