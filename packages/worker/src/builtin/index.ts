export type { AccessLogOptions } from './access-log.js';
export { type BodyParserOptions, bodyParser } from './body-parser.js';
export { installContextLogger } from './context-logger.js';
export { type ErrorBody, type ErrorHandlerOptions, installErrorHandler } from './error-handler.js';
export { type BuiltinOptions, builtins, type Front, type Listener } from './front.js';
export { applyProxy, type ProxyOptions } from './proxy.js';
export { installRequestId, type RequestIdOptions, type RequestIds } from './request-id.js';
