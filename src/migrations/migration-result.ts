import type { MigrationLockHolder } from './migration-store.js';
/** What happened to one migration in a `migrate up` / `migrate down` run (Kysely's migrator style). */
export interface MigrationResult {
  version: string;
  name: string;
  direction: 'up' | 'down';
  /** `applied`: ran and committed (for `down`: reverted); `failed`: rolled back; `not-run`: skipped after a failure. */
  status: 'applied' | 'failed' | 'not-run';
  durationMs: number;
  /** Why it failed: `file:line: database message`. */
  error?: Error;
}

/** Something in the migrations folder or history that makes applying unsafe. */
export interface MigrationProblem {
  kind: 'checksum-mismatch' | 'down-checksum-mismatch' | 'missing-file' | 'legacy-version' | 'out-of-order' | 'no-down' | 'unknown-version' | 'transaction-control';
  version: string;
  name: string;
  /** The file the problem is about, relative to the working directory when possible. */
  file?: string;
  message: string;
  hint: string;
}

/**
 * The outcome of a run. Never thrown halfway: a failed migration is a result with
 * `status: 'failed'`, problems found before anything ran are in `problems`, and an error
 * that is not a migration's (connection, lock) is in `error`.
 */
export interface MigrateOutcome {
  ok: boolean;
  results: MigrationResult[];
  problems: MigrationProblem[];
  error?: Error;
}

export type MigrationProgress =
  | { type: 'waiting-for-lock'; holder?: MigrationLockHolder | null }
  | { type: 'start'; version: string; name: string; direction: 'up' | 'down' }
  | { type: 'finish'; result: MigrationResult };
