export * from './actions.js';
export * from './calls.js';
export * from './client.js';
export { monotonicMs } from './clock.js';
export {
  DEFAULT_MAX_PENDING_BYTES,
  MAX_BATCH,
  MAX_BATCH_BYTES,
  Outbox,
  type Pushed,
  unpack,
  type Write,
  type WriteResult,
} from './outbox.js';
export * from './protocol.js';
export type { RequestObserver } from './requests.js';
export { Retained } from './retained.js';
export { type Directory, Router, type RouterLog, type RouterOptions } from './router.js';
export { envelopeSize, jsonSize } from './size.js';
export { MAX_KINDS, Tally, type TallyLine } from './tally.js';
export { type Checked, check, preview } from './validate.js';
export { fromWireError, toWireError } from './wire-error.js';
