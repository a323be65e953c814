import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/dialects/database.js';
import { connect, getDialect } from '../../src/dialects/index.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { rehearse } from '../../src/rehearse/rehearse.js';
import type { DialectName } from '../../src/core/model.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

const LONG = [
  [4, 'mobile_app_interstitial'],
  [9, 'video_preroll_companion'],
  [17, 'ad_unit_placement_group'],
] as const;

async function seed(db: Database, dialect: DialectName): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial PRIMARY KEY' : 'integer PRIMARY KEY AUTOINCREMENT';
  await db.exec(`
    CREATE TABLE gam_inventory (id integer PRIMARY KEY, inventory_type varchar(30) NOT NULL);
    CREATE TABLE jobs (id integer PRIMARY KEY, name text NOT NULL);
    CREATE TABLE users (id integer PRIMARY KEY, email text);
    CREATE TABLE events (id ${serial}, message text);
  `);
  for (let id = 1; id <= 20; id++) {
    const long = LONG.find(([i]) => i === id);
    await db.query('INSERT INTO gam_inventory (id, inventory_type) VALUES ($1, $2)', [id, long ? long[1] : `banner_${id}`]);
  }
  await db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1204) INSERT INTO jobs (id, name) SELECT i, 'job ' || i FROM n`);
  const emails = ['a@example.com', 'b@example.com', 'a@example.com', 'c@example.com', 'b@example.com', 'a@example.com', null, null];
  for (const [i, email] of emails.entries()) await db.query('INSERT INTO users (id, email) VALUES ($1, $2)', [i + 1, email]);
  await db.exec(`INSERT INTO events (message) VALUES ('seeded')`);
}

/**
 * Introspected schema plus a checksum of every row of every table. Sequence positions are
 * left out: a rehearsal on PostgreSQL may advance them (a gap is harmless) and must never
 * put them back; {@link sequencePositions} checks that they never go backwards.
 */
async function fingerprint(db: Database, dialect: DialectName): Promise<{ schema: string; rows: Record<string, string>; sequences?: unknown }> {
  const schema = await getDialect(dialect).introspect(db);
  const rows: Record<string, string> = {};
  for (const table of schema.tables) {
    const q = getDialect(dialect).quoteIdentifier(table.name);
    const result = await db.query(`SELECT * FROM ${q} ORDER BY 1`);
    rows[table.name] = createHash('sha256').update(JSON.stringify(result.rows)).digest('hex');
  }
  const tables = (await db.query(dialect === 'postgres' ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")).rows;
  // SQLite rehearses on a copy: even its sqlite_sequence stays exactly as it was.
  if (dialect === 'sqlite') return { schema: JSON.stringify({ schema, tables }), rows, sequences: (await db.query('SELECT name, seq FROM sqlite_sequence ORDER BY 1')).rows };
  return { schema: JSON.stringify({ schema, tables }), rows };
}

/** PostgreSQL sequence positions by name (0 when never used). */
async function sequencePositions(db: Database): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ name: string; v: string | null }>('SELECT sequencename AS name, last_value::text AS v FROM pg_sequences ORDER BY 1');
  return new Map(rows.map((r) => [r.name, BigInt(r.v ?? 0)]));
}

/** Polls `condition` every 20 ms until it holds (10 s at most). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function migrationsFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-rehearse-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'up.sql'), sql);
  }
  return dir;
}

const NARROWING: Record<DialectName, string> = {
  postgres: 'ALTER TABLE gam_inventory ALTER COLUMN inventory_type TYPE varchar(20);\n',
  sqlite: `-- lockstep:foreign-keys-off
CREATE TABLE gam_inventory_new (id integer PRIMARY KEY, inventory_type varchar(20) NOT NULL);
INSERT INTO gam_inventory_new (id, inventory_type) SELECT id, inventory_type FROM gam_inventory;
DROP TABLE gam_inventory;
ALTER TABLE gam_inventory_new RENAME TO gam_inventory;
`,
};

/** Narrowing `inventory_type` to 20 characters with a CHECK (`constraint` names it, or is empty). */
const CHECKED: Record<DialectName, (constraint: string) => string> = {
  postgres: (constraint) => `ALTER TABLE gam_inventory ADD ${constraint || ''}CHECK (length(inventory_type) <= 20);\n`,
  sqlite: (constraint) => `-- lockstep:foreign-keys-off
CREATE TABLE gam_inventory_new (id integer PRIMARY KEY, inventory_type varchar(20) NOT NULL, ${constraint}CHECK (length(inventory_type) <= 20));
INSERT INTO gam_inventory_new (id, inventory_type) SELECT id, inventory_type FROM gam_inventory;
DROP TABLE gam_inventory;
ALTER TABLE gam_inventory_new RENAME TO gam_inventory;
`,
};

for (const dialect of DIALECTS) {
  describe(`rehearse (${dialect})`, () => {
    let t: TestDatabase;
    const folders: string[] = [];
    before(async () => {
      t = await createTestDatabase(dialect);
      await seed(t.db, dialect);
    });
    after(async () => {
      await t.dispose();
      for (const f of folders) rmSync(f, { recursive: true, force: true });
    });

    const run = async (files: Record<string, string>) => {
      const dir = migrationsFolder(files);
      folders.push(dir);
      return rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(dir) });
    };

    test('narrowing below existing data: the rows that are too long, with examples', async () => {
      const before = await fingerprint(t.db, dialect);
      const report = await run({ '001_narrow_inventory_type': NARROWING[dialect], '002_after': 'CREATE TABLE later (id integer);\n' });
      assert.equal(report.ok, false);
      assert.deepEqual(report.steps.map((s) => s.status), ['failed', 'not-run']);
      assert.equal(report.steps[0].problems?.length, 1);
      assert.ok(
        report.steps[0].problems![0].startsWith("gam_inventory.inventory_type: 3 rows are longer than 20 characters (e.g. id=4 'mobile_app_interstitial', id=9 'video_preroll_companion', id=17 'ad_unit_placement_group')"),
        report.steps[0].problems![0],
      );
      if (dialect === 'postgres') assert.match(report.steps[0].error!.message, /value too long for type character varying\(20\)/);
      assert.deepEqual(await fingerprint(t.db, dialect), before);
    });

    test('a CHECK the data violates (SQLite: in the table rebuild\'s copying INSERT): the column, how many rows, examples', async () => {
      const before = await fingerprint(t.db, dialect);
      const expected = "gam_inventory.inventory_type: 3 rows violate CHECK (length(inventory_type) <= 20) (e.g. id=4 'mobile_app_interstitial', id=9 'video_preroll_companion', id=17 'ad_unit_placement_group')";
      const report = await run({ '001_short_inventory_type': CHECKED[dialect]('') });
      assert.deepEqual(report.steps.map((s) => s.status), ['failed']);
      assert.match(report.steps[0].error!.message, /check constraint/i);
      assert.deepEqual(report.steps[0].problems, [expected]);
      // A named constraint: SQLite's message gives only the name.
      const named = await run({ '001_short_inventory_type': CHECKED[dialect]('CONSTRAINT inventory_type_short ') });
      assert.deepEqual(named.steps[0].problems, [expected]);
      assert.deepEqual(await fingerprint(t.db, dialect), before);
    });

    test('NOT NULL without default on a populated table: how many rows would be NULL', async () => {
      const before = await fingerprint(t.db, dialect);
      const report = await run({ '001_job_serial': 'ALTER TABLE jobs ADD COLUMN job_serial bigint NOT NULL;\n' });
      assert.equal(report.ok, false);
      assert.equal(report.steps[0].status, 'failed');
      assert.deepEqual(report.steps[0].problems, ['jobs.job_serial: 1,204 existing rows would be NULL']);
      assert.match(report.steps[0].error!.location, /001_job_serial\/up\.sql:1$/);
      assert.deepEqual(await fingerprint(t.db, dialect), before);
    });

    test('unique over duplicate values: the duplicates with their counts', async () => {
      const before = await fingerprint(t.db, dialect);
      const report = await run({ '001_ok': "INSERT INTO events (message) VALUES ('from the rehearsal');\nCREATE INDEX users_email_idx ON users (email);\n", '002_unique_email': '\n\nCREATE UNIQUE INDEX users_email_key ON users (email);\n' });
      assert.deepEqual(report.steps.map((s) => s.status), ['ok', 'failed']);
      assert.deepEqual(report.steps[1].problems, ["users.email: 2 values occur more than once: 'a@example.com' (3 rows), 'b@example.com' (2 rows)"]);
      assert.match(report.steps[1].error!.location, /002_unique_email\/up\.sql:3$/);
      if (dialect === 'postgres') {
        assert.ok(report.steps[0].locks!.some((l) => l.relation === 'users' && l.mode === 'ShareLock'), JSON.stringify(report.steps[0].locks));
        assert.ok(report.steps[0].locks!.some((l) => l.relation === 'events' && l.mode === 'RowExclusiveLock'));
      }
      // The insert advanced the events sequence inside the rolled-back transaction: the row
      // is gone, the gap stays (a sequence is never rewound, see the concurrent test below).
      assert.deepEqual(await fingerprint(t.db, dialect), before);
    });

    test('a migration that applies cleanly is ok with its time; nothing stays behind', async () => {
      const before = await fingerprint(t.db, dialect);
      const report = await run({ '001_add_column': 'ALTER TABLE jobs ADD COLUMN priority integer NOT NULL DEFAULT 0;\n', '002_table': 'CREATE TABLE audit (id integer PRIMARY KEY);\n' });
      assert.equal(report.ok, true);
      assert.deepEqual(report.steps.map((s) => s.status), ['ok', 'ok']);
      assert.ok(report.steps.every((s) => typeof s.durationMs === 'number'));
      assert.deepEqual(await fingerprint(t.db, dialect), before);
    });
  });
}

describe('rehearse (postgres): no-transaction migrations and lock timeouts', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase('postgres');
    await seed(t.db, 'postgres');
  });
  after(() => t.dispose());

  test('sequences are never rewound: rows inserted by the application during a slow rehearsal keep their keys, later inserts get new ones', async () => {
    const dir = migrationsFolder({ '001_slow': "INSERT INTO events (message) VALUES ('from the rehearsal');\nSELECT pg_sleep(1.5);\n" });
    const app = await connect(t.url);
    try {
      const positions = await sequencePositions(t.db);
      const rehearsal = rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(dir) });
      // Wait until the rehearsal is inside its slow statement, then write as the application would.
      await waitFor(async () => (await app.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.5)%' AND state = 'active'")).rows.length > 0);
      await app.query("INSERT INTO events (message) VALUES ('written by the app during the rehearsal')");
      const report = await rehearsal;
      assert.equal(report.ok, true, JSON.stringify(report.steps));
      for (let i = 0; i < 3; i++) await app.query("INSERT INTO events (message) VALUES ('written by the app after the rehearsal')");
      const ids = (await app.query<{ id: string }>('SELECT id::text AS id FROM events ORDER BY id')).rows.map((r) => r.id);
      assert.equal(ids.length, 5);
      assert.equal(new Set(ids).size, 5);
      for (const [name, position] of await sequencePositions(t.db)) assert.ok(position >= (positions.get(name) ?? 0n), `${name} went back from ${positions.get(name)} to ${position}`);
    } finally {
      await app.query("DELETE FROM events WHERE message <> 'seeded'");
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a -- lockstep:no-transaction migration is reported not rehearsable and not run', async () => {
    const dir = migrationsFolder({ '001_concurrent': '-- lockstep:no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n' });
    try {
      const report = await rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(dir) });
      assert.equal(report.ok, true);
      assert.equal(report.steps[0].status, 'not-rehearsable');
      assert.match(report.steps[0].reason!, /outside a transaction/);
      const indexes = await t.db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'users'");
      assert.deepEqual(indexes.rows.map((r) => r.indexname), ['users_pkey']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a total time budget bounds how long the rehearsal holds its locks; each lock says how long it was held', async () => {
    const dir = migrationsFolder({
      '001_lock_jobs': 'LOCK TABLE jobs IN SHARE MODE;\nSELECT pg_sleep(0.2);\n',
      '002_slow': 'SELECT pg_sleep(20);\n',
      '003_later': 'CREATE TABLE later (id integer);\n',
    });
    const app = await connect(t.url);
    try {
      const started = performance.now();
      const report = await rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(dir), timeouts: { timeBudgetMs: 1500 } });
      const tookMs = performance.now() - started;
      assert.ok(tookMs < 10_000, `the budget did not stop the rehearsal: ${Math.round(tookMs)} ms`);
      assert.equal(report.ok, false);
      assert.deepEqual(report.steps.map((s) => s.status), ['ok', 'failed', 'not-run']);
      assert.match(report.steps[1].problems![0], /time budget \(1500 ms\)/);
      assert.match(report.steps[1].problems![0], /--time-budget/);
      // jobs was locked from migration 1 until the rollback: through migration 2, cut at the budget.
      const [lock] = report.steps[0].locks!.filter((l) => l.relation === 'jobs');
      assert.equal(lock.mode, 'ShareLock');
      const spanned = report.steps[0].durationMs + report.steps[1].durationMs;
      assert.ok(lock.heldMs! >= spanned && lock.heldMs! <= tookMs + 1, `jobs held ${lock.heldMs} ms, migrations 1-2 took ${spanned} ms, the rehearsal ${Math.round(tookMs)} ms`);
      assert.ok(report.steps[1].durationMs >= 500, `migration 2 ran ${report.steps[1].durationMs} ms before the budget cut it`);
      assert.ok(report.lockHeldMs! >= lock.heldMs!);
      // Released: the application can write again.
      await app.query("INSERT INTO jobs (id, name) VALUES (99999, 'after the rehearsal')");
      await app.query('DELETE FROM jobs WHERE id = 99999');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a lock held by another session fails within the lock timeout instead of waiting', async () => {
    const dir = migrationsFolder({ '001_alter': 'ALTER TABLE jobs ADD COLUMN note text;\n' });
    try {
      await t.db.withConnection(async (other) => {
        await other.exec('BEGIN');
        await other.exec('LOCK TABLE jobs IN ACCESS SHARE MODE');
        try {
          const started = Date.now();
          const report = await rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(dir), timeouts: { lockTimeoutMs: 300 } });
          assert.ok(Date.now() - started < 10_000);
          assert.equal(report.steps[0].status, 'failed');
          assert.match(report.steps[0].problems![0], /could not take a lock within the lock timeout \(300 ms\)/);
        } finally {
          await other.exec('ROLLBACK');
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
