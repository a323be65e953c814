import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { introspectSqlite } from '../../src/dialects/sqlite/sqlite-introspector.js';
import { sqliteDialect } from '../../src/dialects/sqlite/sqlite-dialect.js';
import { withFixes } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import { createTestDatabase } from '../helpers/databases.js';
import { FIXTURES_DIR } from '../helpers/fixture-schemas.js';

describe('SQLite fixes: one rebuild per table', () => {
  test('the jobs fixture: one rebuild for each table, the other changes point at it, and running the fixes in order leaves nothing to fix', async () => {
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite');
    try {
      await expectedDb.db.exec(readFileSync(`${FIXTURES_DIR}jobs/sqlite.sql`, 'utf8'));
      await t.db.exec(readFileSync(`${FIXTURES_DIR}jobs/sqlite-init.sql`, 'utf8'));
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      for (const table of ['jobs', 'job_executions', 'job_execution_branches']) {
        const fixes = changes.filter((c) => c.table === table).map((c) => c.fix);
        assert.ok(fixes.length >= 3, `${table} has several changes`);
        assert.equal(fixes.filter((f) => f?.includes(`CREATE TABLE "_lockstep_new_${table}"`)).length, 1, `one rebuild of ${table}`);
        assert.match(fixes[0]!, new RegExp(`^-- rebuild "${table}" for its ${fixes.length} changes`), 'on the first change of the table');
        assert.deepEqual(fixes.slice(1), fixes.slice(1).map(() => `-- done by the rebuild of "${table}" above`));
      }
      for (const change of changes) await t.db.exec(change.fix!);
      assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes.map((c) => c.message), []);
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });

  test('a rebuilt parent keeps its children: ON DELETE CASCADE does not fire, foreign keys are on again after', async () => {
    const before = `
      create table teams (id integer primary key, name varchar(20) not null);
      create table players (id integer primary key, team_id integer not null references teams (id) on delete cascade, name text);
      create index players_team on players (team_id);`;
    const after = before
      .replace('name varchar(20) not null)', "name varchar(40) not null, founded integer not null default 1900, check (length(name) > 0))")
      .concat('create index teams_name on teams (name);');
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite');
    try {
      await expectedDb.db.exec(after);
      await t.db.exec(before);
      await t.db.exec("insert into teams values (1, 'red'), (2, 'blue'); insert into players values (1, 1, 'ann'), (2, 1, 'bo'), (3, 2, 'cy')");
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      assert.deepEqual(changes.map((c) => c.kind).sort(), ['check.missing', 'column.missing', 'column.type', 'index.missing']);
      // ADD COLUMN alone could add `founded`, but the table is rebuilt anyway: that covers it.
      assert.equal(changes.filter((c) => c.fix!.includes('CREATE TABLE "_lockstep_new_teams"')).length, 1);
      assert.equal(changes.filter((c) => c.fix === '-- done by the rebuild of "teams" above').length, 3);

      for (const change of changes) await t.db.exec(change.fix!);
      assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes.map((c) => c.message), []);
      const players = await t.db.query<{ id: number; team_id: number }>('select id, team_id from players order by id');
      assert.deepEqual(players.rows.map((r) => [r.id, r.team_id]), [[1, 1], [2, 1], [3, 2]], 'no child row was cascaded away');
      const teams = await t.db.query<{ name: string; founded: number }>('select name, founded from teams order by id');
      assert.deepEqual(teams.rows.map((r) => [r.name, r.founded]), [['red', 1900], ['blue', 1900]]);
      assert.equal((await t.db.query<{ foreign_keys: number }>('PRAGMA foreign_keys')).rows[0]!.foreign_keys, 1);
      await t.db.exec('delete from teams where id = 1');
      assert.equal((await t.db.query('select * from players')).rowCount, 1, 'the cascade still works after the rebuild');
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });

  test('a table whose changes ALTER TABLE can make gets no rebuild', async () => {
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite', { memory: true });
    try {
      await expectedDb.db.exec('create table notes (id integer primary key, body text, tag text)');
      await t.db.exec('create table notes (id integer primary key, body text, old text)');
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      assert.deepEqual(changes.map((c) => c.fix), [
        'ALTER TABLE "notes" ADD COLUMN "tag" text',
        '-- WARNING: data loss: drops column "notes"."old" and its values\nALTER TABLE "notes" DROP COLUMN "old";',
      ]);
      assert.deepEqual(changes.map((c) => c.destructive ?? false), [false, true], 'dropping a column that may hold values is destructive');
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });

  test('the fixes are listed in the order they run: children dropped before parents, columns before the views that read them, triggers last', async () => {
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite');
    try {
      await expectedDb.db.exec(`
        create table zz (id integer primary key, keep text, newcol text);
        create view a_view as select newcol from zz;
        create trigger a_view_insert instead of insert on a_view begin insert into zz (newcol) values (new.newcol); end;`);
      await t.db.exec(`
        create table a_parent (id integer primary key);
        create table b_child (id integer primary key, parent_id integer references a_parent (id));
        insert into a_parent values (1); insert into b_child values (1, 1);
        create table zz (id integer primary key, old text, keep text);`);
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      // Sorted by name, a_parent's DROP would fail on b_child's row (foreign keys are on), and
      // a_view would exist before zz.newcol, failing the DROP COLUMN that re-checks views.
      assert.deepEqual(changes.map((c) => `${c.kind} ${c.table}`), ['table.extra b_child', 'table.extra a_parent', 'column.missing zz', 'column.extra zz', 'view.missing a_view']);
      assert.deepEqual(changes.map((c) => c.destructive ?? false), [true, true, false, true, false]);
      assert.match(changes[0].fix!, /^-- WARNING: data loss: drops table "b_child" and every row in it\n/);
      assert.match(changes[4].fix!, /CREATE TRIGGER a_view_insert instead of insert on a_view/i, 'the view comes with its INSTEAD OF trigger');
      for (const change of changes) await t.db.exec(change.fix!);
      assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes.map((c) => c.message), []);
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });

  test('a rebuild that loses a column says so on its first line and is destructive; a generated column turned plain keeps its values', async () => {
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite');
    try {
      await expectedDb.db.exec('create table items (id integer primary key, price integer not null, total integer, sku text collate nocase)');
      await t.db.exec(`create table items (id integer primary key, price integer, total integer generated always as (price * 2) stored, legacy text, sku text,
        unique (legacy)); insert into items (id, price, legacy) values (1, 10, 'x')`);
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      assert.deepEqual(changes.map((c) => c.kind).sort(), ['column.collation', 'column.default', 'column.extra', 'column.nullable', 'unique.extra']);
      const rebuild = changes.find((c) => c.fix?.includes('CREATE TABLE "_lockstep_new_items"'))!;
      assert.match(rebuild.fix!, /^-- WARNING: data loss: the values of "items"\."legacy" are not kept\n-- rebuild "items"/);
      assert.equal(rebuild.destructive, true);
      assert.deepEqual(changes.filter((c) => c.destructive).length, 1, 'the changes the rebuild covers are not marked again');
      for (const change of changes) await t.db.exec(change.fix!);
      assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes.map((c) => c.message), []);
      assert.deepEqual((await t.db.query('select id, price, total from items')).rows, [{ id: 1, price: 10, total: 20 }], 'the generated values were copied into the plain column');
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });

  test('a dropped external-content FTS5 table comes back as FTS5 (no plain shadow tables) and indexes the rows already in its content table', async () => {
    const ddl = `create table film (film_id integer primary key, title text not null);
      create virtual table film_text using fts5(title, content = 'film', content_rowid = 'film_id');`;
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite');
    try {
      await expectedDb.db.exec(ddl);
      await t.db.exec(ddl);
      await t.db.exec("insert into film values (1, 'academy dinosaur'), (2, 'ace goldfinger'); drop table film_text");
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      assert.deepEqual(changes.map((c) => [c.kind, c.fix]), [
        ['virtual-table.missing', `CREATE VIRTUAL TABLE "film_text" USING fts5(title, content = 'film', content_rowid = 'film_id');\nINSERT INTO "film_text" ("film_text") VALUES ('rebuild');`],
      ]);
      await t.db.exec(changes[0].fix!);
      assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes, []);
      const found = await t.db.query<{ film_id: number }>("select rowid as film_id from film_text where film_text match 'goldfinger'");
      assert.deepEqual(found.rows, [{ film_id: 2 }]);
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });

  test('a column that a view still reads is dropped by a rebuild, since DROP COLUMN would fail on the old view', async () => {
    const expectedDb = await createTestDatabase('sqlite', { memory: true });
    const t = await createTestDatabase('sqlite');
    try {
      await expectedDb.db.exec('create table t (id integer primary key, keep text); create view v as select id, keep from t;');
      await t.db.exec("create table t (id integer primary key, keep text, legacy text); create view v as select id, legacy from t; insert into t values (1, 'k', 'l')");
      const expected = await introspectSqlite(expectedDb.db);
      const actual = await introspectSqlite(t.db);
      const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
      assert.deepEqual(changes.map((c) => c.kind), ['column.extra', 'view.definition']);
      assert.match(changes[0].fix!, /^-- WARNING: data loss: the values of "t"\."legacy" are not kept\n-- rebuild "t"/);
      for (const change of changes) await t.db.exec(change.fix!);
      assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes.map((c) => c.message), []);
      assert.deepEqual((await t.db.query('select * from v')).rows, [{ id: 1, keep: 'k' }]);
      // The plan (diff --sql) drops the changed view before it drops the column.
      const other = await createTestDatabase('sqlite', { memory: true });
      try {
        await other.db.exec("create table t (id integer primary key, keep text, legacy text); create view v as select id, legacy from t");
        for (const statement of sqliteDialect.planMigration(actual, expected).statements) await other.db.exec(statement);
        assert.deepEqual(diffSchemas(expected, await introspectSqlite(other.db)).changes.map((c) => c.message), []);
      } finally {
        await other.dispose();
      }
    } finally {
      await expectedDb.dispose();
      await t.dispose();
    }
  });
});
