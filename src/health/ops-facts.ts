import type { SchemaChange } from '../core/schema-change.js';

/**
 * What lockstep knows about a running system at one instant, read from the database in
 * one pass. Health probes, Prometheus metrics and the dashboard are all pure functions of
 * these facts, so they can never disagree with each other.
 *
 * Each section carries `error` instead of throwing: one failed read (say, the schema
 * check) must not hide the others.
 */
export interface OpsFacts {
  collectedAt: string;
  database: DatabaseFacts;
  migrations: MigrationFacts;
  schema: SchemaFacts;
  jobs: JobsFacts;
}

export interface DatabaseFacts {
  displayUrl: string;
  dialect: string;
  reachable: boolean;
  /** Round trip of `select 1`, in ms. */
  latencyMs: number | null;
  error?: string;
}

export interface SectionTiming {
  /** How long reading this section took, in ms. */
  durationMs: number;
  error?: string;
}

export interface MigrationFacts extends SectionTiming {
  /** false when the project has no migrations folder: the probe is skipped. */
  configured: boolean;
  applied: Array<{ version: string; name: string; appliedAt: string | null; checksumOk?: boolean }>;
  pending: Array<{ version: string; name: string }>;
}

export interface SchemaFacts extends SectionTiming {
  /** false when neither `schema` nor `migrations` is configured: nothing to compare with. */
  configured: boolean;
  /** Where the expected schema came from, e.g. `schema.sql`. */
  expectedSource?: string;
  /** Differences that stop this build (with an expected-schema file: only the blocking ones). */
  changes: SchemaChange[];
  /** Compatible differences and other remarks, reported but not counted. */
  notes?: string[];
}

export interface QueueCount {
  queue: string;
  state: string;
  count: number;
}

export interface WorkerFacts {
  id: string;
  /** Host and pid, or whatever the worker registered as its name. */
  name: string;
  queues: string[];
  startedAt: string | null;
  heartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  /** The heartbeat is recent enough that the worker counts as alive. */
  live: boolean;
  /** Jobs this worker holds a lease on right now, when known. */
  runningJobs?: number;
}

export interface JobsFacts extends SectionTiming {
  /** Jobs tables exist. When false every jobs probe is skipped. */
  installed: boolean;
  version: number | null;
  expectedVersion: number | null;
  counts: QueueCount[];
  workers: WorkerFacts[];
  /** Age of the oldest job that is ready to run (queued, runAt passed), in ms; null when none waits. */
  oldestReadyAgeMs: number | null;
  /** Running jobs whose lease ran out: their worker is gone and nobody rescued them yet. */
  expiredLeases: number;
  /** Jobs that went dead in the last hour. */
  deadLastHour: number;
  /** Jobs that reached a final state in the last minute (throughput). */
  finishedLastMinute: { succeeded: number; dead: number; cancelled: number };
  /** Failed attempts (retried or dead) in the last minute. */
  failuresLastMinute: number;
  /** How old the queue statistics above are, in ms (0: counted just now; more: the elected worker's cached copy). */
  statsAgeMs: number;
}

export const EMPTY_JOBS: Omit<JobsFacts, 'durationMs'> = {
  installed: false,
  version: null,
  expectedVersion: null,
  counts: [],
  workers: [],
  oldestReadyAgeMs: null,
  expiredLeases: 0,
  deadLastHour: 0,
  finishedLastMinute: { succeeded: 0, dead: 0, cancelled: 0 },
  failuresLastMinute: 0,
  statsAgeMs: 0,
};
