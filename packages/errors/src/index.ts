export { BroodError, broodError } from './brood-error.js';
export { ERR, type ErrorCode, type ErrorName, isErrorCode } from './codes.js';
export { asError, codeOf, messageOf } from './thrown.js';
