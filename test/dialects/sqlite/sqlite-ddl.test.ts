import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Database } from '../../../src/dialects/database.js';
import type { RenameHint } from '../../../src/dialects/dialect.js';
import { planSqliteMigration } from '../../../src/dialects/sqlite/sqlite-ddl.js';
import { sqliteFixFor } from '../../../src/check/fixes/sqlite.js';
import { introspectSqlite } from '../../../src/dialects/sqlite/sqlite-introspector.js';
import { createSqliteScratch } from '../../../src/dialects/sqlite/sqlite-scratch.js';
import type { MigrationPlan } from '../../../src/dialects/dialect.js';
import type { Schema } from '../../../src/core/model.js';
import type { SchemaChange } from '../../../src/core/schema-change.js';
import { createTestDatabase } from '../../helpers/databases.js';

async function introspect(sql: string): Promise<Schema> {
  const scratch = await createSqliteScratch();
  try {
    await scratch.db.exec(sql);
    return await introspectSqlite(scratch.db);
  } finally {
    await scratch.dispose();
  }
}

/** Runs a plan the way the migration runner does: foreign keys off outside one transaction. */
async function applyPlan(db: Database, plan: MigrationPlan): Promise<void> {
  assert.deepEqual(plan.unsupported, []);
  if (plan.requiresForeignKeysOff) await db.exec('PRAGMA foreign_keys=OFF');
  try {
    await db.transaction(async (tx) => {
      for (const statement of plan.statements) await tx.exec(statement);
    });
  } finally {
    if (plan.requiresForeignKeysOff) await db.exec('PRAGMA foreign_keys=ON');
  }
}

/**
 * Applies `fromSql` to a real file, plans `from → to`, runs the plan, and checks that the
 * database now introspects exactly as `toSql` does. Returns the plan for further checks.
 */
async function roundTrip(fromSql: string, toSql: string, options: { renames?: RenameHint[]; data?: string; after?: (db: Database) => Promise<void> } = {}) {
  const to = await introspect(toSql);
  const t = await createTestDatabase('sqlite');
  try {
    await t.db.exec(fromSql);
    if (options.data) await t.db.exec(options.data);
    const plan = planSqliteMigration(await introspectSqlite(t.db), to, { renames: options.renames });
    await applyPlan(t.db, plan);
    assert.deepEqual(await introspectSqlite(t.db), to);
    await options.after?.(t.db);
    return plan;
  } finally {
    await t.dispose();
  }
}

const isRebuild = (plan: MigrationPlan) => plan.requiresForeignKeysOff === true && plan.statements.some((s) => s.startsWith('CREATE TABLE "_lockstep_new_'));

const BASE = `
  create table teams (id integer primary key, name text not null);
  create table players (
    id integer primary key,
    team_id integer references teams (id) on delete cascade,
    name varchar(20) not null,
    rating integer default 0,
    nickname text
  );
  create index players_name on players (name);`;

describe('planSqliteMigration round trips', () => {
  test('identical schemas plan nothing', async () => {
    const plan = await roundTrip(BASE, BASE);
    assert.deepEqual(plan.statements, []);
  });

  test('new table, index and view are created', async () => {
    const plan = await roundTrip(
      BASE,
      `${BASE} create table games (id integer primary key, home integer not null references teams (id), at text default current_timestamp, check (home > 0));
       create unique index games_home on games (home, at desc); create view team_names as select name from teams;`,
    );
    assert.equal(isRebuild(plan), false);
  });

  test('add a nullable column and a NOT NULL column with a constant default use ALTER TABLE', async () => {
    const plan = await roundTrip(
      BASE,
      BASE.replace('nickname text', "nickname text, joined text, active integer not null default 1, label text default 'x'"),
      { data: "insert into teams values (1, 'a'); insert into players (id, team_id, name) values (1, 1, 'p');" },
    );
    assert.equal(isRebuild(plan), false);
    assert.ok(plan.statements.every((s) => s.startsWith('ALTER TABLE "players" ADD COLUMN')));
  });

  test('drop a plain column uses DROP COLUMN; dropping an indexed column drops the index first', async () => {
    const plain = await roundTrip(BASE, BASE.replace(',\n    nickname text', ''));
    assert.deepEqual(plain.statements, ['-- WARNING: data loss: drops column "players"."nickname" and its values\nALTER TABLE "players" DROP COLUMN "nickname"']);
    const indexed = await roundTrip(BASE, BASE.replace('name varchar(20) not null,', '').replace('create index players_name on players (name);', ''));
    assert.deepEqual(indexed.statements, ['DROP INDEX "players_name"', '-- WARNING: data loss: drops column "players"."name" and its values\nALTER TABLE "players" DROP COLUMN "name"']);
  });

  test('type, nullability and default changes rebuild the table and keep its rows', async () => {
    const data = "insert into teams values (1, 'a'); insert into players values (1, 1, 'ann', 5, 'nick'), (2, null, 'bob', 7, null);";
    const rows = async (db: Database) => {
      const { rows } = await db.query('select id, team_id, name, rating, nickname from players order by id');
      assert.deepEqual(rows, [
        { id: 1, team_id: 1, name: 'ann', rating: 5, nickname: 'nick' },
        { id: 2, team_id: null, name: 'bob', rating: 7, nickname: null },
      ]);
    };
    assert.ok(isRebuild(await roundTrip(BASE, BASE.replace('name varchar(20)', 'name varchar(40)'), { data, after: rows })));
    assert.ok(isRebuild(await roundTrip(BASE, BASE.replace('rating integer default 0', 'rating integer not null default 0'), { data, after: rows })));
    assert.ok(isRebuild(await roundTrip(BASE, BASE.replace('rating integer default 0', 'rating integer default 10'), { data, after: rows })));
    assert.ok(isRebuild(await roundTrip(BASE, BASE.replace('name varchar(20) not null', 'name varchar(20)'), { data, after: rows })));
  });

  test('foreign key add and drop, unique, and check changes rebuild', async () => {
    for (const to of [
      BASE.replace(' references teams (id) on delete cascade', ''),
      BASE.replace('nickname text', 'nickname text references players (id)'),
      BASE.replace('on delete cascade', 'on delete set null'),
      BASE.replace('nickname text', 'nickname text unique'),
      BASE.replace('nickname text', 'nickname text, constraint rating_positive check (rating >= 0)'),
      BASE.replace('id integer primary key,\n    team_id', 'id integer,\n    team_id').replace('nickname text', 'nickname text, primary key (id, name)'),
    ]) {
      assert.ok(isRebuild(await roundTrip(BASE, to)), to);
    }
    // …and back again.
    assert.ok(isRebuild(await roundTrip(BASE.replace('nickname text', 'nickname text unique check (length(nickname) > 1)'), BASE)));
  });

  test('index added, dropped and changed', async () => {
    const plan = await roundTrip(
      BASE,
      BASE.replace('create index players_name on players (name);', 'create index players_name on players (name desc); create index players_rating on players (rating) where rating > 0;'),
    );
    assert.deepEqual(plan.statements, [
      'DROP INDEX "players_name"',
      'CREATE INDEX "players_name" ON "players" ("name" DESC)',
      'CREATE INDEX "players_rating" ON "players" ("rating") WHERE rating > 0',
    ]);
  });

  test('rename column and rename table from hints, keeping rows', async () => {
    const data = "insert into teams values (1, 'a'); insert into players (id, team_id, name) values (1, 1, 'p');";
    const column = await roundTrip(BASE, BASE.replace(/\bname varchar/, 'full_name varchar').replace('players (name)', 'players (full_name)'), {
      renames: [{ table: 'players', from: 'name', to: 'full_name' }],
      data,
      after: async (db) => assert.deepEqual((await db.query('select full_name from players')).rows, [{ full_name: 'p' }]),
    });
    assert.deepEqual(column.statements, ['ALTER TABLE "players" RENAME COLUMN "name" TO "full_name"']);
    const table = await roundTrip(BASE, BASE.replace(/teams/g, 'squads'), {
      renames: [{ table: 'teams', from: 'teams', to: 'squads', isTable: true }],
      data,
      after: async (db) => assert.deepEqual((await db.query('select name from squads')).rows, [{ name: 'a' }]),
    });
    assert.deepEqual(table.statements, ['ALTER TABLE "teams" RENAME TO "squads"']);

    // Both at once, with a view on the renamed table, and the column hint naming the old table.
    const withView = `${BASE} create view team_names as select name from teams;`;
    await roundTrip(withView, withView.replace(/teams/g, 'squads').replace('name text not null', 'title text not null').replace('select name', 'select title'), {
      renames: [
        { table: 'teams', from: 'teams', to: 'squads', isTable: true },
        { table: 'teams', from: 'name', to: 'title' },
      ],
      data,
      after: async (db) => assert.deepEqual((await db.query('select title from team_names')).rows, [{ title: 'a' }]),
    });

    const from = await introspect(BASE);
    assert.throws(() => planSqliteMigration(from, from, { renames: [{ table: 'players', from: 'nope', to: 'x' }] }), /cannot apply rename players\.nope=x: there is no column players\.nope/);
  });

  test('drop table and view', async () => {
    const plan = await roundTrip(`${BASE} create table extra (id integer primary key); create view v as select id from extra;`, BASE);
    assert.deepEqual(plan.statements, ['DROP VIEW "v"', '-- WARNING: data loss: drops table "extra" and every row in it\nDROP TABLE "extra"']);
  });

  test('a rebuild keeps every row, index, trigger and view of the rich fixture', async () => {
    const from = `
      create table parent (id integer primary key, name text);
      create table child (id integer primary key autoincrement, parent_id integer not null references parent (id) on delete cascade, v text);
      create table log (msg text);
      create index child_v on child (v);
      create trigger child_log after insert on child begin insert into log values ('child ' || new.id); end;
      create trigger parent_log after update on parent begin insert into log values ('parent; ' || new.id); end;
      create view parent_children as select p.name, c.v from parent p join child c on c.parent_id = p.id;`;
    await roundTrip(from, from.replace('v text)', "v text not null default '')"), {
      data: "insert into parent values (1, 'a'), (2, 'b'); insert into child (parent_id, v) values (1, 'x'), (2, 'y');",
      after: async (db) => {
        await db.exec("insert into child (parent_id, v) values (1, 'z'); update parent set name = 'c' where id = 2;");
        assert.deepEqual((await db.query('select msg from log order by rowid')).rows.map((r) => r.msg), ['child 1', 'child 2', 'child 3', 'parent; 2']);
        assert.equal((await db.query('select count(*) as n from parent_children')).rows[0]!.n, 3);
      },
    });
  });
});

describe('SQLite table rebuild and ON DELETE CASCADE', () => {
  const SCHEMA = `
    create table parent (id integer primary key, name text not null);
    create table child (id integer primary key, parent_id integer not null references parent (id) on delete cascade, note text);
    create table grandchild (id integer primary key, child_id integer references child (id) on delete cascade);`;
  const DATA = `
    insert into parent values (1, 'one'), (2, 'two'), (3, 'three');
    insert into child values (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c'), (13, 3, null);
    insert into grandchild values (100, 10), (101, 12);`;
  const snapshot = async (db: Database) => ({
    parent: (await db.query('select * from parent order by id')).rows,
    child: (await db.query('select * from child order by id')).rows,
    grandchild: (await db.query('select * from grandchild order by id')).rows,
  });

  test('rebuilding the parent (and the middle table) keeps every child row', async () => {
    const target = SCHEMA.replace('name text not null', 'name varchar(50) not null, added text').replace('note text', "note text default 'n'");
    const t = await createTestDatabase('sqlite');
    try {
      await t.db.exec(SCHEMA + DATA);
      const before = await snapshot(t.db);
      assert.deepEqual([before.parent.length, before.child.length, before.grandchild.length], [3, 4, 2]);
      const plan = planSqliteMigration(await introspectSqlite(t.db), await introspect(target));
      assert.ok(isRebuild(plan));
      assert.equal(plan.statements[0], 'PRAGMA foreign_keys=OFF');
      await applyPlan(t.db, plan);
      const after = await snapshot(t.db);
      assert.deepEqual(after.child, before.child);
      assert.deepEqual(after.grandchild, before.grandchild);
      assert.deepEqual(after.parent, before.parent.map((p) => ({ ...p, added: null })));
      // Foreign keys are back on and still enforced against the rebuilt parent.
      assert.deepEqual((await t.db.query('pragma foreign_keys')).rows, [{ foreign_keys: 1 }]);
      await t.db.exec('delete from parent where id = 1');
      assert.deepEqual((await t.db.query('select id from child order by id')).rows, [{ id: 12 }, { id: 13 }]);
      await assert.rejects(t.db.exec('insert into child values (99, 42, null)'), /FOREIGN KEY constraint failed/);
    } finally {
      await t.dispose();
    }
  });

  test('run inside a transaction with foreign keys still on, the rebuild refuses before dropping anything', async () => {
    const t = await createTestDatabase('sqlite');
    try {
      await t.db.exec(SCHEMA + DATA);
      const before = await snapshot(t.db);
      const plan = planSqliteMigration(await introspectSqlite(t.db), await introspect(SCHEMA.replace('name text not null', 'name text')));
      await assert.rejects(
        t.db.transaction(async (tx) => {
          for (const statement of plan.statements) await tx.exec(statement);
        }),
        /foreign keys must be OFF for this table rebuild/,
      );
      assert.deepEqual(await snapshot(t.db), before);
    } finally {
      await t.dispose();
    }
  });

  test('a rebuild that would orphan rows fails the foreign key check and changes nothing', async () => {
    const t = await createTestDatabase('sqlite');
    try {
      await t.db.exec(SCHEMA + DATA);
      const before = await snapshot(t.db);
      // grandchild.child_id now points at parent: rows 100 and 101 (child ids 10, 12) have no parent.
      const target = SCHEMA.replace('child_id integer references child (id)', 'child_id integer references parent (id)');
      const plan = planSqliteMigration(await introspectSqlite(t.db), await introspect(target));
      await t.db.exec('PRAGMA foreign_keys=OFF');
      await assert.rejects(
        t.db.transaction(async (tx) => {
          for (const statement of plan.statements) await tx.exec(statement);
        }),
        /the table rebuild left rows whose foreign key has no parent/,
      );
      await t.db.exec('PRAGMA foreign_keys=ON');
      assert.deepEqual(await snapshot(t.db), before);
    } finally {
      await t.dispose();
    }
  });
});

describe('sqliteFixFor', () => {
  const change = (kind: SchemaChange['kind'], extra: Partial<SchemaChange>): SchemaChange => ({ kind, table: 'players', expected: null, actual: null, message: '', ...extra });

  test('gives ALTER TABLE where it can and the rebuild script where it cannot; none for enums', async () => {
    const actual = await introspect(BASE);
    const expected = await introspect(BASE.replace('nickname text', 'nickname text, joined text').replace('name varchar(20)', 'name varchar(40)'));
    assert.equal(sqliteFixFor(change('column.missing', { column: 'joined' }), expected, actual), 'ALTER TABLE "players" ADD COLUMN "joined" text');
    const rebuild = sqliteFixFor(change('column.type', { column: 'name' }), expected, actual)!;
    assert.match(rebuild, /^-- rebuild "players": SQLite's ALTER TABLE cannot make this change; .*\nPRAGMA foreign_keys=OFF;\n/);
    assert.match(rebuild, /CREATE TABLE "_lockstep_new_players"/);
    assert.equal(sqliteFixFor(change('enum.values', { table: 'mood' }), expected, actual), undefined);
    assert.equal(sqliteFixFor(change('table.extra', { table: 'teams' }), expected, actual), '-- WARNING: data loss: drops table "teams" and every row in it\nDROP TABLE "teams";');

    // The rebuild script really fixes the database when run as a script.
    const t = await createTestDatabase('sqlite');
    try {
      await t.db.exec(BASE);
      await t.db.exec(rebuild);
      const fixed = (await introspectSqlite(t.db)).tables.find((x) => x.name === 'players')!;
      assert.equal(fixed.columns.find((c) => c.name === 'name')!.type, 'varchar(40)');
    } finally {
      await t.dispose();
    }
  });
});

describe('sqliteFixFor against the diff engine', () => {
  const EXPECTED = `${BASE}
    create table tags (id integer primary key, label text not null unique, check (length(label) > 0));
    create view player_names as select name from players;`;
  // Each perturbation of the live database gives one change; its fix must remove it.
  const PERTURBATIONS: Array<[string, string]> = [
    ['column.missing', 'alter table players drop column nickname'],
    ['column.extra', 'alter table players add column extra text'],
    ['column.type', BASE_REBUILD('name varchar(20) not null', 'name varchar(10) not null')],
    ['column.nullable', BASE_REBUILD('name varchar(20) not null', 'name varchar(20)')],
    ['column.default', BASE_REBUILD('rating integer default 0', 'rating integer default 5')],
    ['fk.missing', BASE_REBUILD(' references teams (id) on delete cascade', '')],
    ['index.missing', 'drop index players_name'],
    ['index.extra', 'create index players_rating on players (rating)'],
    ['table.missing', 'drop table tags'],
    ['table.extra', 'create table stray (id integer)'],
    ['view.missing', 'drop view player_names'],
    ['view.definition', 'drop view player_names; create view player_names as select id from players'],
    ['check.missing', 'drop table tags; create table tags (id integer primary key, label text not null unique)'],
    ['unique.missing', 'drop table tags; create table tags (id integer primary key, label text not null, check (length(label) > 0))'],
  ];
  function BASE_REBUILD(from: string, to: string): string {
    const players = BASE.slice(BASE.indexOf('create table players'), BASE.indexOf('create index'));
    return `drop view player_names; drop table players; ${players.replace(from, to)} create index players_name on players (name); create view player_names as select name from players;`;
  }

  for (const [kind, perturbation] of PERTURBATIONS) {
    test(`${kind}: the fix brings the database back to the expected schema`, async () => {
      const { diffSchemas } = await import('../../../src/core/diff-schemas.js');
      const expected = await introspect(EXPECTED);
      const t = await createTestDatabase('sqlite');
      try {
        await t.db.exec(EXPECTED);
        await t.db.exec('PRAGMA foreign_keys=OFF');
        await t.db.exec(perturbation);
        await t.db.exec('PRAGMA foreign_keys=ON');
        const actual = await introspectSqlite(t.db);
        const changes = diffSchemas(expected, actual).changes;
        assert.deepEqual(changes.map((c) => c.kind), [kind]);
        const fix = sqliteFixFor(changes[0]!, expected, actual);
        assert.ok(fix && fix.trim() !== '', 'a fix is given');
        await t.db.exec(fix);
        assert.deepEqual(diffSchemas(expected, await introspectSqlite(t.db)).changes, []);
      } finally {
        await t.dispose();
      }
    });
  }
});
