export * from './actions.js';
export * from './calls.js';
export * from './client.js';
export { MAX_BATCH, Outbox, unpack, type Write } from './outbox.js';
export * from './protocol.js';
export { type RequestObserver, Requests } from './requests.js';
export { type Directory, Router, type RouterLog } from './router.js';
export { type Checked, check, preview } from './validate.js';
export { fromWireError, toWireError } from './wire-error.js';
