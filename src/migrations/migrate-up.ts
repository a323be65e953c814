import type { Database } from '../dialects/database.js';
import { getDialect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import { ALREADY_DONE, applyMigration } from './apply-migration.js';
import { compareVersions, type Migration } from './migration-folder.js';
import type { MigrateOutcome, MigrationProgress, MigrationResult } from './migration-result.js';
import { transactionControlProblems } from './transaction-control.js';
import { findMigrationProblems } from './verify-migrations.js';
import { migrationStoreFor } from './stores/index.js';

export interface MigrateUpOptions {
  /** Apply up to and including this version. */
  to?: string;
  /** Apply pending migrations older than the last applied one instead of refusing. */
  allowOutOfOrder?: boolean;
  onProgress?: (event: MigrationProgress) => void;
  /** How long to wait for another run's lock (ms). Default 10 minutes. */
  lockTimeoutMs?: number;
}

/**
 * Applies the pending migrations in version order, each in its own transaction with its
 * history row, under the migration lock. Verifies first (edited, missing or out-of-order
 * migrations) and applies nothing when anything is wrong. Stops at the first failure,
 * which is rolled back completely. Never throws: see {@link MigrateOutcome}.
 *
 * @example
 * const outcome = await migrateUp(db, readMigrationsFolder('migrations'));
 * for (const r of outcome.results) console.log(r.version, r.status, r.durationMs);
 * if (!outcome.ok) process.exitCode = 1;
 */
export async function migrateUp(db: Database, migrations: Migration[], options: MigrateUpOptions = {}): Promise<MigrateOutcome> {
  const results: MigrationResult[] = [];
  try {
    if (options.to !== undefined && !migrations.some((m) => m.version === options.to)) {
      throw new LockstepError(`no migration has version ${options.to}`, {
        hint: `Pass --to one of the versions in the migrations folder (latest: ${migrations.at(-1)?.version ?? 'none'}).`,
      });
    }
    const dialect = getDialect(db.dialect);
    return await migrationStoreFor(dialect.name).withLock(
      db,
      async (session) => {
        // Read only now, under the lock: a concurrent run may have applied migrations while we waited.
        const history = await migrationStoreFor(dialect.name).readHistory(session.conn);
        const problems = findMigrationProblems(history, migrations, options);
        if (problems.length > 0) return { ok: false, results, problems };
        const applied = new Set(history.map((h) => h.version));
        const pending = migrations.filter((m) => !applied.has(m.version) && (options.to === undefined || compareVersions(m.version, options.to) <= 0));
        // A script with its own BEGIN/COMMIT would end the migration's transaction early: refuse before anything runs.
        const refused = await transactionControlProblems(dialect, pending, 'up');
        if (refused.length > 0) return { ok: false, results, problems: refused };
        for (let i = 0; i < pending.length; i++) {
          const migration = pending[i];
          options.onProgress?.({ type: 'start', version: migration.version, name: migration.name, direction: 'up' });
          const result = await applyMigration(session, dialect, migration, 'up');
          if (result === ALREADY_DONE) continue;
          results.push(result);
          options.onProgress?.({ type: 'finish', result });
          if (result.status === 'failed') {
            for (const rest of pending.slice(i + 1)) {
              results.push({ version: rest.version, name: rest.name, direction: 'up', status: 'not-run', durationMs: 0 });
            }
            return { ok: false, results, problems };
          }
        }
        return { ok: true, results, problems };
      },
      { timeoutMs: options.lockTimeoutMs, onWait: (holder) => options.onProgress?.({ type: 'waiting-for-lock', holder }) },
    );
  } catch (error) {
    return { ok: false, results, problems: [], error: error instanceof Error ? error : new Error(String(error)) };
  }
}
