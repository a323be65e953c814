import type { Database, Queryable } from '../dialects/database.js';
import type { StatementFact } from '../lint/statement-facts.js';
import type { Migration } from '../migrations/migration-folder.js';
import type { Schema } from '../core/model.js';

/** A lock a migration took, from `pg_locks` (PostgreSQL). */
export interface RehearsalLock {
  /** Table or index, schema-qualified unless `public`. */
  relation: string;
  /** e.g. `AccessExclusiveLock`. */
  mode: string;
  /**
   * How long the live database saw it held: from the start of the migration that took it
   * to the rehearsal's final rollback (an upper bound; PostgreSQL keeps every lock of a
   * transaction until it ends).
   */
  heldMs?: number;
}

export interface RehearsalTimeouts {
  /** Give up on a lock after this long, so a rehearsal never queues behind production traffic (PostgreSQL). */
  lockTimeoutMs: number;
  /** Cancel any statement running longer than this (PostgreSQL). */
  statementTimeoutMs: number;
  /**
   * The whole rehearsal's budget (PostgreSQL): its locks on the live database are held
   * until the final rollback, so statements are cut short and no further migration starts
   * once this much time has passed since the rehearsal began.
   */
  timeBudgetMs: number;
}

/** Where a rehearsal runs: the live database inside a transaction, or a copy of it. */
export interface RehearsalSandbox {
  /** Runs migrations and the read-only data queries that explain failures. */
  readonly conn: Queryable;
  /** What the rehearsal runs on, for the report (e.g. "a transaction that is rolled back"). */
  readonly description: string;
  /** Why a migration cannot be rehearsed here, or undefined when it can. */
  notRehearsable(migration: Migration): string | undefined;
  /** What is left of the time budget (ms); Infinity where the rehearsal holds nothing on the live database (a copy). */
  timeLeftMs(): number;
  /**
   * Runs one migration as a unit. On failure everything it did is undone and the error is
   * rethrown, so `conn` shows the state before it. Returns the locks it took, when known.
   * The connection `apply` gets keeps within the time budget: a statement is cut short
   * when the budget runs out, and none starts after.
   */
  run(migration: Migration, apply: (conn: Queryable) => Promise<void>): Promise<RehearsalLock[] | undefined>;
}

/**
 * The dialect-specific half of `lockstep rehearse` (`postgres-rehearsal.ts`,
 * `sqlite-rehearsal.ts`): a sandbox over the live database that leaves it exactly as it
 * was when `body` is done, whatever happened inside.
 */
export interface RehearsalTarget {
  rehearse<T>(live: Database, liveUrl: string, timeouts: RehearsalTimeouts, body: (sandbox: RehearsalSandbox) => Promise<T>): Promise<T>;
  /** Why the database accepted values its new column types cannot hold; appended to each such problem. */
  readonly unenforcedTypesNote: string;
  /** The failure as a hit on one of the rehearsal's own limits (lock or statement timeout); [] when it is not. */
  timeoutProblems(error: unknown, timeouts: RehearsalTimeouts): string[];
  /**
   * Facts a failure message implies when the failing statement's own facts explain nothing
   * (a SQLite rebuild fails in its copying INSERT); [] when the message says nothing more.
   * `facts` are every fact of the migration, `before` the schema it ran on, `script` its text.
   */
  factsFromError(message: string, facts: StatementFact[], before: Schema, script: string): StatementFact[];
}
