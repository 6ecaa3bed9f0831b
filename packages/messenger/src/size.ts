import type { Envelope } from './protocol.js';

/**
 * What an envelope costs besides its payload: the marker, type, sender and
 * target as JSON (`{"brood":1,"type":"action","action":"","data":…,"from":
 * {"role":"worker","pid":12345},"to":"agent","seq":12}` is about 100 bytes).
 */
const ENVELOPE_BYTES = 100;

/** Objects walked before the walk starts remembering what it saw, so that a cycle ends it. */
const PLAIN_WALK = 1000;

/**
 * The size of `value` as JSON, estimated without serialising it: strings by
 * their length, numbers as 8 bytes, a typed array or Buffer as 4 bytes per
 * byte. It is what the bounds of the outbox and of the router count.
 *
 * Why an estimate: Node serialises every message once, inside `send()`;
 * measuring it exactly would serialise it a second time, the whole cost of
 * the hot path again (a 1 MB string: about 1 ms for JSON.stringify, nothing
 * for its `length`). The walk visits each object and array once and reads
 * each string's length; it does not recurse, so no depth of nesting can
 * exhaust the stack, and past {@link PLAIN_WALK} objects it remembers what it
 * saw, so a cycle (which `send()` would refuse anyway) ends it.
 * Non-ASCII text is counted one byte per UTF-16 unit: its UTF-8 may be up to
 * three times that.
 */
export function jsonSize(value: unknown): number {
  let bytes = 0;
  let objects = 0;
  let seen: Set<object> | undefined;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    switch (typeof item) {
      case 'string':
        bytes += item.length + 2;
        break;
      case 'number':
      case 'bigint':
        bytes += 8;
        break;
      case 'boolean':
        bytes += 5;
        break;
      case 'object': {
        if (item === null) {
          bytes += 4;
          break;
        }
        if (++objects > PLAIN_WALK) {
          seen ??= new Set();
          if (seen.has(item)) break;
          seen.add(item);
        }
        if (Array.isArray(item)) {
          bytes += 2 + item.length;
          for (let i = 0; i < item.length; i++) stack.push(item[i]);
        } else if (ArrayBuffer.isView(item)) {
          bytes += 4 * item.byteLength;
        } else if (item instanceof Date) {
          bytes += 26;
        } else {
          bytes += 2;
          for (const key of Object.keys(item)) {
            bytes += key.length + 4;
            stack.push((item as Record<string, unknown>)[key]);
          }
        }
        break;
      }
      default:
        // undefined, functions and symbols are left out of JSON
        break;
    }
  }
  return bytes;
}

/** The estimated size of an envelope as it crosses a channel: see {@link jsonSize}. */
export function envelopeSize(message: Envelope): number {
  switch (message.type) {
    case 'action':
      return ENVELOPE_BYTES + message.action.length + jsonSize(message.data);
    case 'call':
      return ENVELOPE_BYTES + message.method.length + jsonSize(message.args);
    case 'reply':
      return ENVELOPE_BYTES + (message.ok ? jsonSize(message.data) : jsonSize(message.error));
    case 'batch':
      return ENVELOPE_BYTES + jsonSize(message.messages);
    default:
      return ENVELOPE_BYTES;
  }
}
