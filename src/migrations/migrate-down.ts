import type { Database } from '../dialects/database.js';
import { getDialect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import { ALREADY_DONE, applyMigration } from './apply-migration.js';
import { compareVersions, type Migration, upChecksumMatches } from './migration-folder.js';
import type { MigrateOutcome, MigrationProblem, MigrationProgress, MigrationResult } from './migration-result.js';
import type { HistoryRow } from './migration-store.js';
import { transactionControlProblems } from './transaction-control.js';
import { displayPath, downChanged } from './verify-migrations.js';
import { migrationStoreFor } from './stores/index.js';

export interface MigrateDownOptions {
  /** Revert the last N applied migrations (default 1). */
  steps?: number;
  /** Revert every applied migration newer than this version (`0` reverts them all). */
  to?: string;
  onProgress?: (event: MigrationProgress) => void;
  lockTimeoutMs?: number;
}

/**
 * Reverts applied migrations, newest first, with their down.sql, each in its own
 * transaction with the removal of its history row. Checks every migration it is about to
 * revert first (its files are there, unchanged, and it has a down.sql) and reverts
 * nothing if one cannot be reverted. Never throws: see {@link MigrateOutcome}.
 *
 * @example
 * const outcome = await migrateDown(db, readMigrationsFolder('migrations'), { steps: 2 });
 */
export async function migrateDown(db: Database, migrations: Migration[], options: MigrateDownOptions = {}): Promise<MigrateOutcome> {
  const results: MigrationResult[] = [];
  try {
    if (options.steps !== undefined && options.to !== undefined) {
      throw new LockstepError('migrate down takes --steps or --to, not both');
    }
    if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
      throw new LockstepError(`--steps must be a whole number of at least 1, got ${options.steps}`);
    }
    const dialect = getDialect(db.dialect);
    return await migrationStoreFor(dialect.name).withLock(
      db,
      async (session) => {
        const history = await migrationStoreFor(dialect.name).readHistory(session.conn);
        const targets = chooseTargets(history, options);
        const byVersion = new Map(migrations.map((m) => [m.version, m]));
        const problems = targets.flatMap((row) => revertProblems(row, byVersion.get(row.version)));
        if (problems.length === 0) problems.push(...(await transactionControlProblems(dialect, targets.map((row) => byVersion.get(row.version)!), 'down')));
        if (problems.length > 0) return { ok: false, results, problems };
        for (let i = 0; i < targets.length; i++) {
          const migration = byVersion.get(targets[i].version)!;
          options.onProgress?.({ type: 'start', version: migration.version, name: migration.name, direction: 'down' });
          const result = await applyMigration(session, dialect, migration, 'down');
          if (result === ALREADY_DONE) continue;
          results.push(result);
          options.onProgress?.({ type: 'finish', result });
          if (result.status === 'failed') {
            for (const rest of targets.slice(i + 1)) {
              results.push({ version: rest.version, name: rest.name, direction: 'down', status: 'not-run', durationMs: 0 });
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

function chooseTargets(history: HistoryRow[], options: MigrateDownOptions): HistoryRow[] {
  const newestFirst = [...history].sort((a, b) => compareVersions(b.version, a.version));
  if (options.to === undefined) return newestFirst.slice(0, options.steps ?? 1);
  const to = options.to;
  if (to !== '0' && !history.some((h) => h.version === to)) {
    throw new LockstepError(`version ${to} is not applied, so migrate down cannot stop there`, {
      hint: `Pass --to an applied version (see lockstep migrate status), or --to 0 to revert everything.`,
    });
  }
  return newestFirst.filter((h) => compareVersions(h.version, to) > 0);
}

function revertProblems(row: HistoryRow, migration: Migration | undefined): MigrationProblem[] {
  const base = { version: row.version, name: row.name };
  if (!migration) {
    return [{ ...base, kind: 'missing-file', message: `${row.version}_${row.name} is applied but not in the migrations folder, so it cannot be reverted`, hint: 'Restore the migration (with its down.sql) from version control.' }];
  }
  const file = displayPath(migration.upPath);
  if (migration.down === null) {
    return [{ ...base, kind: 'no-down', file, message: `${file} has no down migration, so it cannot be reverted; nothing was reverted`, hint: `Write ${downFileFor(migration)} that undoes it, or revert by hand with a new forward migration.` }];
  }
  if (!upChecksumMatches(migration, row.checksum)) {
    return [{ ...base, kind: 'checksum-mismatch', file, message: `${file} was edited after it was applied, so its down migration may not match what ran; nothing was reverted`, hint: `Restore ${file} as it was applied (see git log -p ${file}), or accept the edit first with lockstep migrate repair.` }];
  }
  if (downChanged(migration, row)) {
    const down = displayPath(migration.downPath!);
    return [{ ...base, kind: 'down-checksum-mismatch', file: down, message: `${down} was edited after its migration was applied; nothing was reverted`, hint: `Restore ${down} as it was (see git log -p ${down}), or accept the edit first with lockstep migrate repair.` }];
  }
  return [];
}

function downFileFor(migration: Migration): string {
  const up = displayPath(migration.upPath);
  return up.endsWith('/up.sql') ? up.replace(/up\.sql$/, 'down.sql') : up.replace(/\.sql$/, '.down.sql');
}
