import { hostname } from 'node:os';
import type { Database, Queryable } from '../dialects/database.js';

/** lockstep's migration history table (left out of introspection, like every `lockstep_` table). */
export const HISTORY_TABLE = 'lockstep_migrations';

/** One row of `lockstep_migrations`: a migration that is applied. */
export interface HistoryRow {
  version: string;
  name: string;
  /** sha256 (hex) of up.sql when it was applied (or last repaired). */
  checksum: string;
  /** sha256 of down.sql when it was applied; null without one, or for rows written before lockstep recorded it. */
  downChecksum: string | null;
  /** ISO 8601 timestamp. */
  appliedAt: string;
  durationMs: number;
  /** `user@host` of the process that applied it. */
  appliedBy: string;
  /** When `lockstep migrate repair` last accepted an edit of this migration (ISO 8601), else null. */
  repairedAt: string | null;
  /** `user@host` of that repair, else null. */
  repairedBy: string | null;
}

export interface StepOptions {
  /**
   * SQLite table rebuilds: turn foreign keys off around the transaction (the pragma is a
   * no-op inside one) and run `PRAGMA foreign_key_check` before committing. Ignored on
   * PostgreSQL, whose ALTER TABLE never needs it.
   */
  foreignKeysOff?: boolean;
}

/**
 * The migration lock, held by one `migrate` run. Every step runs on `conn`, the
 * connection that holds the lock.
 */
export interface MigrationSession {
  readonly conn: Queryable;
  /**
   * true when nobody else can have written the history since the run read it (PostgreSQL's
   * advisory lock); false when steps may release the lock in between (SQLite), so each
   * step re-checks the history first.
   */
  readonly lockHeldThroughout: boolean;
  /**
   * Runs `fn` as one atomic unit: commits when it resolves, undoes everything when it
   * throws (and rethrows). The lock stays held (or is taken again) afterwards.
   */
  transaction<T>(fn: (conn: Queryable) => Promise<T>, options?: StepOptions): Promise<T>;
  /**
   * Runs `fn` outside any transaction (`-- lockstep:no-transaction` migrations). On
   * SQLite, where the lock is a write transaction, the lock is released meanwhile.
   */
  outsideTransaction<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
}

/** Who holds the migration lock, as `migrate status` and a waiting run report it. */
export interface MigrationLockHolder {
  /** Host name of the holding process, when known. */
  host: string | null;
  /** Process id of the holding process on that host, when known. */
  pid: number | null;
  /** When it took the lock (ISO 8601), when known. */
  since: string | null;
  /** What holds it, e.g. `lockstep migrate`. */
  command: string | null;
  /** PostgreSQL: the server process serving the holding connection. */
  backendPid?: number;
}

/** This process as a lock holder records itself. */
export function currentLockHolder(now = new Date()): MigrationLockHolder {
  return { host: hostname(), pid: process.pid, since: now.toISOString(), command: 'lockstep migrate' };
}

/**
 * One line naming the holder, for messages.
 *
 * @example
 * describeLockHolder({ host: 'web-1', pid: 4242, since: '2026-01-01T10:00:00.000Z', command: 'lockstep migrate' });
 * // 'lockstep migrate (pid 4242 on web-1), holding it since 2026-01-01T10:00:00.000Z'
 */
export function describeLockHolder(holder: MigrationLockHolder, now = new Date()): string {
  const who = [holder.pid !== null ? `pid ${holder.pid}` : null, holder.host ? `on ${holder.host}` : null, holder.backendPid !== undefined ? `server pid ${holder.backendPid}` : null].filter(Boolean).join(' ');
  const held = holder.since ? `, holding it since ${holder.since} (${Math.max(0, Math.round((now.getTime() - Date.parse(holder.since)) / 1000))} s)` : '';
  return `${holder.command ?? 'another session'}${who ? ` (${who})` : ''}${held}`;
}

export interface LockOptions {
  /** Called once when another process holds the lock and this one starts waiting, with the holder when it can be read. */
  onWait?: (holder: MigrationLockHolder | null) => void;
  /** How long to wait for the lock before giving up (ms). Default 10 minutes. */
  timeoutMs?: number;
}

/**
 * The dialect-specific half of the migrator: the history table's DDL and the lock.
 * Each dialect folder has one (`postgres-migration-store.ts`, `sqlite-migration-store.ts`).
 */
export interface MigrationStore {
  /** Applied migrations, ordered by version; empty when the history table does not exist yet. */
  readHistory(db: Queryable): Promise<HistoryRow[]>;
  /**
   * Takes the migration lock, creates the history table if needed, runs `fn`, and always
   * releases the lock. Concurrent callers queue; each sees the history as the previous
   * holder left it.
   */
  withLock<T>(db: Database, fn: (session: MigrationSession) => Promise<T>, options?: LockOptions): Promise<T>;
  /** Who holds the migration lock right now, or null when nobody does. Takes no lock. */
  readLock(db: Queryable): Promise<MigrationLockHolder | null>;
}

/** Reads rows of the history table in the shape both dialects share. */
export function toHistoryRow(row: Record<string, unknown>): HistoryRow {
  const timestamp = (value: unknown) => (value instanceof Date ? value.toISOString() : value == null ? null : String(value));
  const text = (value: unknown) => (value == null ? null : String(value));
  return {
    version: String(row.version),
    name: String(row.name),
    checksum: String(row.checksum),
    // Absent from a history table created before lockstep recorded it (read-only commands do not add it).
    downChecksum: text(row.down_checksum),
    appliedAt: timestamp(row.applied_at)!,
    durationMs: Number(row.duration_ms),
    appliedBy: String(row.applied_by),
    repairedAt: timestamp(row.repaired_at),
    repairedBy: text(row.repaired_by),
  };
}

/**
 * Columns added to the history table after its first release, in order, with their type
 * per dialect. `migrate` runs add the missing ones under the migration lock; a row
 * written before has them null.
 */
export const ADDED_HISTORY_COLUMNS = [
  { name: 'down_checksum', postgres: 'text', sqlite: 'text' },
  { name: 'repaired_at', postgres: 'timestamptz', sqlite: 'text' },
  { name: 'repaired_by', postgres: 'text', sqlite: 'text' },
] as const;

/** Both dialects share the history table's column names, so the row SQL is shared too. */
export const HISTORY_SQL = {
  // `*`: the columns added later may be missing from an old table that read-only commands must not alter.
  select: `select * from "${HISTORY_TABLE}"`,
  insert: `insert into "${HISTORY_TABLE}" (version, name, checksum, down_checksum, applied_at, duration_ms, applied_by) values ($1, $2, $3, $4, $5, $6, $7)`,
  delete: `delete from "${HISTORY_TABLE}" where version = $1`,
  exists: `select 1 as applied from "${HISTORY_TABLE}" where version = $1`,
  repair: `update "${HISTORY_TABLE}" set checksum = $2, down_checksum = $3, repaired_at = $4, repaired_by = $5 where version = $1`,
  renameVersion: `update "${HISTORY_TABLE}" set version = $2, repaired_at = $3, repaired_by = $4 where version = $1`,
} as const;

/** Records an applied migration in the history table (inside the migration's transaction). */
export async function recordApplied(conn: Queryable, row: Omit<HistoryRow, 'repairedAt' | 'repairedBy'>): Promise<void> {
  await conn.query(HISTORY_SQL.insert, [row.version, row.name, row.checksum, row.downChecksum, row.appliedAt, row.durationMs, row.appliedBy]);
}

/** Renames a history row's version (`migrate repair` of a version an earlier lockstep stored differently). */
export async function recordRenamed(conn: Queryable, from: string, to: string, repairedAt: string, repairedBy: string): Promise<void> {
  await conn.query(HISTORY_SQL.renameVersion, [from, to, repairedAt, repairedBy]);
}

/** Accepts the current checksums of an applied migration (`migrate repair`), recording who and when. */
export async function recordRepaired(conn: Queryable, row: Pick<HistoryRow, 'version' | 'checksum' | 'downChecksum'> & { repairedAt: string; repairedBy: string }): Promise<void> {
  await conn.query(HISTORY_SQL.repair, [row.version, row.checksum, row.downChecksum, row.repairedAt, row.repairedBy]);
}

/** Removes a reverted migration from the history table. */
export async function recordReverted(conn: Queryable, version: string): Promise<void> {
  await conn.query(HISTORY_SQL.delete, [version]);
}

/** Whether `version` is in the history, read on the locked connection. */
export async function isApplied(conn: Queryable, version: string): Promise<boolean> {
  const result = await conn.query(HISTORY_SQL.exists, [version]);
  return result.rows.length > 0;
}
