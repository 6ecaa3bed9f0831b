export * from './client.js';
export * from './errors.js';
export { MAX_BATCH, Outbox, unpack, type Write } from './outbox.js';
export * from './protocol.js';
export { Router, type RouterLog } from './router.js';
export { type Checked, check, preview } from './validate.js';
