export * from './builtin/index.js';
export { GatedServer } from './http-server.js';
export { type ControllerTree, loadControllers } from './load-controllers.js';
export { loadAppMiddleware, type MiddlewareFactory } from './load-middleware.js';
export { loadServices, type ServiceClass } from './load-services.js';
export { anonymousContext, installTaskRunner } from './run-task.js';
export { answerMockCalls, functionFromSource, mockServiceMethod } from './service-mocks.js';
export { APPLICATION, WorkerApplication } from './worker-application.js';
export { workerRole } from './worker-role.js';
