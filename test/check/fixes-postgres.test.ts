import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixForPostgres } from '../../src/check/fixes/postgres.js';
import { postgresDialect } from '../../src/dialects/postgres/postgres-dialect.js';
import { introspectPostgres } from '../../src/dialects/postgres/postgres-introspector.js';
import { withFixes } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { ChangeKind } from '../../src/core/schema-change.js';
import { createTestDatabase } from '../helpers/databases.js';

const BASE = `
create type mood as enum ('sad', 'ok');
create table org (id int primary key, name varchar(100) not null unique);
create table person (
  id int primary key,
  org_id int references org (id) on delete cascade,
  email varchar(200) not null,
  status text default 'new',
  age int check (age > 0),
  feeling mood default 'ok',
  constraint person_email_key unique (email)
);
create index person_status_idx on person (status);
create index person_org_idx on person (org_id, id desc);
create table audit (id int primary key, person_id int references person (id));
create view adults as select id, email from person where age >= 18;
`;

/**
 * Builds BASE twice, perturbs the second copy, and checks that the diff reports exactly
 * the expected kinds and that running every change's fix makes the diff empty.
 */
async function fixesRepair(perturb: string, kinds: ChangeKind[]): Promise<string[]> {
  const expectedDb = await createTestDatabase('postgres');
  const actualDb = await createTestDatabase('postgres');
  try {
    await expectedDb.db.exec(BASE);
    await actualDb.db.exec(BASE);
    await actualDb.db.exec(perturb);
    const expected = await introspectPostgres(expectedDb.db);
    const actual = await introspectPostgres(actualDb.db);
    const diff = diffSchemas(expected, actual);
    assert.deepEqual(diff.changes.map((c) => c.kind).sort(), [...kinds].sort());
    const fixes = diff.changes.map((change) => {
      const fix = fixForPostgres(change, expected, actual);
      assert.ok(fix, `no fix for ${change.kind}: ${change.message}`);
      return fix;
    });
    // Fixes are applied most-structural first, as a user following `check` output would.
    const rank = (sql: string) => (/^(CREATE TYPE|ALTER TYPE)/.test(sql) ? 0 : /^CREATE TABLE/.test(sql) ? 1 : /^(DROP VIEW|CREATE VIEW|CREATE OR REPLACE)/.test(sql) ? 3 : 2);
    for (const fix of [...fixes].sort((a, b) => rank(a) - rank(b))) await actualDb.db.exec(fix);
    const after = diffSchemas(expected, await introspectPostgres(actualDb.db));
    assert.deepEqual(after.changes.map((c) => c.message), [], fixes.join('\n'));
    return fixes;
  } finally {
    await expectedDb.dispose();
    await actualDb.dispose();
  }
}

describe('fixForPostgres: each fix repairs its change on a real server', () => {
  test('columns: missing, extra, type, nullable, default', async () => {
    const fixes = await fixesRepair(
      `alter table person drop column age cascade;
       alter table person add column nickname text;
       alter table person alter column email type varchar(100);
       alter table org alter column name drop not null;
       alter table person alter column status set default 'old';`,
      ['column.missing', 'check.missing', 'column.extra', 'column.type', 'column.nullable', 'column.default', 'view.missing'],
    );
    assert.ok(fixes.includes('ALTER TABLE "org" ALTER COLUMN "name" SET NOT NULL;'));
    assert.ok(fixes.includes('ALTER TABLE "person" DROP COLUMN "nickname";'));
  });

  test('keys: primary key, foreign keys, uniques, checks, indexes', async () => {
    await fixesRepair(
      `alter table audit drop constraint audit_pkey;
       alter table audit drop constraint audit_person_id_fkey;
       alter table audit add constraint audit_self_fk foreign key (id) references org (id);
       alter table person drop constraint person_org_id_fkey, add constraint person_org_id_fkey foreign key (org_id) references org (id) on delete set null;
       alter table person drop constraint person_email_key;
       alter table person add constraint person_status_key unique (status);
       alter table person drop constraint person_age_check;
       alter table person add constraint person_status_check check (status <> '');
       drop index person_status_idx;
       create index person_extra_idx on person (email);
       drop index person_org_idx; create index person_org_idx on person (org_id);`,
      ['pk.mismatch', 'fk.missing', 'fk.extra', 'fk.mismatch', 'unique.missing', 'unique.extra', 'check.missing', 'check.extra', 'index.missing', 'index.extra', 'index.mismatch'],
    );
  });

  test('tables, enums and views', async () => {
    await fixesRepair(
      `drop table audit;
       create table extra_table (id int);
       alter type mood add value 'glad';
       create type unused as enum ('x');
       drop view adults;
       create view adults as select id from person;
       create view stray as select 1 as one;`,
      ['table.missing', 'table.extra', 'enum.values', 'enum.extra', 'view.definition', 'view.extra'],
    );
  });

  test('identity and generated columns are fixed through their default', async () => {
    const fixes = await fixesRepair(
      `alter table person alter column id add generated by default as identity;
       alter table org alter column id add generated always as identity;`,
      ['column.default', 'column.default'],
    );
    assert.ok(fixes.includes('ALTER TABLE "person" ALTER COLUMN "id" DROP IDENTITY;'));
  });
});

/**
 * Builds `schema` with `rows`, reads it as the expected schema, perturbs it, then runs
 * every fix `check` would print, in order, on the same database. Returns the fixes and
 * the database (still open) so the caller can look at the data.
 */
async function repairInPlace(schema: string, rows: string, perturb: string, kinds: ChangeKind[]) {
  const t = await createTestDatabase('postgres');
  try {
    await t.db.exec(schema);
    await t.db.exec(rows);
    const expected = await introspectPostgres(t.db);
    await t.db.exec(perturb);
    const actual = await introspectPostgres(t.db);
    const changes = withFixes(postgresDialect, diffSchemas(expected, actual).changes, expected, actual);
    assert.deepEqual(changes.map((c) => c.kind), kinds);
    for (const change of changes) {
      assert.ok(change.fix, `a fix for ${change.message}`);
      await t.db.exec(change.fix);
    }
    assert.deepEqual(diffSchemas(expected, await introspectPostgres(t.db)).changes.map((c) => c.message), [], changes.map((c) => c.fix).join('\n'));
    return { fixes: changes.map((c) => c.fix!), t };
  } catch (error) {
    await t.dispose();
    throw error;
  }
}

describe('fixForPostgres: what blocks a change is moved out of the way', () => {
  test('an enum value to remove, on a type that views, a partial index and a check read', async () => {
    const { fixes, t } = await repairInPlace(
      `create type state as enum ('new', 'done');
       create table task (id int primary key, state state not null default 'new', title text,
         constraint task_state_check check (state <> 'done' or title is not null));
       create index task_open_idx on task (id) where state <> 'done';
       create view open_task as select id, title from task where state = 'new';
       create view open_count as select count(*) as n from open_task;`,
      `insert into task values (1, 'new', 'a'), (2, 'done', 'b');`,
      `alter type state add value 'stale'`,
      ['enum.values'],
    );
    try {
      const fix = fixes[0]!.split('\n');
      assert.match(fix[0]!, /^-- PostgreSQL cannot remove or reorder enum values: "state" is recreated, and "task\.state" converted/);
      // Dependents first on the way down, dependencies first on the way up.
      assert.deepEqual(fix.filter((l) => /VIEW/.test(l)).map((l) => l.split(' AS ')[0]), [
        'DROP VIEW "open_count";',
        'DROP VIEW "open_task";',
        'CREATE VIEW "open_task"',
        'CREATE VIEW "open_count"',
      ]);
      assert.ok(fix.includes('DROP INDEX "task_open_idx";'));
      assert.ok(fix.includes('ALTER TABLE "task" DROP CONSTRAINT "task_state_check";'));
      const { rows } = await t.db.query<{ n: string }>('select n from open_count');
      assert.equal(Number(rows[0]!.n), 1, 'the rows and the views survive the recreate');
    } finally {
      await t.dispose();
    }
  });

  test('a primary key that other tables reference: their foreign keys are dropped and added back, rows kept', async () => {
    const { fixes, t } = await repairInPlace(
      `create table region (area text not null, code text not null, name text, primary key (area, code));
       create table shop (id int primary key, area text, code text,
         constraint shop_region_fk foreign key (area, code) references region (area, code) on delete cascade);`,
      `insert into region values ('eu', 'se', 'Sweden'); insert into shop values (1, 'eu', 'se');`,
      `alter table shop drop constraint shop_region_fk;
       alter table region drop constraint region_pkey, add primary key (code, area);
       alter table shop add constraint shop_region_fk foreign key (area, code) references region (area, code) on delete cascade;`,
      ['pk.mismatch'],
    );
    try {
      assert.deepEqual(fixes[0]!.split('\n').slice(1), [
        'ALTER TABLE "shop" DROP CONSTRAINT "shop_region_fk";',
        'ALTER TABLE "region" DROP CONSTRAINT "region_pkey";',
        'ALTER TABLE "region" ADD CONSTRAINT "region_pkey" PRIMARY KEY ("area", "code");',
        'ALTER TABLE "shop" ADD CONSTRAINT "shop_region_fk" FOREIGN KEY ("area", "code") REFERENCES "region" ("area", "code") ON DELETE CASCADE;',
      ]);
      assert.equal((await t.db.query('select * from shop')).rowCount, 1);
      await t.db.exec("delete from region where code = 'se'");
      assert.equal((await t.db.query('select * from shop')).rowCount, 0, 'the foreign key is back, with its ON DELETE CASCADE');
    } finally {
      await t.dispose();
    }
  });

  test('an identity added over existing rows continues after the largest value, the column kept', async () => {
    const { fixes, t } = await repairInPlace(
      `create table note (id int generated always as identity primary key, body text);`,
      `insert into note (body) values ('a'), ('b');`,
      `alter table note alter column id drop identity; insert into note (id, body) values (40, 'c');`,
      ['column.default'],
    );
    try {
      assert.doesNotMatch(fixes[0]!, /DROP COLUMN/, 'no data-losing rebuild of the column');
      assert.match(fixes[0]!, /ADD GENERATED ALWAYS AS IDENTITY/);
      await t.db.exec("insert into note (body) values ('d')");
      const { rows } = await t.db.query<{ id: number; body: string }>('select id, body from note order by id');
      assert.deepEqual(rows.map((r) => [r.id, r.body]), [[1, 'a'], [2, 'b'], [40, 'c'], [41, 'd']]);
    } finally {
      await t.dispose();
    }
  });

  test('an identity removed: DROP IDENTITY keeps the values', async () => {
    const { fixes, t } = await repairInPlace(
      `create table note (id int primary key, body text);`,
      `insert into note values (7, 'a');`,
      `alter table note alter column id add generated by default as identity;`,
      ['column.default'],
    );
    try {
      assert.deepEqual(fixes, ['ALTER TABLE "note" ALTER COLUMN "id" DROP IDENTITY;']);
      assert.equal((await t.db.query<{ id: number }>('select id from note')).rows[0]!.id, 7);
    } finally {
      await t.dispose();
    }
  });

  test('a new generation expression: drop and add, announced by a leading comment; views and indexes on it come back', async () => {
    const { fixes, t } = await repairInPlace(
      `create table line (qty int not null, price numeric not null, total numeric generated always as (qty * price) stored);
       create index line_total_idx on line (total);
       create view big_lines as select qty, total from line where total > 100;`,
      `insert into line (qty, price) values (3, 50);`,
      `drop view big_lines; alter table line drop column total, add column total numeric generated always as (qty * price * 2) stored;
       create index line_total_idx on line (total);
       create view big_lines as select qty, total from line where total > 100;`,
      ['column.default'],
    );
    try {
      const lines = fixes[0]!.split('\n');
      assert.match(lines[0]!, /^-- PostgreSQL 15 cannot change a generation expression: .* recomputes every row .* no data is lost\)$/);
      assert.ok(lines.includes('DROP VIEW "big_lines";'));
      assert.ok(lines.includes('CREATE INDEX "line_total_idx" ON "line" ("total");'));
      assert.deepEqual((await t.db.query<{ total: string }>('select total from big_lines')).rows.map((r) => Number(r.total)), [150]);
    } finally {
      await t.dispose();
    }
  });

  test('a materialized view recreated for a retyped column, whose index also differs: the index is made once', async () => {
    const { fixes, t } = await repairInPlace(
      `create table sale (id int primary key, region varchar(20) not null, amount int not null);
       create materialized view sales_by_region as select region, sum(amount) as total from sale group by region;
       create unique index sales_by_region_key on sales_by_region (region);`,
      `insert into sale values (1, 'north', 10), (2, 'south', 5), (3, 'north', 2);`,
      `drop materialized view sales_by_region; alter table sale alter column region type varchar(10);
       create materialized view sales_by_region as select region, sum(amount) as total from sale group by region;`,
      ['column.type', 'index.missing'],
    );
    try {
      assert.equal(fixes.join('\n').match(/CREATE UNIQUE INDEX (IF NOT EXISTS )?"sales_by_region_key"/g)?.length, 2, 'both fixes name it; the second is a no-op');
      assert.deepEqual((await t.db.query<{ region: string; total: string }>('select region, total from sales_by_region order by region')).rows.map((r) => [r.region, Number(r.total)]), [['north', 12], ['south', 5]]);
    } finally {
      await t.dispose();
    }
  });
});

describe('a table repartitioned by its fix or plan (table.partitioning)', () => {
  const table = (partitioned: boolean) => `
create table customers (id int primary key);
create table orders (
  id bigint generated always as identity,
  placed date not null,
  customer_id int references customers,
  primary key (id, placed)
)${partitioned ? ' partition by range (placed)' : ''};
${partitioned ? "create table orders_2025 partition of orders for values from ('2025-01-01') to ('2026-01-01'); create table orders_rest partition of orders default;" : ''}
create table shipments (id int primary key, order_id bigint, order_placed date, foreign key (order_id, order_placed) references orders (id, placed));
create view recent_orders as select id, placed from orders where placed > '2025-06-01';
create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger orders_touch before insert on orders for each row execute function touch();
`;
  const ROWS = "insert into customers values (1); insert into orders (placed, customer_id) values ('2025-03-01', 1), ('2027-01-01', 1); insert into shipments values (1, 2, '2027-01-01')";

  for (const via of ['fix', 'plan'] as const) {
    test(`referenced by a foreign key, read by a view, with a trigger and identity: the ${via} converges and keeps the rows`, async () => {
      const expectedDb = await createTestDatabase('postgres');
      const live = await createTestDatabase('postgres');
      try {
        await expectedDb.db.exec(table(true));
        await live.db.exec(table(false));
        await live.db.exec(ROWS);
        const expected = await introspectPostgres(expectedDb.db);
        const actual = await introspectPostgres(live.db);
        const changes = withFixes(postgresDialect, diffSchemas(expected, actual).changes, expected, actual);
        assert.deepEqual(changes.map((c) => [c.kind, c.table, c.destructive]), [['table.partitioning', 'orders', true]]);
        const sql = via === 'fix' ? changes[0]!.fix! : postgresDialect.planMigration(actual, expected).statements.join('\n');
        assert.match(sql, /^-- WARNING: data loss: PostgreSQL cannot change the partitioning of "orders" in place/m);
        await live.db.exec(sql);
        assert.deepEqual(diffSchemas(expected, await introspectPostgres(live.db)).changes.map((c) => c.message), [], sql);
        const { rows } = await live.db.query<{ id: string; part: string }>('select id::text, tableoid::regclass::text as part from orders order by id');
        assert.deepEqual(rows, [{ id: '1', part: 'orders_2025' }, { id: '2', part: 'orders_rest' }]);
        const next = await live.db.query<{ id: string }>("insert into orders (placed, customer_id) values ('2025-04-01', 1) returning id::text");
        assert.equal(next.rows[0]!.id, '3', 'the identity continues after the copied rows');
        assert.equal((await live.db.query('select 1 from shipments')).rows.length, 1);
        assert.equal((await live.db.query("select 1 from pg_tables where tablename = 'orders_lockstep_rows'")).rows.length, 0, 'the holding table is gone');
      } finally {
        await expectedDb.dispose();
        await live.dispose();
      }
    });
  }

  test('the other changes of a repartitioned table are done by its re-creation, and a column only the live table has is named as lost', async () => {
    const expectedDb = await createTestDatabase('postgres');
    const live = await createTestDatabase('postgres');
    try {
      await expectedDb.db.exec(table(true));
      await live.db.exec(table(false));
      await live.db.exec("alter table orders add column note text; create index orders_placed_idx on orders (placed); alter table orders alter column customer_id set not null");
      await live.db.exec(ROWS);
      const expected = await introspectPostgres(expectedDb.db);
      const actual = await introspectPostgres(live.db);
      const changes = withFixes(postgresDialect, diffSchemas(expected, actual).changes, expected, actual);
      assert.deepEqual(changes.map((c) => c.kind).sort(), ['column.extra', 'column.nullable', 'index.extra', 'table.partitioning']);
      for (const c of changes.filter((x) => x.kind !== 'table.partitioning')) assert.match(c.fix!, /^-- done by the re-creation of "orders" \(the fix of its table\.partitioning change\)$/);
      const repartition = changes.find((c) => c.kind === 'table.partitioning')!;
      assert.match(repartition.fix!, /the values of "orders\.note" are not kept \(not in the expected table\)/);
      const plan = postgresDialect.planMigration(actual, expected);
      assert.deepEqual(plan.unsupported, []);
      for (const c of changes) await live.db.exec(c.fix!);
      assert.deepEqual(diffSchemas(expected, await introspectPostgres(live.db)).changes.map((c) => c.message), []);
      assert.equal((await live.db.query('select 1 from orders')).rows.length, 2);
      // The plan (diff --sql) from the same database, on a copy of it.
      const other = await createTestDatabase('postgres');
      try {
        await other.db.exec(table(false));
        await other.db.exec("alter table orders add column note text; create index orders_placed_idx on orders (placed); alter table orders alter column customer_id set not null");
        await other.db.exec(ROWS);
        await other.db.exec(plan.statements.join('\n'));
        assert.deepEqual(diffSchemas(expected, await introspectPostgres(other.db)).changes.map((c) => c.message), [], plan.statements.join('\n'));
        assert.equal((await other.db.query('select 1 from orders')).rows.length, 2);
      } finally {
        await other.dispose();
      }
    } finally {
      await expectedDb.dispose();
      await live.dispose();
    }
  });

  test('a row that no partition takes stops the fix: as one script nothing changes; statement by statement the rows stay in the holding table', async () => {
    const expectedDb = await createTestDatabase('postgres');
    const live = await createTestDatabase('postgres');
    try {
      await expectedDb.db.exec(table(true).replace(' create table orders_rest partition of orders default;', ''));
      await live.db.exec(table(false));
      await live.db.exec(ROWS.replace(", ('2027-01-01', 1)", '').replace('; insert into shipments values (1, 2, \'2027-01-01\')', '') + "; insert into orders (placed, customer_id) values ('2030-01-01', 1)");
      const expected = await introspectPostgres(expectedDb.db);
      const actual = await introspectPostgres(live.db);
      const [change] = withFixes(postgresDialect, diffSchemas(expected, actual).changes, expected, actual);
      await assert.rejects(live.db.exec(change!.fix!), /no partition of relation "orders" found for row/);
      const untouched = await live.db.query<{ placed: string }>('select placed::text from orders order by placed');
      assert.deepEqual(untouched.rows.map((r) => r.placed), ['2025-03-01', '2030-01-01'], 'one script is one transaction: rolled back');
      // As psql runs a file (each statement on its own): the copy back fails, the holding table keeps the rows.
      const statements = change!.fix!.split(/;\n/).map((x) => (x.endsWith(';') ? x : `${x};`));
      let failed: unknown;
      for (const statement of statements) {
        try {
          await live.db.exec(statement);
        } catch (error) {
          failed = error;
          break;
        }
      }
      assert.match(String(failed), /no partition of relation "orders" found for row/);
      const kept = await live.db.query<{ placed: string }>('select placed::text from orders_lockstep_rows order by placed');
      assert.deepEqual(kept.rows.map((r) => r.placed), ['2025-03-01', '2030-01-01']);
    } finally {
      await expectedDb.dispose();
      await live.dispose();
    }
  });
});
