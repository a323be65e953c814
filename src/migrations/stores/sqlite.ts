import { errorMessage, LockstepError } from '../../core/errors.js';
import { compareVersions } from '../migration-folder.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ADDED_HISTORY_COLUMNS,
  currentLockHolder,
  describeLockHolder,
  HISTORY_SQL,
  HISTORY_TABLE,
  type LockOptions,
  type MigrationLockHolder,
  type MigrationSession,
  type MigrationStore,
  toHistoryRow,
} from '../migration-store.js';
import type { Database, Queryable } from '../../dialects/database.js';

const CREATE_HISTORY = `create table if not exists "${HISTORY_TABLE}" (
  version text primary key,
  name text not null,
  checksum text not null,
  applied_at text not null,
  duration_ms integer not null,
  applied_by text not null,
  down_checksum text,
  repaired_at text,
  repaired_by text
)`;

/** The lock record: one row naming the run that holds the migration lock, next to the history. */
export const LOCK_TABLE = 'lockstep_migration_lock';

const CREATE_LOCK = `create table if not exists "${LOCK_TABLE}" (
  id integer primary key check (id = 1),
  token text not null,
  host text not null,
  pid integer not null,
  since text not null,
  command text not null
)`;

/** How often a waiting run looks at the lock record again (without blocking the event loop). */
const POLL_MS = 100;

/**
 * SQLite: the lock is the database's write lock, taken with `BEGIN IMMEDIATE` for each
 * migration and released by its commit. A run never holds it across migrations, so the
 * application's writes and its workers' heartbeats get through between two of them, and
 * a wait for it never blocks the event loop (the driver waits on timers, up to the lock
 * timeout). Because another run may apply a migration between two steps of this one, the
 * migrator re-checks the history inside every step: each migration is applied exactly
 * once, in version order, whichever run applies it.
 */
export const sqliteMigrationStore: MigrationStore = {
  async readHistory(db: Queryable) {
    const exists = await db.query("select 1 as found from sqlite_master where type = 'table' and name = $1", [HISTORY_TABLE]);
    if (exists.rows.length === 0) return [];
    const result = await db.query(HISTORY_SQL.select);
    return result.rows.map(toHistoryRow).sort((a, b) => compareVersions(a.version, b.version));
  },

  async withLock<T>(db: Database, fn: (session: MigrationSession) => Promise<T>, options: LockOptions = {}) {
    return db.withConnection(async (conn) => {
      const before = await conn.query<{ timeout: number }>('pragma busy_timeout');
      const previousTimeout = Number(before.rows[0]?.timeout ?? 5000);
      const timeoutMs = options.timeoutMs ?? 600_000;
      // The lock record first: it says who holds the lock while this run migrates.
      const token = await claim(conn, options, timeoutMs);
      const writeLock = new WriteLock(conn, options);
      try {
        await writeLock.take();
        await commitOrRollBack(conn, async () => {
          await conn.exec(CREATE_HISTORY);
          await addMissingColumns(conn);
        });
        return await fn(createSession(conn, writeLock));
      } finally {
        await unclaim(conn, token, previousTimeout);
      }
    });
  },

  async readLock(db: Queryable) {
    const exists = await db.query("select 1 as found from sqlite_master where type = 'table' and name = $1", [LOCK_TABLE]);
    if (exists.rows.length === 0) return null;
    const holder = await readRecord(db);
    return holder && isLive(holder) ? holder.holder : null;
  },
};

/** Brings a history table created by an older lockstep up to date (SQLite has no `add column if not exists`). */
async function addMissingColumns(conn: Queryable): Promise<void> {
  const present = await conn.query<{ name: string }>(`select name from pragma_table_info('${HISTORY_TABLE}')`);
  const names = new Set(present.rows.map((r) => r.name));
  for (const column of ADDED_HISTORY_COLUMNS) {
    if (!names.has(column.name)) await conn.exec(`alter table "${HISTORY_TABLE}" add column "${column.name}" ${column.sqlite}`);
  }
}

interface LockRecord {
  token: string;
  holder: MigrationLockHolder;
}

async function readRecord(conn: Queryable): Promise<LockRecord | null> {
  const result = await conn.query<{ token: string; host: string; pid: number; since: string; command: string }>(`select token, host, pid, since, command from "${LOCK_TABLE}" where id = 1`);
  const row = result.rows[0];
  return row ? { token: row.token, holder: { host: row.host, pid: Number(row.pid), since: row.since, command: row.command } } : null;
}

/** A record left by a process of this host that is gone (killed mid-run) holds nothing. */
function isLive(record: LockRecord): boolean {
  if (record.holder.host !== hostname() || record.holder.pid === null) return true;
  try {
    process.kill(record.holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const isBusy = (error: unknown) => /locked|busy/i.test(errorMessage(error));

/**
 * Writes this run's lock record, committed, so every other session can see who holds the
 * lock and since when. While another live run's record is there, waits (polling, never
 * blocking the event loop) up to `timeoutMs`, then gives up naming the holder.
 */
async function claim(conn: Queryable, options: LockOptions, timeoutMs: number): Promise<string> {
  const token = randomUUID();
  const deadline = Date.now() + timeoutMs;
  let seen: MigrationLockHolder | null = null;
  let told = false;
  await conn.exec('pragma busy_timeout = 0');
  for (;;) {
    let holder: LockRecord | null = null;
    let began = false;
    try {
      await conn.exec('begin immediate');
      began = true;
    } catch (error) {
      if (!isBusy(error)) throw error;
      // Someone is writing: a migrate run in its transaction, or the application. Look, and wait.
      holder = await sqliteMigrationStore.readLock(conn).then((h) => (h ? { token: '', holder: h } : null), () => null);
    }
    if (began) {
      try {
        await conn.exec(CREATE_LOCK);
        const current = await readRecord(conn);
        if (current && isLive(current)) {
          holder = current;
          await conn.exec('rollback');
        } else {
          const me = currentLockHolder();
          await conn.query(`insert or replace into "${LOCK_TABLE}" (id, token, host, pid, since, command) values (1, $1, $2, $3, $4, $5)`, [token, me.host, me.pid, me.since, me.command]);
          await conn.exec('commit');
          return token;
        }
      } catch (error) {
        await conn.exec('rollback').catch(() => undefined);
        throw error;
      }
    }
    if (holder) {
      seen = holder.holder;
      if (!told) {
        told = true;
        options.onWait?.(seen);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new LockstepError(`gave up waiting for the migration lock after ${Math.round(timeoutMs / 100) / 10} s: it is held by ${seen ? describeLockHolder(seen) : 'another writer of the database'}`, {
        hint: 'Let that run finish (lockstep migrate status shows the holder), or stop it if it is stuck; then run the command again. --lock-timeout sets how long to wait.',
      });
    }
    await sleep(Math.min(POLL_MS, left));
  }
}

/** Removes this run's lock record (only its own) and restores the busy timeout. */
async function unclaim(conn: Queryable, token: string, busyTimeout: number): Promise<void> {
  await conn.exec(`pragma busy_timeout = ${busyTimeout}`).catch(() => undefined);
  await conn.query(`delete from "${LOCK_TABLE}" where token = $1`, [token]).catch(() => undefined);
}

/**
 * `BEGIN IMMEDIATE`: the first time without waiting, to tell the caller once that another
 * writer holds the lock, then waiting up to the lock timeout (asynchronously: the SQLite
 * driver retries on timers, see sqlite-driver.ts).
 */
class WriteLock {
  private waited = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly conn: Queryable,
    private readonly options: LockOptions,
  ) {
    this.timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? 600_000));
  }

  async take(): Promise<void> {
    if (!this.waited) {
      await this.conn.exec('pragma busy_timeout = 0');
      try {
        await this.conn.exec('begin immediate');
        return;
      } catch (error) {
        if (!/locked|busy/i.test(errorMessage(error))) throw error;
      } finally {
        await this.conn.exec(`pragma busy_timeout = ${this.timeoutMs}`);
      }
      this.waited = true;
      this.options.onWait?.(null);
    }
    try {
      await this.conn.exec('begin immediate');
    } catch (error) {
      if (!/locked|busy/i.test(errorMessage(error))) throw error;
      throw new LockstepError(`the database stayed locked by another writer for more than ${Math.round(this.timeoutMs / 1000)} s`, {
        cause: error,
        hint: 'Another migrate run (or a long write) holds the SQLite write lock; wait for it, then run the command again.',
      });
    }
  }
}

/** Runs `fn` in the transaction just begun on `conn`: commits when it resolves, rolls back when it throws. */
async function commitOrRollBack<T>(conn: Queryable, fn: () => Promise<T>): Promise<T> {
  try {
    const value = await fn();
    await conn.exec('commit');
    return value;
  } catch (error) {
    await conn.exec('rollback').catch(() => undefined);
    throw error;
  }
}

function createSession(conn: Queryable, writeLock: WriteLock): MigrationSession {
  return {
    conn,
    lockHeldThroughout: false,
    async transaction(fn, stepOptions = {}) {
      if (stepOptions.foreignKeysOff) return rebuildTransaction(conn, fn, writeLock);
      await writeLock.take();
      return commitOrRollBack(conn, () => fn(conn));
    },
    async outsideTransaction(fn) {
      return fn(conn);
    },
  };
}

/**
 * SQLite's documented table-rebuild procedure (https://sqlite.org/lang_altertable.html):
 * foreign keys off outside the transaction, so dropping the old table fires no cascade
 * and no implicit delete; `foreign_key_check` before commit, so the rebuild cannot leave
 * a dangling reference behind.
 */
async function rebuildTransaction<T>(conn: Queryable, fn: (conn: Queryable) => Promise<T>, writeLock: WriteLock): Promise<T> {
  const state = await conn.query<{ foreign_keys: number }>('pragma foreign_keys');
  const wasOn = Number(state.rows[0]?.foreign_keys ?? 0) === 1;
  await conn.exec('pragma foreign_keys = off');
  try {
    await writeLock.take();
    return await commitOrRollBack(conn, async () => {
      const value = await fn(conn);
      const dangling = await conn.query<{ table: string; parent: string; rowid: number }>('pragma foreign_key_check');
      if (dangling.rows.length > 0) {
        const first = dangling.rows[0];
        throw new LockstepError(
          `the table rebuild leaves ${dangling.rows.length} row(s) whose foreign key points nowhere (e.g. ${first.table} rowid ${first.rowid} → ${first.parent})`,
          { hint: 'Fix the data or the migration so every reference has its row, then run it again.' },
        );
      }
      return value;
    });
  } finally {
    if (wasOn) await conn.exec('pragma foreign_keys = on');
  }
}
