import type { Database } from '../dialects/database.js';
import { getDialect } from '../dialects/index.js';
import { compareVersions, type Migration, upChecksumMatches } from './migration-folder.js';
import type { MigrationProblem } from './migration-result.js';
import { displayPath, downChanged, findMigrationProblems } from './verify-migrations.js';
import type { MigrationLockHolder } from './migration-store.js';
import { migrationStoreFor } from './stores/index.js';

export interface MigrationStatusEntry {
  version: string;
  name: string;
  /** `missing`: in the history, but its file is gone. */
  state: 'applied' | 'pending' | 'missing';
  /** `ok` / `changed` for applied migrations (up script vs history), null otherwise. */
  checksum: 'ok' | 'changed' | null;
  /**
   * The same for down.sql, null when it cannot be compared (pending, no down.sql, or a
   * history row from before lockstep recorded it).
   */
  downChecksum: 'ok' | 'changed' | null;
  file: string | null;
  /** The down script's path, when there is one. */
  downFile: string | null;
  hasDown: boolean;
  appliedAt: string | null;
  durationMs: number | null;
  appliedBy: string | null;
  /** When `migrate repair` last accepted an edit of it, and by whom. */
  repairedAt: string | null;
  repairedBy: string | null;
}

export interface MigrationStatus {
  /** Last applied version, or null when none is. */
  current: string | null;
  migrations: MigrationStatusEntry[];
  applied: number;
  pending: number;
  problems: MigrationProblem[];
  /** The run holding the migration lock right now, or null when none does. */
  lock: MigrationLockHolder | null;
}

/**
 * Where `db` stands against the migrations folder: every migration applied or pending,
 * with checksum state and history details. Reads only; takes no lock.
 *
 * @example
 * const status = await migrationStatus(db, readMigrationsFolder('migrations'));
 * console.log(`${status.pending} pending`);
 */
export async function migrationStatus(db: Database, migrations: Migration[]): Promise<MigrationStatus> {
  const store = migrationStoreFor(db.dialect);
  const history = await store.readHistory(db);
  const lock = await store.readLock(db);
  const byVersion = new Map(history.map((h) => [h.version, h]));
  const entries: MigrationStatusEntry[] = migrations.map((m) => {
    const row = byVersion.get(m.version);
    return {
      version: m.version,
      name: m.name,
      state: row ? 'applied' : 'pending',
      checksum: row ? (upChecksumMatches(m, row.checksum) ? 'ok' : 'changed') : null,
      downChecksum: row && row.downChecksum !== null && m.downChecksum !== null ? (downChanged(m, row) ? 'changed' : 'ok') : null,
      file: displayPath(m.upPath),
      downFile: m.downPath ? displayPath(m.downPath) : null,
      hasDown: m.down !== null,
      appliedAt: row?.appliedAt ?? null,
      durationMs: row?.durationMs ?? null,
      appliedBy: row?.appliedBy ?? null,
      repairedAt: row?.repairedAt ?? null,
      repairedBy: row?.repairedBy ?? null,
    };
  });
  const inFolder = new Set(migrations.map((m) => m.version));
  for (const row of history) {
    if (inFolder.has(row.version)) continue;
    entries.push({ version: row.version, name: row.name, state: 'missing', checksum: null, downChecksum: null, file: null, downFile: null, hasDown: false, appliedAt: row.appliedAt, durationMs: row.durationMs, appliedBy: row.appliedBy, repairedAt: row.repairedAt, repairedBy: row.repairedBy });
  }
  entries.sort((a, b) => compareVersions(a.version, b.version));
  return {
    current: history.at(-1)?.version ?? null,
    migrations: entries,
    applied: history.length,
    pending: entries.filter((e) => e.state === 'pending').length,
    problems: findMigrationProblems(history, migrations),
    lock,
  };
}
