export { configEnvs, findAppMarker, isInside, listSources, sourceOfStem } from './app-files.js';
export { propertyName, scanTree, type TreeFile } from './app-tree.js';
export { type ApplicationInit, BaseApplication, type ProcessHealth } from './application.js';
export { bootStage, inStage } from './boot-stage.js';
export {
  type ChildHost,
  type ChildRole,
  type ChildRuntime,
  hostChild,
  type MasterChannel,
  ORPHAN_CLOSE_BUDGET_MS,
  runChild,
} from './child/index.js';
export { codeCacheReady } from './code-cache.js';
export { byCodeUnits } from './compare.js';
export { type CompileResult, compileApp } from './compile.js';
export { type AppInfo, deepMerge, loadConfig } from './config.js';
export { Deferred } from './deferred.js';
export { applyExtension, type ExtendTarget, type Extension, loadExtension } from './extend.js';
export { type BootExport, HOOK_ORDER, type HookName, isClass, Lifecycle, type LifecycleHooks } from './lifecycle.js';
export { importAppFile, importAppStem, importPackage } from './load-module.js';
export { createLogger, type LogFile, type Logger, type LoggerOptions, type LogRotate, logFileName, openLogFile } from './logger.js';
export { DURATION_BUCKETS, processRegistry, promClient } from './metrics/process-metrics.js';
export {
  type ClusterProcessOptions,
  type ListenTarget,
  PROCESS_OPTIONS_ENV,
  type ProbePaths,
  type ProcessOptions,
  RUN_BUNDLE_ENV,
  readProcessOptions,
  TEST_CLUSTER_ENV,
  type UnhandledRejectionMode,
  WORKER_SLOT_ENV,
} from './options.js';
export { type BuildPlace, buildApp, noApp, requireApp, warnOfMissingEnvConfig } from './prepare-app.js';
export { prettyFormatter } from './pretty.js';
export { TaskRuns } from './task-runs.js';
export { defineTask, loadTasks, parseDuration, type ScheduleOptions, type TaskDefinition, type TaskScope, type TaskType } from './tasks.js';
export { BootClock, delay, settlesWithin, withTimeout } from './timeout.js';
