import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Queryable } from '../../../src/dialects/database.js';
import { introspectPostgres, parsePostgresType } from '../../../src/dialects/postgres/postgres-introspector.js';
import { findTable } from '../../../src/core/model.js';
import { createTestDatabase } from '../../helpers/databases.js';

const RICH = readFileSync(new URL('../../fixtures/postgres/rich-schema.sql', import.meta.url), 'utf8');

/** Counts the queries introspection sends through the seam. */
function counting(db: Queryable): { db: Queryable; count: () => number } {
  let n = 0;
  return {
    db: {
      query: (sql, params) => {
        n++;
        return db.query(sql, params);
      },
      exec: (sql) => {
        n++;
        return db.exec(sql);
      },
    },
    count: () => n,
  };
}

describe('introspectPostgres', () => {
  test('reads every model feature of a rich schema in canonical spelling', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.exec(RICH);
      const schema = await introspectPostgres(t.db);
      assert.equal(schema.dialect, 'postgres');
      assert.deepEqual(
        schema.tables.map((x) => `${x.schema}.${x.name}`),
        ['billing.invoices', 'public.child', 'public.organizations', 'public.parent', 'public.users'],
        'sorted by schema and name; lockstep schema and lockstep_migrations left out',
      );

      const users = findTable(schema, 'users')!;
      const col = (name: string) => users.columns.find((c) => c.name === name)!;
      assert.deepEqual(
        users.columns.map((c) => [c.name, c.type]),
        [
          ['id', 'integer'],
          ['organization_id', 'bigint'],
          ['email', 'character varying(255)'],
          ['status', 'character varying(20)'],
          ['balance', 'numeric(10,2)'],
          ['tags', 'text[]'],
          ['feeling', 'mood'],
          ['moods', 'mood[]'],
          ['code', 'character(3)'],
          ['ratio', 'double precision'],
          ['small', 'smallint'],
          ['doubled', 'integer'],
        ],
      );
      assert.equal(col('id').default, "nextval('users_id_seq'::regclass)");
      assert.equal(col('id').nullable, false);
      assert.equal(col('status').default, "'active'::character varying");
      assert.equal(col('balance').nullable, true);
      assert.deepEqual(col('balance').typeParts, { base: 'numeric', length: null, precision: 10, scale: 2, arrayDimensions: 0 });
      assert.deepEqual(col('email').typeParts, { base: 'character varying', length: 255, precision: null, scale: null, arrayDimensions: 0 });
      assert.deepEqual(col('moods').typeParts, { base: 'mood', length: null, precision: null, scale: null, arrayDimensions: 1 });
      assert.equal(col('feeling').default, "'ok'::mood");
      assert.equal(col('small').identity, 'by default');
      assert.equal(col('small').default, null);
      assert.equal(col('doubled').generated, '(id * 2)');
      assert.equal(col('doubled').default, null);

      const orgs = findTable(schema, 'organizations')!;
      assert.equal(orgs.columns[0]!.identity, 'always');
      assert.equal(orgs.columns[2]!.type, 'timestamp(3) with time zone');
      assert.deepEqual(orgs.columns[2]!.typeParts, { base: 'timestamp with time zone', length: null, precision: 3, scale: null, arrayDimensions: 0 });
      assert.deepEqual(orgs.primaryKey, { name: 'organizations_pkey', columns: ['organization_id'], deferrable: null });
      assert.deepEqual(orgs.uniques, [{ name: 'organizations_name_key', columns: ['name'], nullsNotDistinct: false, deferrable: null }]);
      assert.equal(orgs.triggers.length, 1);
      assert.equal(orgs.triggers[0]!.name, 'organizations_touch');
      assert.match(orgs.triggers[0]!.definition, /^CREATE TRIGGER organizations_touch BEFORE UPDATE ON (public\.)?organizations FOR EACH ROW EXECUTE FUNCTION touch\(\)$/);

      assert.deepEqual(users.primaryKey, { name: 'users_pkey', columns: ['id'], deferrable: null });
      assert.deepEqual(users.uniques, [{ name: 'users_email_org_key', columns: ['organization_id', 'email'], nullsNotDistinct: false, deferrable: null }]);
      assert.deepEqual(users.foreignKeys, [
        {
          name: 'users_organization_id_fkey',
          columns: ['organization_id'],
          referencedSchema: 'public',
          referencedTable: 'organizations',
          referencedColumns: ['organization_id'],
          onDelete: 'cascade',
          onUpdate: 'no action',
          deferrable: null,
        },
      ]);
      assert.deepEqual(
        users.checks.map((c) => [c.name, c.expression]),
        [
          ['users_balance_check', 'balance >= 0::numeric'],
          ['users_status_check', "status::text = ANY (ARRAY['active'::character varying, 'blocked'::character varying]::text[])"],
        ],
      );
      assert.deepEqual(users.indexes, [
        { name: 'users_active_idx', unique: false, keys: [{ column: 'organization_id', expression: null, descending: false }], where: "status::text = 'active'::text", method: 'btree', include: [], nullsNotDistinct: false },
        {
          name: 'users_lower_email_idx',
          unique: false,
          keys: [
            { column: null, expression: 'lower(email::text)', descending: true },
            { column: 'id', expression: null, descending: false },
          ],
          where: null,
          method: 'btree',
          include: [],
          nullsNotDistinct: false,
        },
        { name: 'users_tags_gin', unique: false, keys: [{ column: 'tags', expression: null, descending: false }], where: null, method: 'gin', include: [], nullsNotDistinct: false },
      ]);

      const invoices = findTable(schema, 'invoices', 'billing')!;
      assert.equal(invoices.columns.find((c) => c.name === 'currency')!.type, 'billing.currency');
      assert.deepEqual(invoices.foreignKeys[0], {
        name: 'invoices_user_id_fkey',
        columns: ['user_id'],
        referencedSchema: 'public',
        referencedTable: 'users',
        referencedColumns: ['id'],
        onDelete: 'restrict',
        onUpdate: 'set null',
        deferrable: null,
      });
      const child = findTable(schema, 'child')!;
      assert.deepEqual(child.foreignKeys[0]!.columns, ['pa', 'pb']);
      assert.deepEqual(child.foreignKeys[0]!.referencedColumns, ['a', 'b']);
      assert.equal(child.foreignKeys[0]!.onDelete, 'set default');
      assert.deepEqual(findTable(schema, 'parent')!.primaryKey!.columns, ['a', 'b']);

      assert.deepEqual(schema.enums, [
        { schema: 'billing', name: 'currency', values: ['EUR', 'USD'] },
        { schema: 'public', name: 'mood', values: ['sad', 'ok', 'happy'] },
      ]);
      // PostgreSQL 15 prints column references qualified (`users.id`), 16+ does not.
      assert.deepEqual(
        schema.views.map((v) => [v.schema, v.name, v.materialized, v.definition.replace(/\b(users|invoices)\.(?=[a-z])/g, '')]),
        [
          ['public', 'active_users', false, "SELECT id, email FROM users WHERE status::text = 'active'::text"],
          ['public', 'invoice_totals', true, 'SELECT user_id, sum(amount) AS total FROM billing.invoices GROUP BY user_id'],
        ],
      );
    } finally {
      await t.dispose();
    }
  });

  test('reads operator classes, nulls order, INCLUDE, NULLS NOT DISTINCT, deferrability, collations, exclusions, UNLOGGED, domains; lists what it does not model', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.exec(`
        create extension if not exists btree_gist;
        create domain code as text collate "C" default 'x' not null constraint code_check check (value <> '');
        create type pair as (a int, b int);
        create table p (id int primary key deferrable initially deferred, name text collate "C", n int, during tstzrange,
          constraint p_name_key unique nulls not distinct (name, n),
          constraint p_excl exclude using gist (n with =, during with &&));
        create table q (id int primary key);
        create unlogged table u (id int references q deferrable);
        create index p_pattern_idx on p (name text_pattern_ops desc nulls last, n nulls first) include (during);
        create unique index p_n_idx on p (n) nulls not distinct;
        create table dates (d date primary key);
        create table parts (d date not null) partition by range (d);
        create table parts_1 partition of parts for values from ('2025-01-01') to ('2026-01-01');
        create table parts_2 partition of parts for values from ('2026-01-01') to ('2027-01-01') partition by range (d);
        create table parts_2a partition of parts_2 for values from ('2026-01-01') to ('2026-07-01');
        create index parts_d_idx on parts (d);
        create index parts_1_only_idx on parts_1 (d desc);
        alter table parts_1 add constraint parts_1_d_check check (d > '2020-01-01');
        alter table parts_1 add constraint parts_1_q_fk foreign key (d) references dates (d);
        alter table parts_1 add constraint parts_1_pkey primary key (d);
        create index parts_2a_only_idx on parts_2a (d);
        create materialized view mv as select id from p;
        create index mv_idx on mv (id);
      `);
      const schema = await introspectPostgres(t.db);
      const p = findTable(schema, 'p')!;
      assert.deepEqual(p.primaryKey, { name: 'p_pkey', columns: ['id'], deferrable: 'deferred' });
      assert.deepEqual(p.uniques, [{ name: 'p_name_key', columns: ['name', 'n'], nullsNotDistinct: true, deferrable: null }]);
      assert.equal(p.columns.find((c) => c.name === 'name')!.collation, '"C"');
      assert.equal(p.columns.find((c) => c.name === 'n')!.collation, undefined);
      assert.deepEqual(p.exclusions, [{ name: 'p_excl', definition: 'EXCLUDE USING gist (n WITH =, during WITH &&)' }]);
      const pattern = p.indexes.find((i) => i.name === 'p_pattern_idx')!;
      assert.deepEqual(pattern.keys, [
        { column: 'name', expression: null, descending: true, nulls: 'last', opclass: 'text_pattern_ops' },
        { column: 'n', expression: null, descending: false, nulls: 'first' },
      ]);
      assert.deepEqual(pattern.include, ['during']);
      assert.equal(p.indexes.find((i) => i.name === 'p_n_idx')!.nullsNotDistinct, true);
      const u = findTable(schema, 'u')!;
      assert.deepEqual(u.options, ['unlogged']);
      assert.equal(u.foreignKeys[0]!.deferrable, 'immediate');
      assert.equal(p.options, undefined);
      assert.deepEqual(schema.domains, [{ schema: 'public', name: 'code', type: 'text', default: "'x'::text", notNull: true, checks: [{ name: 'code_check', definition: "CHECK (VALUE <> ''::text)" }] }]);
      // Partitions are read on their parent (not as tables), with what each has of its own
      // (not the parent's index parts_d_idx); a second level is listed as not compared.
      assert.deepEqual(schema.tables.map((t) => t.name).filter((n) => n.startsWith('parts')), ['parts']);
      const [parts1, parts2] = findTable(schema, 'parts')!.partitioning!.partitions;
      assert.equal(findTable(schema, 'parts')!.partitioning!.key, 'RANGE (d)');
      assert.deepEqual([parts1!.name, parts1!.bound, parts2!.name, parts2!.bound], ['parts_1', "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')", 'parts_2', "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"]);
      assert.deepEqual(parts1!.own!.indexes.map((i) => [i.name, i.keys[0]!.descending]), [['parts_1_only_idx', true]]);
      assert.deepEqual(parts1!.own!.checks, [{ name: 'parts_1_d_check', expression: "d > '2020-01-01'::date" }]);
      assert.deepEqual(parts1!.own!.foreignKeys.map((f) => [f.name, f.referencedTable]), [['parts_1_q_fk', 'dates']]);
      assert.deepEqual(parts2!.own, { uniques: [], foreignKeys: [], checks: [], indexes: [], triggers: [] });
      assert.equal(p.partitioning, null);
      assert.deepEqual(
        schema.notCompared!.map((o) => [o.type, o.name]),
        [
          ['constraint', 'parts_1_pkey'],
          ['partitioned table', 'parts_2'],
          ['partition', 'parts_2a'],
          ['index', 'parts_2a_only_idx'],
        ],
      );
      assert.deepEqual(schema.compositeTypes, [{ schema: 'public', name: 'pair', attributes: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }] }]);
      const mv = schema.views.find((v) => v.name === 'mv')!;
      assert.deepEqual(mv.indexes!.map((i) => [i.name, i.keys[0]!.column]), [['mv_idx', 'id']]);
      assert.match(schema.notCompared!.find((o) => o.name === 'parts_2a')!.reason, /^partition of partition public\.parts_2 FOR VALUES FROM \('2026-01-01'\) TO \('2026-07-01'\)/);
    } finally {
      await t.dispose();
    }
  });

  test('enum values come in their sort order, also after ADD VALUE BEFORE', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.exec("create type level as enum ('low', 'high'); alter type level add value 'mid' before 'high';");
      const schema = await introspectPostgres(t.db);
      assert.deepEqual(schema.enums[0]!.values, ['low', 'mid', 'high']);
    } finally {
      await t.dispose();
    }
  });

  test('issues the same fixed number of queries for 1 table and for 50', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.exec('create table t0 (id int primary key, v text unique)');
      const one = counting(t.db);
      await introspectPostgres(one.db);
      const ddl: string[] = [];
      for (let i = 1; i < 50; i++) ddl.push(`create table t${i} (id int primary key, p int references t${i - 1} (id), v text check (v <> ''));\ncreate index t${i}_p on t${i} (p);`);
      await t.db.exec(ddl.join('\n'));
      const fifty = counting(t.db);
      const schema = await introspectPostgres(fifty.db);
      assert.equal(schema.tables.length, 50);
      assert.equal(fifty.count(), one.count());
      // One per object kind (tables, columns, constraints, indexes, enums, views, triggers,
      // policies, functions, sequences, extensions, domains, composite types, not-compared
      // objects, privileges) and one that resets search_path.
      assert.ok(one.count() <= 16, `expected at most 16 queries, got ${one.count()}`);
      const t49 = findTable(schema, 't49')!;
      assert.equal(t49.indexes[0]!.name, 't49_p');
      assert.equal(t49.foreignKeys[0]!.referencedTable, 't48');
    } finally {
      await t.dispose();
    }
  });

  test('options.schemas limits what is read', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.exec('create schema a; create schema b; create table a.x (id int); create table b.y (id int); create table lockstep_migrations (v int);');
      const schema = await introspectPostgres(t.db, { schemas: ['b'] });
      assert.deepEqual(schema.tables.map((x) => `${x.schema}.${x.name}`), ['b.y']);
    } finally {
      await t.dispose();
    }
  });
});

describe('parsePostgresType', () => {
  test('splits length, precision, scale and arrays', () => {
    assert.deepEqual(parsePostgresType('character varying(20)[]'), { base: 'character varying', length: 20, precision: null, scale: null, arrayDimensions: 1 });
    assert.deepEqual(parsePostgresType('time(6) without time zone'), { base: 'time without time zone', length: null, precision: 6, scale: null, arrayDimensions: 0 });
    assert.deepEqual(parsePostgresType('integer'), { base: 'integer', length: null, precision: null, scale: null, arrayDimensions: 0 });
    assert.deepEqual(parsePostgresType('"Odd(1)"'), { base: '"Odd(1)"', length: null, precision: null, scale: null, arrayDimensions: 0 });
  });
});
