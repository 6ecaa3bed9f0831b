export { GatedServer } from './http-server.js';
export { WorkerApplication } from './worker-application.js';
export { workerRole } from './worker-role.js';
