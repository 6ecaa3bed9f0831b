export { type AccessLogOptions, accessLogOn, withAccessLog } from './access-log.js';
export { type BodyParserOptions, bodyParser } from './body-parser.js';
export { installContextLogger } from './context-logger.js';
export { type ErrorBody, type ErrorHandlerOptions, errorResponder, installErrorHandler, notFound } from './error-handler.js';
export { type BuiltinOptions, builtins } from './front.js';
export { applyProxy, type ProxyOptions } from './proxy.js';
export { installRequestId, type RequestIdOptions, requestIdAssigner } from './request-id.js';
