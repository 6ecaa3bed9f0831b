export * from './builtin/index.js';
export { GatedServer } from './http-server.js';
export { applyKeys, findSignedCookieUse, parseKeys } from './keys.js';
export { type ControllerTree, loadControllers } from './load-controllers.js';
export { Helper, loadWorkerExtensions } from './load-extend.js';
export { loadAppMiddleware, type MiddlewareFactory, middlewareStem } from './load-middleware.js';
export { loadServices, type ServiceClass } from './load-services.js';
export {
  guarded,
  matched,
  type PathMatch,
  type PathRule,
  refuseErrorHandlerMatch,
  requestMatcher,
} from './middleware-match.js';
export { anonymousContext, installTaskRunner } from './run-task.js';
export type { AppListener, AppServer } from './server-kinds.js';
export { answerMockCalls, functionFromSource, mockServiceMethod } from './service-mocks.js';
export { APPLICATION, type RouteMethod, WorkerApplication } from './worker-application.js';
export { workerRole } from './worker-role.js';
