import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseConnectionUrl } from '../../../src/dialects/connection-url.js';
import type { Database } from '../../../src/dialects/database.js';
import { openSqlite } from '../../../src/dialects/sqlite/sqlite-driver.js';
import { LockstepError } from '../../../src/core/errors.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-sqlite-driver-'));
  dirs.push(dir);
  return dir;
}
const open = (url: string, busyTimeoutMs?: number) => openSqlite(parseConnectionUrl(url), { busyTimeoutMs });

async function withDb<T>(fn: (db: Database) => Promise<T>, url = 'sqlite::memory:'): Promise<T> {
  const db = await open(url);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('SQLite driver', () => {
  test('binds $n placeholders by number and ? placeholders by position', () =>
    withDb(async (db) => {
      const numbered = await db.query('select $2 as b, $1 as a, $1 || $2 as ab', ['x', 'y']);
      assert.deepEqual(numbered.rows, [{ b: 'y', a: 'x', ab: 'xy' }]);
      assert.equal(numbered.rowCount, 1);
      const positional = await db.query('select ? as a, ? as b', [1, 2]);
      assert.deepEqual(positional.rows, [{ a: 1, b: 2 }]);
    }));

  test('converts booleans, dates, undefined and objects', () =>
    withDb(async (db) => {
      const at = new Date('2024-05-06T07:08:09.010Z');
      const { rows } = await db.query('select $1 as t, $2 as f, $3 as d, $4 as u, $5 as o', [true, false, at, undefined, { a: [1] }]);
      assert.deepEqual(rows, [{ t: 1, f: 0, d: '2024-05-06T07:08:09.010Z', u: null, o: '{"a":[1]}' }]);
    }));

  test('rowCount is the number of changed rows for writes and returned rows for reads', () =>
    withDb(async (db) => {
      await db.exec('create table t (id integer primary key, v text); insert into t (v) values (1), (2), (3);');
      assert.equal((await db.query('update t set v = $1 where id > $2', ['z', 1])).rowCount, 2);
      assert.equal((await db.query('delete from t where id = $1', [3])).rowCount, 1);
      const returning = await db.query('insert into t (v) values ($1) returning id', ['n']);
      assert.deepEqual(returning, { rows: [{ id: 3 }], rowCount: 1 });
      assert.equal((await db.query('select * from t')).rowCount, 3);
    }));

  test('opens with foreign keys on, WAL and the busy timeout; creates a new file in an existing folder', async () => {
    const dir = tempDir();
    await withDb(async (db) => {
      assert.deepEqual((await db.query('pragma foreign_keys')).rows, [{ foreign_keys: 1 }]);
      assert.deepEqual((await db.query('pragma journal_mode')).rows, [{ journal_mode: 'wal' }]);
      assert.deepEqual((await db.query('pragma busy_timeout')).rows, [{ timeout: 5000 }]);
    }, `sqlite:${join(dir, 'app.db')}`);
    const db = await open(`sqlite:${join(dir, 'other.db')}`, 1234);
    assert.deepEqual((await db.query('pragma busy_timeout')).rows, [{ timeout: 1234 }]);
    await db.close();
  });

  test('a file that is not a database, or a folder that does not exist, is a LockstepError', async () => {
    const dir = tempDir();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database at all, just some text that is long enough'.repeat(20));
    await assert.rejects(open(`sqlite:${junk}`), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /cannot open SQLite database .*junk\.db: file is not a database/);
      return true;
    });
    const blocker = join(dir, 'file');
    writeFileSync(blocker, '');
    await assert.rejects(open(`sqlite:${join(blocker, 'sub', 'x.db')}`), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /cannot create SQLite database .*x\.db: its folder .*sub does not exist/);
      return true;
    });
  });

  test('transaction commits on success and rolls back on throw', () =>
    withDb(async (db) => {
      await db.exec('create table t (v int)');
      await db.transaction(async (tx) => {
        await tx.query('insert into t values ($1)', [1]);
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('insert into t values ($1)', [2]);
          throw new Error('boom');
        }),
        /boom/,
      );
      await assert.rejects(db.transaction(async (tx) => tx.query('insert into nope values (1)')), /no such table/);
      assert.deepEqual((await db.query('select v from t')).rows, [{ v: 1 }]);
      // The connection is not left inside a transaction.
      await db.exec('begin; commit;');
    }));

  test('concurrent transaction() calls take turns instead of nesting', () =>
    withDb(async (db) => {
      await db.exec('create table log (who text, step int)');
      const run = (who: string) =>
        db.transaction(async (tx) => {
          for (let step = 0; step < 3; step++) {
            await tx.query('insert into log values ($1, $2)', [who, step]);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          if (who === 'b') throw new Error('b fails');
        });
      const results = await Promise.allSettled([run('a'), run('b'), run('c')]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      const { rows } = await db.query<{ who: string }>('select who from log order by rowid');
      // Each transaction's rows are contiguous (no interleaving) and b's are gone.
      assert.deepEqual(rows.map((r) => r.who).join(''), 'aaaccc');
    }));

  test('a plain query waits for a running transaction; inside one it joins it; nested becomes a savepoint', () =>
    withDb(async (db) => {
      await db.exec('create table t (v int)');
      let started!: () => void;
      const inTransaction = new Promise<void>((resolve) => (started = resolve));
      const transaction = db.transaction(async (tx) => {
        await tx.query('insert into t values (1)');
        started();
        await new Promise((resolve) => setTimeout(resolve, 10));
        await db.query('insert into t values (2)'); // same async context: runs in this transaction
        await assert.rejects(
          db.transaction(async (inner) => {
            await inner.query('insert into t values (3)');
            throw new Error('inner');
          }),
          /inner/,
        );
      });
      await inTransaction;
      // Issued from outside while the transaction runs: waits for its commit.
      const outside = await db.query('select count(*) as n from t');
      await transaction;
      assert.deepEqual(outside.rows, [{ n: 2 }]);
      assert.deepEqual((await db.query('select v from t order by v')).rows, [{ v: 1 }, { v: 2 }]);
    }));

  test('withConnection holds the connection for its whole callback', () =>
    withDb(async (db) => {
      await db.exec('create table t (v int)');
      const order: string[] = [];
      await Promise.all([
        db.withConnection(async (conn) => {
          order.push('a1');
          await new Promise((resolve) => setTimeout(resolve, 10));
          await conn.query('insert into t values (1)');
          order.push('a2');
        }),
        db.transaction(async (tx) => {
          order.push('b');
          await tx.query('insert into t values (2)');
        }),
      ]);
      assert.deepEqual(order, ['a1', 'a2', 'b']);
    }));

  test('opening a file another connection holds locked waits for it (up to the busy timeout), then says who to look for', async () => {
    const file = join(tempDir(), 'held-at-open.db');
    // A file still in rollback-journal mode: switching it to WAL needs the exclusive lock.
    const Sqlite = (await import('better-sqlite3')).default;
    const holder = new Sqlite(file);
    holder.exec('create table t (v int)');
    holder.exec('begin exclusive');
    const release = setTimeout(() => holder.exec('commit'), 150);
    try {
      const db = await open(`sqlite:${file}`, 5000);
      assert.equal((await db.query<{ journal_mode: string }>('pragma journal_mode')).rows[0]?.journal_mode, 'wal');
      await db.close();
    } finally {
      clearTimeout(release);
      if (holder.inTransaction) holder.exec('commit');
    }
    // Held for longer than the timeout: a clear error, not "not a database".
    const other = new Sqlite(join(tempDir(), 'held-long.db'));
    other.exec('create table t (v int)');
    other.exec('begin exclusive');
    try {
      await assert.rejects(open(`sqlite:${other.name}`, 100), (error: unknown) => {
        assert.ok(error instanceof LockstepError);
        assert.match(error.message, /cannot open SQLite database .*held-long\.db: database is locked/);
        assert.match(error.hint ?? '', /held the file locked for longer than the busy timeout \(100 ms\)/);
        return true;
      });
    } finally {
      other.exec('commit');
      other.close();
      holder.close();
    }
  });

  test('two processes write one WAL file with BEGIN IMMEDIATE and lose nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'shared.db');
    await withDb(async (db) => db.exec('create table counter (id integer primary key, n int not null); insert into counter values (1, 0);'), `sqlite:${file}`);
    const worker = join(dir, 'worker.mts');
    const driver = new URL('../../../src/dialects/sqlite/sqlite-driver.ts', import.meta.url).pathname;
    const urlModule = new URL('../../../src/dialects/connection-url.ts', import.meta.url).pathname;
    writeFileSync(
      worker,
      `import { openSqlite } from ${JSON.stringify(driver)};
import { parseConnectionUrl } from ${JSON.stringify(urlModule)};
const db = await openSqlite(parseConnectionUrl(process.argv[2]), { busyTimeoutMs: 10000 });
for (let i = 0; i < 200; i++) {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query('select n from counter where id = 1');
    await tx.query('update counter set n = $1 where id = 1', [rows[0].n + 1]);
  }, { immediate: true });
}
await db.close();
`,
    );
    const runWorker = () =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, `sqlite:${file}`], { stdio: 'inherit' });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    const codes = await Promise.all([runWorker(), runWorker()]);
    assert.deepEqual(codes, [0, 0]);
    await withDb(async (db) => {
      assert.deepEqual((await db.query('select n from counter')).rows, [{ n: 400 }]);
    }, `sqlite:${file}`);
  });

  test('waiting for the write lock never blocks the event loop: timers keep ticking and the waiter gets the lock once it is released', async () => {
    const file = join(tempDir(), 'held.db');
    const holder = await open(`sqlite:${file}`);
    const waiter = await open(`sqlite:${file}`, 5000);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    try {
      await holder.exec('create table t (v int)');
      const holdFor = async (ms: number, wait: () => Promise<unknown>) => {
        await holder.exec('begin immediate');
        const release = setTimeout(() => void holder.exec('commit'), ms);
        const [ticksBefore, started] = [ticks, performance.now()];
        try {
          await wait();
        } finally {
          clearTimeout(release);
        }
        return { ticks: ticks - ticksBefore, waitedMs: performance.now() - started };
      };
      // A transaction that takes the write lock up front (the job store's and the migrator's way).
      const tx = await holdFor(500, () => waiter.transaction((q) => q.query('insert into t values (1)'), { immediate: true }));
      assert.ok(tx.waitedMs >= 450, `waited only ${tx.waitedMs} ms`);
      // The release is a timer of this very process: with a synchronous wait it could never fire.
      assert.ok(tx.ticks >= 3, `the event loop stalled: ${tx.ticks} ticks of a 20 ms timer in ${Math.round(tx.waitedMs)} ms`);
      // A plain statement outside any transaction, and a script of several statements, wait the same way.
      const statement = await holdFor(300, () => waiter.query('insert into t values ($1)', [2]));
      assert.ok(statement.ticks >= 2, `${statement.ticks} ticks`);
      const script = await holdFor(300, () => waiter.exec('insert into t values (3); insert into t values (4)'));
      assert.ok(script.ticks >= 2, `${script.ticks} ticks`);
      assert.deepEqual((await holder.query('select v from t order by v')).rows, [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }]);
    } finally {
      clearInterval(ticker);
      await holder.close();
      await waiter.close();
    }
  });

  test('PRAGMA busy_timeout reads and sets the (asynchronous) busy timeout of the connection', async () => {
    const file = join(tempDir(), 'pragma.db');
    const holder = await open(`sqlite:${file}`);
    const waiter = await open(`sqlite:${file}`, 5000);
    try {
      await holder.exec('create table t (v int); begin immediate');
      await waiter.exec('pragma busy_timeout = 40');
      assert.deepEqual((await waiter.query('pragma busy_timeout')).rows, [{ timeout: 40 }]);
      const started = performance.now();
      await assert.rejects(waiter.query('insert into t values (1)'), /is locked: .*busy timeout \(40 ms\)/);
      assert.ok(performance.now() - started < 2000);
      await holder.exec('commit');
    } finally {
      await holder.close();
      await waiter.close();
    }
  });

  test('a write lock held past the busy timeout gives a clear LockstepError', async () => {
    const file = join(tempDir(), 'busy.db');
    const a = await open(`sqlite:${file}`);
    const b = await open(`sqlite:${file}`, 50);
    try {
      await a.exec('create table t (v int)');
      await a.transaction(async (tx) => {
        await tx.query('insert into t values (1)');
        await assert.rejects(b.transaction(async () => {}, { immediate: true }), (error: unknown) => {
          assert.ok(error instanceof LockstepError);
          assert.match(error.message, /is locked: .*busy timeout \(50 ms\)/);
          return true;
        });
      });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
