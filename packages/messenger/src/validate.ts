import { CALL_METHODS } from './calls.js';
import { type Envelope, PROTOCOL_VERSION, type Target } from './protocol.js';

/** The outcome of checking a value received on an IPC channel. */
export type Checked = { ok: true; envelope: Envelope } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isPid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

const isTarget = (v: unknown): v is Target => v === 'agent' || v === 'app' || v === 'all' || v === 'random' || isPid(v);

const isRequestTarget = (v: unknown): boolean => v === 'agent' || v === 'random' || isPid(v);

const isSender = (v: unknown): boolean => isObject(v) && (v.role === 'agent' || v.role === 'worker' || v.role === 'master') && isPid(v.pid);

const isAddress = (v: unknown): boolean => isObject(v) && typeof v.port === 'number';

const isWireError = (v: unknown): boolean => isObject(v) && typeof v.code === 'string' && typeof v.message === 'string';

/** Why a body of the given type is wrong, or `undefined` when it is right. */
function problem(m: Record<string, unknown>): string | undefined {
  switch (m.type) {
    case 'action':
      if (typeof m.action !== 'string' || m.action === '') return 'action must be a non-empty string';
      if (!isSender(m.from)) return 'from must be { role, pid }';
      if (!isTarget(m.to)) return 'to must be agent, app, all, random or a pid';
      if (m.seq !== undefined && !isPid(m.seq)) return 'seq must be a positive integer';
      if (m.retain !== undefined && (m.retain !== true || (m.to !== 'app' && m.to !== 'all') || m.seq !== undefined))
        return 'retain must be true, on a message to app or all that is not a request';
      return undefined;
    case 'call':
      if (typeof m.method !== 'string' || !CALL_METHODS.has(m.method)) return `unknown call ${JSON.stringify(m.method)}`;
      if (!isSender(m.from)) return 'from must be { role, pid }';
      if (!isRequestTarget(m.to)) return 'to must be agent, random or a pid';
      if (!isPid(m.seq)) return 'seq must be a positive integer';
      return undefined;
    case 'reply':
      if (!isPid(m.ack)) return 'ack must be a positive integer';
      if (!isSender(m.from)) return 'from must be { role, pid }';
      if (!isPid(m.to)) return 'to must be a pid';
      if (typeof m.ok !== 'boolean') return 'ok must be a boolean';
      if (!m.ok && !isWireError(m.error)) return 'a failed reply needs error { code, message }';
      return undefined;
    case 'agent:ready':
    case 'boot:loaded':
    case 'boot:continue':
    case 'app:stopping':
    case 'process:drained':
    case 'process:drained-ack':
    case 'listen:request':
      return undefined;
    case 'listen:granted':
      if (m.policy !== 'rr' && m.policy !== 'none') return 'policy must be rr or none';
      if (m.standby !== undefined && typeof m.standby !== 'boolean') return 'standby must be a boolean';
      return isAddress(m.address) ? undefined : 'address must be { address, port, family }';
    case 'conn:handoff':
    case 'conn:taken':
      return isPid(m.id) ? undefined : 'id must be a positive integer';
    case 'worker:ready':
      return isAddress(m.address) ? undefined : 'address must be { address, port, family }';
    case 'boot:failed':
      return isWireError(m.error) ? undefined : 'error must be { code, message }';
    case 'app:ready':
    case 'peers:changed':
      return isObject(m.peers) && Array.isArray(m.peers.workers) ? undefined : 'peers must be { agent, workers }';
    case 'process:close':
      return typeof m.timeout === 'number' ? undefined : 'timeout must be a number';
    case 'process:exiting':
      return typeof m.code === 'number' ? undefined : 'code must be a number';
    case 'process:ping':
      return typeof m.live === 'boolean' ? undefined : 'live must be a boolean';
    case 'process:pong':
      return typeof m.rss === 'number' && typeof m.heapUsed === 'number' && typeof m.heapTotal === 'number'
        ? undefined
        : 'rss, heapUsed and heapTotal must be numbers';
    case 'batch':
      if (!Array.isArray(m.messages)) return 'messages must be an array';
      // One level only, checked in a loop: a batch inside a batch is refused before
      // anything recurses, so no depth of nesting can exhaust the stack.
      for (const inner of m.messages) {
        if (isObject(inner) && inner.type === 'batch') return 'a batch inside a batch';
        const reason = problemOf(inner);
        if (reason !== undefined) return `batched message: ${reason}`;
      }
      return undefined;
    default:
      return `unknown type ${JSON.stringify(m.type)}`;
  }
}

/** Reasons that quote the value they refuse: the words before it name their kind. */
const QUOTING = ['protocol version', 'unknown type', 'unknown call'];

/**
 * The kind of a reason, without the value it quotes: `unknown type` for
 * `unknown type "x"`. Drops are counted per kind, and a sender chooses the
 * values, so counting per reason would let it choose the number of log lines.
 */
export function kindOf(reason: string): string {
  const batched = reason.startsWith('batched message: ') ? 'batched message: ' : '';
  const inner = reason.slice(batched.length);
  const quoting = QUOTING.find((prefix) => inner.startsWith(prefix));
  return quoting === undefined ? reason : batched + quoting;
}

/**
 * Checks that a value received on an IPC channel is a Brood envelope of this
 * protocol version. Never throws: a malformed value yields the reason.
 */
export function check(value: unknown): Checked {
  const reason = problemOf(value);
  return reason === undefined ? { ok: true, envelope: value as Envelope } : { ok: false, reason };
}

/** Why a value is not an envelope of this version, or `undefined` when it is one. */
function problemOf(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (!('brood' in value)) return 'no brood marker';
  if (value.brood !== PROTOCOL_VERSION) return `protocol version ${String(value.brood)}, expected ${PROTOCOL_VERSION}`;
  return problem(value);
}

/** A short, loggable rendering of a malformed value. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
