export * from './actions.js';
export * from './calls.js';
export * from './client.js';
export { bytesText, type DropKind, type DropLog, Drops } from './drops.js';
export { Held, MAX_HELD } from './held.js';
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
export { type RequestObserver, Requests } from './requests.js';
export { Retained, type RetainedLog } from './retained.js';
export { type Directory, Router, type RouterLog, type RouterOptions } from './router.js';
export { envelopeSize, jsonSize } from './size.js';
export { type Describe, MAX_KINDS, TALLY_INTERVAL_MS, Tally, type TallyLine } from './tally.js';
export { type Checked, check, kindOf, preview } from './validate.js';
export { fromWireError, toWireError } from './wire-error.js';
