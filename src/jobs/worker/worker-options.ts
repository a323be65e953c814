import type { JobStoreTarget } from '../open-job-store.js';
import type { WorkerLogger } from '../job-logger.js';
import type { AppSchemaGuard } from '../schema-guard.js';
import type { Task } from '../task.js';

export interface WorkerOptions extends JobStoreTarget {
  tasks: Iterable<Task<any>> | Record<string, Task<any>>;
  /** Queues to take jobs from; default every queue (of the tasks this worker knows). */
  queues?: string[];
  /** Jobs run at once. Default 10. */
  concurrency?: number;
  /**
   * Jobs claimed ahead of the free slots and held in memory, so a slot that frees starts the
   * next job without a round trip (graphile-worker's "local queue"). Their leases are renewed
   * and they are handed back unstarted on shutdown; the trade-off is that they are locked
   * by this worker (a higher-priority job enqueued meanwhile waits behind them). Default 0.
   */
  prefetch?: number;
  /** Lease length: a job whose worker stops renewing it is rescued this long after the last renewal. Default 30 s. */
  leaseMs?: number;
  /** Lease renewal period. Default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often this worker looks for expired leases. Default leaseMs / 2. */
  rescueIntervalMs?: number;
  /** On stop, how long running jobs may finish before they are handed back. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Polling fallback. Default 1 s on PostgreSQL (LISTEN/NOTIFY wakes it sooner), 200 ms on SQLite. */
  pollIntervalMs?: number;
  /** Progress flush period. Default 500 ms. */
  progressIntervalMs?: number;
  /** Finished jobs older than this are deleted. Default 7 days; 0 turns pruning off. */
  retentionMs?: number;
  pruneIntervalMs?: number;
  /** How often the elected worker refreshes the cached queue statistics that health probes and the dashboard read. Default 5 s; 0 turns it off. */
  statsIntervalMs?: number;
  workerId?: string;
  /** Stop gracefully on SIGTERM/SIGINT (a second signal stops at once). Default false. */
  handleSignals?: boolean;
  logger?: WorkerLogger;
  /** When set, the worker runs only on an application database this build is compatible with (docs/deploys.md). */
  appSchema?: AppSchemaGuard;
  /**
   * What to do when the application database cannot run this build: `exit` (default:
   * `runWorker` throws SchemaGuardError, the CLI exits 3) or `wait` (stay up, claim
   * nothing, report not ready, re-check every `driftRecheckMs` and start once it can run).
   */
  onDrift?: 'exit' | 'wait';
  /** How often a waiting worker re-checks the schema. Default 5 s. */
  driftRecheckMs?: number;
  /**
   * The process exits once the worker has stopped (the CLI worker): jobs whose handlers
   * ignore their abort signal are handed back too, since exiting ends them. Default: true
   * with `handleSignals`.
   */
  exitOnStop?: boolean;
}

export type StopReason = 'stopped' | 'signal' | 'jobs-schema-changed';

export interface Worker {
  readonly id: string;
  /** Connections this worker opens at most: pool + listener. */
  readonly connectionBudget: number;
  /** Stops claiming, lets running jobs finish up to the shutdown timeout, hands the rest back. */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped, with why. */
  readonly done: Promise<StopReason>;
  /** Whether the worker claims jobs: false while it waits for the schema (`onDrift: 'wait'`) or fenced itself. */
  readiness(): { ready: boolean; reason?: string };
}
