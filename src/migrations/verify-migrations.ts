import { relative } from 'node:path';
import type { Database } from '../dialects/database.js';
import { getDialect } from '../dialects/index.js';
import { compareVersions, type Migration, upChecksumMatches } from './migration-folder.js';
import type { MigrationProblem } from './migration-result.js';
import type { HistoryRow } from './migration-store.js';
import { transactionControlProblems } from './transaction-control.js';
import { migrationStoreFor } from './stores/index.js';

export interface VerifyOptions {
  /** Accept pending migrations older than the last applied one. */
  allowOutOfOrder?: boolean;
}

/**
 * Compares the migrations folder with the history of `db`: an applied migration whose
 * up.sql (or, reported separately, down.sql) changed, a version in the history with no
 * file, a pending migration older than the last applied one, a pending one with its own
 * BEGIN/COMMIT. An empty list means `migrate up` may run.
 *
 * @example
 * const problems = await verifyMigrations(db, readMigrationsFolder('migrations'));
 * for (const p of problems) console.log(p.message);
 */
export async function verifyMigrations(db: Database, migrations: Migration[], options: VerifyOptions = {}): Promise<MigrationProblem[]> {
  const history = await migrationStoreFor(db.dialect).readHistory(db);
  const applied = new Set(history.map((h) => h.version));
  const pending = migrations.filter((m) => !applied.has(m.version));
  return [...findMigrationProblems(history, migrations, options), ...(await transactionControlProblems(getDialect(db.dialect), pending, 'up'))];
}

/** The pure half of {@link verifyMigrations}: history rows against the folder. */
export function findMigrationProblems(history: HistoryRow[], migrations: Migration[], options: VerifyOptions = {}): MigrationProblem[] {
  const problems: MigrationProblem[] = [];
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const applied = new Set(history.map((h) => h.version));
  const renamedRows = new Set<string>();
  for (const row of history) {
    const migration = byVersion.get(row.version);
    const renamed = migration ? undefined : legacyMatch(row, migrations, applied);
    if (renamed) {
      const file = displayPath(renamed.upPath);
      applied.add(renamed.version);
      renamedRows.add(row.version);
      problems.push({
        kind: 'legacy-version',
        version: row.version,
        name: row.name,
        file,
        message: `${file} is applied, but an earlier lockstep recorded it in lockstep_migrations as version ${row.version} (now ${renamed.version})`,
        hint: 'Run lockstep migrate repair to rename the history row (nothing is applied again).',
      });
    } else if (!migration) {
      problems.push({
        kind: 'missing-file',
        version: row.version,
        name: row.name,
        message: `${row.version}_${row.name} is applied (in lockstep_migrations) but not in the migrations folder`,
        hint: 'Restore the migration from version control; if it was removed on purpose, revert it first with migrate down, or delete its row from lockstep_migrations.',
      });
    } else {
      if (!upChecksumMatches(migration, row.checksum)) {
        const file = displayPath(migration.upPath);
        problems.push({
          kind: 'checksum-mismatch',
          version: row.version,
          name: row.name,
          file,
          message: `${file} was edited after it was applied (checksum ${short(row.checksum)} in lockstep_migrations, ${short(migration.checksum)} on disk)`,
          hint: `Restore ${file} as it was applied (see git log -p ${file}) and put the change in a new migration; if the edit is intentional (a comment, a fix that changes nothing applied), accept it with lockstep migrate repair.`,
        });
      }
      if (downChanged(migration, row)) {
        const file = displayPath(migration.downPath!);
        problems.push({
          kind: 'down-checksum-mismatch',
          version: row.version,
          name: row.name,
          file,
          message: `${file} was edited after its migration was applied (checksum ${short(row.downChecksum!)} in lockstep_migrations, ${short(migration.downChecksum!)} on disk)`,
          hint: `Restore ${file} as it was (see git log -p ${file}), or accept the edit with lockstep migrate repair.`,
        });
      }
    }
  }
  const lastApplied = [...applied].filter((v) => !renamedRows.has(v)).sort(compareVersions).at(-1);
  if (!options.allowOutOfOrder && lastApplied !== undefined) {
    for (const migration of migrations) {
      if (applied.has(migration.version) || compareVersions(migration.version, lastApplied) >= 0) continue;
      const file = displayPath(migration.upPath);
      problems.push({
        kind: 'out-of-order',
        version: migration.version,
        name: migration.name,
        file,
        message: `${file} is pending but older than the last applied migration (${lastApplied})`,
        hint: 'Give it a version newer than every applied one (rename it), or run with --allow-out-of-order if applying it late is safe.',
      });
    }
  }
  return problems;
}

/**
 * The migration a history row without a file stands for, when an earlier lockstep stored
 * its version differently (Flyway's `V1.1` as `11`) and the current version is not applied.
 */
export function legacyMatch(row: HistoryRow, migrations: Migration[], applied: Set<string>): Migration | undefined {
  return migrations.find((m) => m.legacyVersion === row.version && !applied.has(m.version));
}

/**
 * down.sql differs from the one recorded when the migration was applied. Not compared when
 * either side has none: a row from before lockstep recorded it, or a down.sql written later.
 */
export function downChanged(migration: Migration, row: HistoryRow): boolean {
  return row.downChecksum !== null && migration.downChecksum !== null && row.downChecksum !== migration.downChecksum;
}

/** A path relative to the working directory when it is inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

const short = (checksum: string) => checksum.slice(0, 12);
