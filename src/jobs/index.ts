/**
 * `lockstep/jobs`: a durable jobs queue in the application's own database (PostgreSQL or
 * SQLite). See docs/jobs.md.
 *
 * @example
 * import { createQueue, runWorker, task } from 'lockstep/jobs';
 * export const hello = task('hello', { run: (p: { name: string }, ctx) => ctx.log.info(`hi ${p.name}`) });
 */
export { task, isTask, DEFAULT_QUEUE, DEFAULT_MAX_ATTEMPTS } from './task.js';
export type { Task, TaskOptions, TaskContext, TaskLogger, CronSchedule, AnyTask, TaskList, TasksOf, PayloadOf, JobLog, WaitForEventOptions, SpawnOptions, SpawnItem, ConcurrencyLimit, RateLimit } from './task.js';
export { MAX_RESULT_BYTES, MAX_LOG_LINES } from './worker/job-journal.js';
export type { StepSummary } from './step-summary.js';
export { flowLimits, flowKeys } from './flow-control.js';
export type { FlowLimit } from './flow-control.js';
export { PermanentError, isPermanentError } from './permanent-error.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export { validatePayload } from './standard-schema.js';
export type { BackoffOptions } from './backoff.js';
export { retryDelayMs } from './backoff.js';
export { createQueue, Queue, jobJson } from './queue.js';
export type { EnqueueOptions, EnqueueItem, QueueOptions, JobDetails, JobJson, TimelineEntry } from './queue.js';
export { runWorker } from './worker/run-worker.js';
export type { Worker, WorkerOptions, StopReason } from './worker/worker-options.js';
export { consoleLogger, silentLogger } from './job-logger.js';
export type { WorkerLogger } from './job-logger.js';
export { JOBS_SCHEMA_VERSION } from './jobs-schema-version.js';
export { SchemaGuardError, SCHEMA_GUARD_EXIT_CODE } from './schema-guard.js';
export { loadTasks } from './load-tasks.js';
export { JOB_STATES, FINISHED_STATES } from './job-store.js';
export type {
  JobState,
  JobRecord,
  JobEvent,
  JobEventKind,
  EnqueuedJob,
  ListJobsFilter,
  QueueStats,
  QueueCount,
  WorkerInfo,
  ProgressSnapshot,
  TransactionHandle,
  JobStore,
  StepRecord,
  StepStatus,
  StepWait,
  LogLine,
  JobAttempt,
  QueueHistoryPoint,
  QueueInfo,
  BulkAction,
  ClaimRequest,
} from './job-store.js';
