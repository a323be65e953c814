import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Queryable } from '../../../src/dialects/database.js';
import { introspectSqlite } from '../../../src/dialects/sqlite/sqlite-introspector.js';
import { createSqliteScratch } from '../../../src/dialects/sqlite/sqlite-scratch.js';
import type { Schema, Table } from '../../../src/core/model.js';
import { createTestDatabase } from '../../helpers/databases.js';

const RICH = readFileSync(new URL('../../fixtures/sqlite/rich-schema.sql', import.meta.url), 'utf8');

async function introspect(sql: string): Promise<Schema> {
  const scratch = await createSqliteScratch();
  try {
    await scratch.db.exec(sql);
    return await introspectSqlite(scratch.db);
  } finally {
    await scratch.dispose();
  }
}

function table(schema: Schema, name: string): Table {
  const found = schema.tables.find((t) => t.name === name);
  assert.ok(found, `table ${name} is introspected`);
  return found;
}

describe('introspectSqlite', () => {
  test('reads every model feature of the rich fixture from a real file', async () => {
    const t = await createTestDatabase('sqlite');
    try {
      await t.db.exec(RICH);
      const schema = await introspectSqlite(t.db);
      assert.equal(schema.dialect, 'sqlite');
      assert.deepEqual(schema.enums, []);
      // lockstep's own tables are left out; tables sorted by name; all in schema main.
      assert.deepEqual(
        schema.tables.map((x) => x.name),
        ['audit_log', 'events', 'memberships', 'organizations', 'users'],
      );
      assert.ok(schema.tables.every((x) => x.schema === 'main'));

      const orgs = table(schema, 'organizations');
      assert.deepEqual(orgs.columns[0], {
        name: 'organization_id',
        type: 'integer',
        typeParts: { base: 'integer', length: null, precision: null, scale: null, arrayDimensions: 0 },
        nullable: false,
        default: null,
        identity: null,
        generated: null,
        autoincrement: true,
      });
      const name = orgs.columns.find((c) => c.name === 'name')!;
      assert.equal(name.type, 'varchar(100)');
      assert.equal(name.collation, 'nocase', 'the collation is its own field, lower-cased');
      assert.equal(name.typeParts.length, 100);
      assert.equal(orgs.columns.find((c) => c.name === 'slug')!.type, 'varchar(40)');
      assert.equal(orgs.columns.find((c) => c.name === 'created_at')!.default, 'current_timestamp');
      assert.equal(orgs.columns.find((c) => c.name === 'settings')!.default, "'{}'");
      assert.deepEqual(orgs.uniques, [{ name: 'organizations_slug_key', columns: ['slug'] }]);
      assert.deepEqual(orgs.primaryKey, { name: null, columns: ['organization_id'] });

      const users = table(schema, 'users');
      const col = (n: string) => users.columns.find((c) => c.name === n)!;
      assert.equal(col('organization_id').type, 'integer'); // int4 folded: not the sole key
      assert.equal(col('balance').type, 'numeric(10,2)');
      assert.deepEqual([col('balance').typeParts.precision, col('balance').typeParts.scale], [10, 2]);
      assert.equal(col('balance').default, '0.00');
      assert.equal(col('score').default, '-1.5');
      assert.equal(col('Display Name').nullable, true);
      assert.equal(col('email_domain').generated, "substr(email, instr(email, '@') + 1)");
      assert.equal(col('email_lower').generated, 'lower(email) stored');
      assert.deepEqual(users.uniques, [{ name: null, columns: ['email'] }]);
      assert.deepEqual(users.foreignKeys, [
        {
          name: null,
          columns: ['organization_id'],
          referencedSchema: 'main',
          referencedTable: 'organizations',
          referencedColumns: ['organization_id'],
          onDelete: 'cascade',
          onUpdate: 'no action',
        },
        {
          name: 'users_manager_fk',
          columns: ['manager_id'],
          referencedSchema: 'main',
          referencedTable: 'users',
          referencedColumns: ['id'],
          onDelete: 'set null',
          onUpdate: 'cascade',
        },
      ]);
      assert.deepEqual(users.indexes, [
        {
          name: 'users_active_idx',
          unique: false,
          keys: [{ column: 'organization_id', expression: null, descending: false }],
          where: 'active = 1 and balance > 0',
          method: 'btree',
        },
        {
          name: 'users_email_lower_idx',
          unique: true,
          keys: [{ column: null, expression: 'lower(email)', descending: false }],
          where: null,
          method: 'btree',
        },
        {
          name: 'users_org_idx',
          unique: false,
          keys: [
            { column: 'organization_id', expression: null, descending: false },
            { column: 'Display Name', expression: null, descending: true },
          ],
          where: null,
          method: 'btree',
        },
      ]);
      assert.deepEqual(users.checks, [
        { name: null, expression: 'balance >= 0' },
        { name: 'users_name_check', expression: 'length("Display Name") <= 80' },
      ]);
      assert.deepEqual(users.triggers.map((x) => x.name), ['users_audit']);
      assert.match(users.triggers[0]!.definition, /^CREATE TRIGGER users_audit AFTER INSERT ON users[\s\S]*END$/);

      const memberships = table(schema, 'memberships');
      assert.deepEqual(memberships.options, ['without rowid']);
      assert.deepEqual(memberships.primaryKey, { name: null, columns: ['user_id', 'organization_id'] });
      // `REFERENCES users` without columns means users' primary key.
      assert.deepEqual(
        memberships.foreignKeys.map((f) => [f.columns, f.referencedTable, f.referencedColumns]),
        [
          [['organization_id'], 'organizations', ['organization_id']],
          [['user_id'], 'users', ['id']],
        ],
      );
      assert.deepEqual(memberships.checks, [{ name: null, expression: "role in('member', 'admin')" }]);
      assert.equal(memberships.columns.find((c) => c.name === 'role')!.default, "'member'");
      assert.deepEqual(table(schema, 'events').options, ['strict']);

      assert.deepEqual(schema.views, [
        { schema: 'main', name: 'active_users', definition: 'select id, email from users where active = 1', materialized: false },
      ]);
    } finally {
      await t.dispose();
    }
  });

  test('equivalent spellings introspect to identical schemas', async () => {
    const a = await introspect(`
      create table p (id integer primary key, code varchar(20) not null unique);
      create table c (
        id integer primary key,
        p_id int4 references p (id),
        name VARCHAR(20) default 'x',
        qty NUMERIC(10,2) check (qty>0),
        kind character varying(8) DEFAULT CURRENT_TIMESTAMP,
        note text default ('n')
      );
      create index c_idx on c (lower(name)) where qty > 0;
      create view v as select id from c;`);
    const b = await introspect(`
      CREATE TABLE "p" ("id" INTEGER NOT NULL PRIMARY KEY, "code" varchar( 20 ) NOT NULL, UNIQUE ("code"));
      CREATE TABLE c (
        "id" INTEGER PRIMARY KEY,
        p_id integer,
        name varchar( 20 ) DEFAULT ('x'),
        qty numeric( 10 , 2 ),
        kind varchar(8) default current_timestamp,
        note TEXT DEFAULT 'n',
        CHECK ( ("qty" > 0) ),
        FOREIGN KEY (p_id) REFERENCES p ON DELETE NO ACTION
      );
      CREATE INDEX c_idx ON c (LOWER( "name" )) WHERE ("qty">0);
      CREATE VIEW v AS
        SELECT "id"
          FROM [c];`);
    assert.deepEqual(b, a);
  });

  test('only an exact INTEGER sole primary key is a rowid alias: int4 keys keep their spelling and nullability', async () => {
    const schema = await introspect('create table a (id int4 primary key); create table b (id integer primary key);');
    assert.deepEqual(
      schema.tables.map((t) => [t.name, t.columns[0]!.type, t.columns[0]!.nullable]),
      [
        ['a', 'int4', true],
        ['b', 'integer', false],
      ],
    );
  });

  test('uses a fixed number of queries whatever the number of tables', async () => {
    const count = async (tables: number) => {
      const scratch = await createSqliteScratch();
      try {
        const ddl = Array.from({ length: tables }, (_, i) => `create table t${i} (id integer primary key, v text unique, p int references t0 (id)); create index t${i}_v on t${i} (v);`);
        await scratch.db.exec(ddl.join('\n'));
        let queries = 0;
        const counting: Queryable = {
          query: (sql, params) => {
            queries++;
            return scratch.db.query(sql, params);
          },
          exec: (sql) => scratch.db.exec(sql),
        };
        const schema = await introspectSqlite(counting);
        assert.equal(schema.tables.length, tables);
        return queries;
      } finally {
        await scratch.dispose();
      }
    };
    assert.equal(await count(1), await count(60));
  });

  test('an FTS5 table is a virtual table (module and arguments as written); its shadow tables are not tables', async () => {
    const schema = await introspect(`
      create table notes (id integer primary key, body text);
      create virtual table notes_fts using FTS5 (body, content = 'notes', content_rowid = 'id', tokenize = "porter");
      create virtual table geo using rtree(id, min_x, max_x);`);
    assert.deepEqual(schema.tables.map((t) => t.name), ['notes']);
    assert.deepEqual(schema.virtualTables, [
      { schema: 'main', name: 'geo', module: 'rtree', arguments: 'id, min_x, max_x' },
      { schema: 'main', name: 'notes_fts', module: 'fts5', arguments: `body, content = 'notes', content_rowid = 'id', tokenize = "porter"` },
    ]);
    assert.equal(schema.notCompared, undefined);
  });

  test('triggers on tables and INSTEAD OF triggers on views are read; collations and table options too', async () => {
    const schema = await introspect(`
      create table t (id integer primary key, name text collate NOCASE, code text collate binary) strict;
      create view v as select id, name from t;
      create trigger t_ai after insert on t begin select 1; end;
      create trigger v_del instead of delete on v begin delete from t where id = old.id; end;`);
    const t = schema.tables[0];
    assert.deepEqual(t.triggers.map((x) => x.name), ['t_ai']);
    assert.deepEqual(schema.views[0].triggers?.map((x) => x.definition), ['CREATE TRIGGER v_del instead of delete on v begin delete from t where id = old.id; end']);
    assert.deepEqual(t.columns.map((c) => c.collation ?? null), [null, 'nocase', null], 'binary is the default collation');
    assert.deepEqual(t.options, ['strict']);
  });

  test("a virtual table whose module is not loaded: read from its CREATE text, and tables named after it are listed as not compared, never as tables", async () => {
    const t = await createTestDatabase('sqlite');
    try {
      // Another process (the application) registered the module; lockstep's connection has not.
      const { default: BetterSqlite } = await import('better-sqlite3');
      const app = new BetterSqlite(t.url.slice('sqlite:'.length));
      // A factory makes a module that takes arguments (CREATE VIRTUAL TABLE … USING vecmod(4));
      // better-sqlite3 supports it, its type definitions only list the eponymous form.
      const factory = () => ({ columns: ['v'], *rows() {} });
      (app.table as unknown as (name: string, factory: () => unknown) => void)('vecmod', factory);
      app.exec('create virtual table vec using vecmod(4); create table vec_chunks (id integer primary key, v blob); create table plain (a int)');
      app.close();
      const schema = await introspectSqlite(t.db);
      assert.deepEqual(schema.tables.map((x) => x.name), ['plain']);
      assert.deepEqual(schema.virtualTables, [{ schema: 'main', name: 'vec', module: 'vecmod', arguments: '4' }]);
      assert.deepEqual(schema.notCompared, [
        { schema: 'main', name: 'vec_chunks', type: 'table', reason: 'probably a shadow table of virtual table vec, whose module vecmod is not loaded here' },
      ]);
    } finally {
      await t.dispose();
    }
  });
});
