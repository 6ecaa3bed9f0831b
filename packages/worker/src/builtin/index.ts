export { type BodyParserOptions, bodyParser } from './body-parser.js';
export { installContextLogger } from './context-logger.js';
export { type ErrorBody, type ErrorHandlerOptions, errorHandler } from './error-handler.js';
export { applyProxy, type ProxyOptions } from './proxy.js';
export { type RequestIdOptions, requestId } from './request-id.js';
