export { type AccessLogOptions, accessLogOn, withAccessLog } from './access-log.js';
export { type BodyParserOptions, bodyParser } from './body-parser.js';
export { installContextLogger } from './context-logger.js';
export { allowedMethodsOr404, type ErrorBody, type ErrorHandlerOptions, errorResponder, installErrorHandler } from './error-handler.js';
export { type BuiltinOptions, builtins, type Front, type Listener } from './front.js';
export { applyProxy, type ProxyOptions } from './proxy.js';
export { installRequestId, type RequestIdOptions, type RequestIds, requestIds } from './request-id.js';
