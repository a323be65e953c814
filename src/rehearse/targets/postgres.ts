import type { Database, Queryable } from '../../dialects/database.js';
import type { RehearsalLock, RehearsalSandbox, RehearsalTarget, RehearsalTimeouts } from '../rehearsal-target.js';

/** Relation locks held by this backend, user relations only. */
const OWN_LOCKS = `
  select case when n.nspname = 'public' then c.relname else n.nspname || '.' || c.relname end as relation, l.mode
  from pg_locks l
  join pg_class c on c.oid = l.relation
  join pg_namespace n on n.oid = c.relnamespace
  where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted
    and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;

/**
 * Rehearses on the live PostgreSQL database itself, in ONE transaction that is always
 * rolled back: `SET LOCAL lock_timeout` / `statement_timeout` bound how long production can
 * be blocked; each migration runs under a savepoint, and the locks it takes are read from
 * `pg_locks` for this backend before the savepoint is released. Sequences are not
 * transactional: what the migrations drew from them stays drawn. That gap is harmless;
 * putting a sequence back would hand out again the values the application drew meanwhile.
 */
export const postgresRehearsal: RehearsalTarget = {
  async rehearse(live: Database, _liveUrl: string, timeouts: RehearsalTimeouts, body) {
    return live.withConnection(async (conn) => {
      await conn.exec('begin');
      // The budget starts with the transaction: every lock taken from here on is held until the rollback.
      const deadline = performance.now() + timeouts.timeBudgetMs;
      try {
        await conn.exec(`set local lock_timeout = ${Math.max(1, Math.round(timeouts.lockTimeoutMs))}`);
        await conn.exec(`set local statement_timeout = ${Math.max(1, Math.round(timeouts.statementTimeoutMs))}`);
        return await body(sandbox(conn, timeouts, deadline));
      } finally {
        await conn.exec('rollback');
      }
    });
  },
  unenforcedTypesNote: 'the database did not reject them',
  timeoutProblems(error, timeouts) {
    const code = (error as { code?: string })?.code;
    if (code === '55P03') {
      return [`could not take a lock within the lock timeout (${timeouts.lockTimeoutMs} ms): another session holds a conflicting lock. Find it in pg_stat_activity; in production this migration would wait behind it and block every query queued after it.`];
    }
    if (code === '57014') {
      return [`ran longer than the statement timeout (${timeouts.statementTimeoutMs} ms) on the live data: in production it would hold its locks at least that long. Batch the work or raise --statement-timeout if that is acceptable.`];
    }
    return [];
  },
  // PostgreSQL fails in the statement itself, whose facts already say what it did.
  factsFromError: () => [],
};

function sandbox(conn: Queryable, timeouts: RehearsalTimeouts, deadline: number): RehearsalSandbox {
  let savepoints = 0;
  const timeLeftMs = () => deadline - performance.now();
  // The statement timeout in force, lowered to what is left of the budget near its end.
  let statementTimeoutMs = Math.max(1, Math.round(timeouts.statementTimeoutMs));
  const withinBudget = async () => {
    const left = Math.floor(timeLeftMs());
    if (left <= 0) throw new TimeBudgetSpent(timeouts.timeBudgetMs);
    if (left < statementTimeoutMs) {
      statementTimeoutMs = left;
      await conn.exec(`set local statement_timeout = ${left}`);
    }
  };
  const bounded: Queryable = {
    async query(sql, params) {
      await withinBudget();
      return conn.query(sql, params);
    },
    async exec(sql) {
      await withinBudget();
      return conn.exec(sql);
    },
  };
  return {
    conn,
    description: 'one transaction on the live database, rolled back at the end',
    notRehearsable(migration) {
      return migration.noTransaction ? 'it runs outside a transaction (-- lockstep:no-transaction), so it cannot be rolled back' : undefined;
    },
    timeLeftMs,
    async run(_migration, apply) {
      const name = `lockstep_rehearsal_${++savepoints}`;
      const held = await ownLocks(conn);
      await conn.exec(`savepoint ${name}`);
      try {
        await apply(bounded);
      } catch (error) {
        await conn.exec(`rollback to savepoint ${name}`);
        throw error;
      }
      const after = await ownLocks(conn);
      await conn.exec(`release savepoint ${name}`);
      const before = new Set(held.map(lockKey));
      return after.filter((l) => !before.has(lockKey(l)));
    },
  };
}

/** Thrown instead of starting a statement once the rehearsal's time budget is spent. */
class TimeBudgetSpent extends Error {
  constructor(budgetMs: number) {
    super(`not started: the rehearsal's time budget (${budgetMs} ms) is spent`);
  }
}

async function ownLocks(conn: Queryable): Promise<RehearsalLock[]> {
  const { rows } = await conn.query<RehearsalLock>(OWN_LOCKS);
  return rows.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
}

const lockKey = (l: RehearsalLock) => `${l.relation}\u0000${l.mode}`;
