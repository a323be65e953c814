import { errorMessage, LockstepError } from '../../core/errors.js';
import { compareVersions } from '../migration-folder.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
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
  applied_by text not null
)`;

const SAVEPOINT = 'lockstep_migration';

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
 * SQLite: the lock is the database's write lock. A run holds one `BEGIN IMMEDIATE`
 * transaction (other writers wait on the busy timeout) and each migration is a savepoint
 * inside it, so a failing one is undone alone. Steps that must run outside a transaction
 * (no-transaction migrations, table rebuilds that turn foreign keys off) commit, run, and
 * take the lock again; the migrator re-checks the history inside every step, so nothing
 * is applied twice even then.
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
      const started = Date.now();
      const token = await claim(conn, options, timeoutMs);
      try {
        await lock(conn, options, Math.max(1, timeoutMs - (Date.now() - started)));
      } catch (error) {
        await unclaim(conn, token, previousTimeout);
        throw error;
      }
      let ok = false;
      try {
        await conn.exec(CREATE_HISTORY);
        const value = await fn(createSession(conn, options, timeoutMs));
        ok = true;
        return value;
      } finally {
        // Savepoints were already released or rolled back step by step: what is left in the
        // transaction is exactly the migrations reported as applied, so commit it either way.
        try {
          await conn.exec('commit');
        } catch (error) {
          await conn.exec('rollback').catch(() => undefined);
          if (ok) throw error;
        } finally {
          await unclaim(conn, token, previousTimeout);
        }
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

/** `BEGIN IMMEDIATE`, first without waiting (to report a wait), then on the busy timeout. */
async function lock(conn: Queryable, options: LockOptions, timeoutMs: number): Promise<void> {
  await conn.exec('pragma busy_timeout = 0');
  try {
    await conn.exec('begin immediate');
    return;
  } catch (error) {
    if (!/locked|busy/i.test(errorMessage(error))) throw error;
  } finally {
    await conn.exec(`pragma busy_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  }
  options.onWait?.(null);
  try {
    await conn.exec('begin immediate');
  } catch (error) {
    throw new LockstepError(`the database stayed locked by another writer for more than ${Math.round(timeoutMs / 1000)} s`, {
      cause: error,
      hint: 'Another migrate run (or a long write) holds the SQLite write lock; wait for it, then run the command again.',
    });
  }
}

function createSession(conn: Queryable, options: LockOptions, timeoutMs: number): MigrationSession {
  // The write lock is released only around steps that cannot run inside it; take it back after.
  const relock = () => lock(conn, options, timeoutMs);
  return {
    conn,
    lockHeldThroughout: false,
    async transaction(fn, stepOptions = {}) {
      if (stepOptions.foreignKeysOff) return rebuildTransaction(conn, fn, relock);
      await conn.exec(`savepoint ${SAVEPOINT}`);
      try {
        const value = await fn(conn);
        await conn.exec(`release ${SAVEPOINT}`);
        return value;
      } catch (error) {
        await conn.exec(`rollback to ${SAVEPOINT}`).catch(() => undefined);
        await conn.exec(`release ${SAVEPOINT}`).catch(() => undefined);
        throw error;
      }
    },
    async outsideTransaction(fn) {
      await conn.exec('commit');
      try {
        return await fn(conn);
      } finally {
        await relock();
      }
    },
  };
}

/**
 * SQLite's documented table-rebuild procedure (https://sqlite.org/lang_altertable.html):
 * foreign keys off outside the transaction, so dropping the old table fires no cascade
 * and no implicit delete; `foreign_key_check` before commit, so the rebuild cannot leave
 * a dangling reference behind.
 */
async function rebuildTransaction<T>(conn: Queryable, fn: (conn: Queryable) => Promise<T>, relock: () => Promise<void>): Promise<T> {
  await conn.exec('commit');
  const state = await conn.query<{ foreign_keys: number }>('pragma foreign_keys');
  const wasOn = Number(state.rows[0]?.foreign_keys ?? 0) === 1;
  await conn.exec('pragma foreign_keys = off');
  try {
    await relock();
    try {
      const value = await fn(conn);
      const dangling = await conn.query<{ table: string; parent: string; rowid: number }>('pragma foreign_key_check');
      if (dangling.rows.length > 0) {
        const first = dangling.rows[0];
        throw new LockstepError(
          `the table rebuild leaves ${dangling.rows.length} row(s) whose foreign key points nowhere (e.g. ${first.table} rowid ${first.rowid} → ${first.parent})`,
          { hint: 'Fix the data or the migration so every reference has its row, then run it again.' },
        );
      }
      await conn.exec('commit');
      return value;
    } catch (error) {
      await conn.exec('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    if (wasOn) await conn.exec('pragma foreign_keys = on');
    await relock();
  }
}
