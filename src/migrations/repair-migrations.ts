import type { Database } from '../dialects/database.js';
import { processIdentity } from './apply-migration.js';
import { type Migration, upChecksumMatches } from './migration-folder.js';
import { type HistoryRow, recordRenamed, recordRepaired } from './migration-store.js';
import { migrationStoreFor } from './stores/index.js';
import { displayPath, downChanged, legacyMatch } from './verify-migrations.js';

/**
 * One change `migrate repair` accepts: an up or down script whose checksum differs from
 * the history's, or (`version`) a history row an earlier lockstep stored under another
 * version (Flyway's `V1.1` as `11`), renamed to the current one.
 */
export interface RepairEntry {
  /** The migration's current version. */
  version: string;
  name: string;
  script: 'up' | 'down' | 'version';
  file: string;
  /** What lockstep_migrations holds: a checksum, or for `version` the old version. */
  recorded: string;
  /** What it will hold after the repair: the file's checksum, or the current version. */
  current: string;
}

export interface RepairOptions {
  /**
   * Called with the edits before anything is written; the repair goes ahead only when it
   * returns true. Without it, every edit is accepted.
   */
  confirm?: (plan: RepairEntry[]) => boolean | Promise<boolean>;
  /** How long to wait for another run's lock (ms). Default 10 minutes. */
  lockTimeoutMs?: number;
}

export interface RepairOutcome {
  /** The edits accepted (empty when there was nothing to repair or it was declined). */
  repaired: RepairEntry[];
  /** false when `confirm` said no. */
  confirmed: boolean;
  /** When and by whom, as recorded in the history (null when nothing was written). */
  repairedAt: string | null;
  repairedBy: string;
}

/**
 * The edits of applied migrations `repairMigrations` would accept: each up or down script
 * whose checksum differs from the one in the history. Reads only.
 *
 * @example
 * const plan = await planRepair(db, readMigrationsFolder('migrations'));
 * for (const e of plan) console.log(`${e.file}: ${e.recorded.slice(0, 12)} → ${e.current.slice(0, 12)}`);
 */
export async function planRepair(db: Database, migrations: Migration[]): Promise<RepairEntry[]> {
  return editsOf(await migrationStoreFor(db.dialect).readHistory(db), migrations);
}

/**
 * `lockstep migrate repair` (Flyway's name): accepts intentional edits of applied
 * migrations by storing their current checksums in the history, with who and when.
 * Under the migration lock, in one transaction; only the edits that were confirmed are
 * written (if the files changed again meanwhile, those are left for the next run).
 *
 * @example
 * const outcome = await repairMigrations(db, readMigrationsFolder('migrations'), {
 *   confirm: (plan) => plan.every((e) => e.script === 'down'),
 * });
 */
export async function repairMigrations(db: Database, migrations: Migration[], options: RepairOptions = {}): Promise<RepairOutcome> {
  const plan = await planRepair(db, migrations);
  if (plan.length === 0) return { repaired: [], confirmed: true, repairedAt: null, repairedBy: processIdentity };
  if (options.confirm && !(await options.confirm(plan))) return { repaired: [], confirmed: false, repairedAt: null, repairedBy: processIdentity };
  const confirmed = new Set(plan.map(key));
  const store = migrationStoreFor(db.dialect);
  return store.withLock(
    db,
    async (session) => {
      // Read again under the lock: accept only what was confirmed and is still the case.
      const rows = await store.readHistory(session.conn);
      const edits = editsOf(rows, migrations).filter((e) => confirmed.has(key(e)));
      const repairedAt = new Date().toISOString();
      const byVersion = new Map(migrations.map((m) => [m.version, m]));
      const history = new Map(effectiveHistory(rows, migrations).map((h) => [h.version, h]));
      await session.transaction(async (conn) => {
        for (const e of edits) {
          if (e.script === 'version') await recordRenamed(conn, e.recorded, e.current, repairedAt, processIdentity);
        }
        for (const version of new Set(edits.filter((e) => e.script !== 'version').map((e) => e.version))) {
          const migration = byVersion.get(version)!;
          const row = history.get(version)!;
          const accepts = (script: 'up' | 'down') => edits.some((e) => e.version === version && e.script === script);
          await recordRepaired(conn, {
            version,
            checksum: accepts('up') ? migration.checksum : row.checksum,
            downChecksum: accepts('down') ? migration.downChecksum : row.downChecksum,
            repairedAt,
            repairedBy: processIdentity,
          });
        }
      });
      return { repaired: edits, confirmed: true, repairedAt: edits.length > 0 ? repairedAt : null, repairedBy: processIdentity };
    },
    { timeoutMs: options.lockTimeoutMs },
  );
}

/** The history with rows of legacy versions under their current version. */
function effectiveHistory(history: HistoryRow[], migrations: Migration[]): HistoryRow[] {
  const known = new Set(migrations.map((m) => m.version));
  const applied = new Set(history.map((h) => h.version));
  return history.map((row) => {
    if (known.has(row.version)) return row;
    const renamed = legacyMatch(row, migrations, applied);
    if (!renamed) return row;
    applied.add(renamed.version);
    return { ...row, version: renamed.version };
  });
}

function editsOf(history: HistoryRow[], migrations: Migration[]): RepairEntry[] {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const edits: RepairEntry[] = [];
  const effective = effectiveHistory(history, migrations);
  history.forEach((row, i) => {
    if (effective[i].version === row.version) return;
    const migration = byVersion.get(effective[i].version)!;
    edits.push({ version: migration.version, name: migration.name, script: 'version', file: displayPath(migration.upPath), recorded: row.version, current: migration.version });
  });
  for (const row of effective) {
    const migration = byVersion.get(row.version);
    if (!migration) continue;
    const base = { version: row.version, name: migration.name };
    if (!upChecksumMatches(migration, row.checksum)) {
      edits.push({ ...base, script: 'up', file: displayPath(migration.upPath), recorded: row.checksum, current: migration.checksum });
    }
    if (downChanged(migration, row)) {
      edits.push({ ...base, script: 'down', file: displayPath(migration.downPath!), recorded: row.downChecksum!, current: migration.downChecksum! });
    }
  }
  return edits;
}

const key = (e: RepairEntry) => `${e.version}\u0000${e.script}\u0000${e.recorded}\u0000${e.current}`;
