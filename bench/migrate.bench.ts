// npm run bench:migrate: applies 200 small migrations on PostgreSQL and SQLite and reports
// the total time and lockstep's own overhead per migration (total minus the time spent
// executing the migrations' own SQL): lock, history reads and writes, transactions,
// checksums and statement splitting. Target: < 5 ms per migration on PostgreSQL over loopback.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database, Queryable } from '../src/dialects/database.js';
import { connect } from '../src/dialects/index.js';
import { migrateUp } from '../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../src/migrations/migration-folder.js';
import { createPgDatabase, dropPgDatabase } from '../test/helpers/databases.js';
import { resolveTestPostgres } from '../test/helpers/test-postgres.js';

const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 200);
const CONTROL = /^\s*(begin|commit|rollback|savepoint|release|pragma|set |reset |create table if not exists "lockstep_migrations")/i;

function writeMigrations(dir: string): void {
  for (let i = 1; i <= COUNT; i++) {
    const version = String(i).padStart(4, '0');
    const folder = join(dir, `${version}_table_${i}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'up.sql'),
      `create table t_${i} (id integer primary key, name varchar(100) not null, created_at text);\ncreate index t_${i}_name on t_${i} (name);\n`,
    );
    writeFileSync(join(folder, 'down.sql'), `drop table t_${i};\n`);
  }
}

/** Wraps the database so time spent in the migrations' own statements is measured apart. */
function instrument(db: Database): { db: Database; sqlMs: () => number; commitMs: () => number } {
  let sqlMs = 0;
  let commitMs = 0;
  const wrap = (conn: Queryable): Queryable => ({
    query: (sql, params) => conn.query(sql, params),
    async exec(sql) {
      const start = performance.now();
      try {
        return await conn.exec(sql);
      } finally {
        if (!CONTROL.test(sql)) sqlMs += performance.now() - start;
        else if (/^\s*(commit|release)/i.test(sql)) commitMs += performance.now() - start;
      }
    },
  });
  const wrapped: Database = {
    dialect: db.dialect,
    displayUrl: db.displayUrl,
    identity: db.identity,
    listen: (channels, onNotify, options) => db.listen(channels, onNotify, options),
    notify: (channel, payload) => db.notify(channel, payload),
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn, options) => db.transaction((tx) => fn(wrap(tx)), options),
    withConnection: (fn) => db.withConnection((conn) => fn(wrap(conn))),
    adoptTransaction: (handle) => wrap(db.adoptTransaction(handle)),
    close: () => db.close(),
  };
  return { db: wrapped, sqlMs: () => sqlMs, commitMs: () => commitMs };
}

async function bench(label: string, url: string, dir: string): Promise<void> {
  const raw = await connect(url);
  const { db, sqlMs, commitMs } = instrument(raw);
  try {
    const start = performance.now();
    const migrations = readMigrationsFolder(dir);
    const outcome = await migrateUp(db, migrations);
    const total = performance.now() - start;
    if (!outcome.ok) throw outcome.error ?? new Error(outcome.results.find((r) => r.error)?.error?.message ?? 'migrate up failed');
    const overhead = (total - sqlMs()) / COUNT;
    console.log(
      `${label.padEnd(10)} ${COUNT} migrations in ${total.toFixed(0)} ms; migration SQL ${sqlMs().toFixed(0)} ms; lockstep overhead ${overhead.toFixed(2)} ms per migration (of which commit ${(commitMs() / COUNT).toFixed(2)} ms)`,
    );
  } finally {
    await raw.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
writeMigrations(join(dir, 'migrations'));
const postgres = await resolveTestPostgres();
process.env.LOCKSTEP_TEST_PG_URL = postgres.url;
const pgUrl = await createPgDatabase('lockstep_bench');
try {
  console.log(`# ${COUNT} migrations (create table + index each); PostgreSQL: ${postgres.display} (${postgres.origin})`);
  await bench('postgres', pgUrl, join(dir, 'migrations'));
  await bench('sqlite', `sqlite:${join(dir, 'bench.db')}`, join(dir, 'migrations'));
} finally {
  await dropPgDatabase(pgUrl);
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
