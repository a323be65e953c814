/**
 * The SQLite property test of issue 13: for every SQLite fixture schema and every change
 * kind that applies to it, one object of the schema is changed on a live database, `check`
 * reports exactly that change, and both ways back converge to zero changes:
 *  - running every fix `check` prints, in the order listed;
 *  - running the plan `diff --sql` (and `generate`) makes from the live schema.
 * And from an empty database, the fixes and the plan create the whole fixture.
 *
 * Perturbations are made on the model (drop the first trigger, flip a collation, …) and
 * put on the live database with lockstep's own planner, so the planner is tested as it
 * applies them: the live schema must then equal the perturbed model exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withFixes } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { Column, Schema, Table } from '../../src/core/model.js';
import type { ChangeKind } from '../../src/core/schema-change.js';
import type { Database } from '../../src/dialects/database.js';
import { sqliteDialect } from '../../src/dialects/sqlite/sqlite-dialect.js';
import { canonicalExpression } from '../../src/dialects/sqlite/sqlite-canonical.js';
import { quoteSqliteIdentifier as q } from '../../src/dialects/sqlite/sqlite-lexer.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { createTestDatabase } from '../helpers/databases.js';
import { applyFixture, FIXTURE_SCHEMAS } from '../helpers/fixture-schemas.js';
import { clone } from '../helpers/schema-builders.js';

interface Mutation {
  kind: ChangeKind;
  /** Changes `schema` in place and says what it did, or returns null when the fixture has nothing to change. */
  apply(schema: Schema): string | null;
}

/** Every word of every definition that could name a column: such columns are left alone. */
function mentionedNames(schema: Schema): Set<string> {
  const texts = [
    ...schema.tables.flatMap((t) => [
      ...t.triggers.map((x) => x.definition),
      ...t.checks.map((c) => c.expression),
      ...t.indexes.flatMap((i) => [...i.keys.map((k) => k.expression ?? k.column ?? ''), i.where ?? '']),
      ...t.columns.map((c) => c.generated ?? ''),
    ]),
    ...schema.views.flatMap((v) => [v.definition, ...(v.triggers ?? []).map((x) => x.definition)]),
    ...(schema.virtualTables ?? []).map((v) => v.arguments),
  ];
  return new Set(texts.flatMap((t) => t.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []));
}

/** A column no key, constraint, index, trigger or view needs: safe to drop, retype or constrain. */
function freeColumn(schema: Schema): { table: Table; column: Column } | null {
  const mentioned = mentionedNames(schema);
  for (const table of schema.tables) {
    const used = new Set(
      [...(table.primaryKey?.columns ?? []), ...table.uniques.flatMap((u) => u.columns), ...table.foreignKeys.flatMap((f) => f.columns)].map((c) => c.toLowerCase()),
    );
    for (const other of schema.tables) for (const fk of other.foreignKeys) if (fk.referencedTable.toLowerCase() === table.name.toLowerCase()) fk.referencedColumns.forEach((c) => used.add(c.toLowerCase()));
    const column = table.columns.find((c) => c.generated === null && !used.has(c.name.toLowerCase()) && !mentioned.has(c.name.toLowerCase()) && !(table.options ?? []).includes('strict'));
    if (column) return { table, column };
  }
  return null;
}

const first = <T>(items: T[], test: (item: T) => boolean = () => true): T | undefined => items.find(test);

const MUTATIONS: Mutation[] = [
  {
    kind: 'table.missing',
    apply: (s) => {
      const table = first(s.tables, (t) => t.triggers.length > 0) ?? s.tables[0];
      s.tables = s.tables.filter((t) => t !== table);
      return `drop table ${table.name}`;
    },
  },
  {
    kind: 'table.extra',
    apply: (s) => {
      s.tables.push({ schema: 'main', name: 'probe_extra', columns: [{ name: 'id', type: 'integer', typeParts: { base: 'integer', length: null, precision: null, scale: null, arrayDimensions: 0 }, nullable: false, default: null, identity: null, generated: null }], primaryKey: { name: null, columns: ['id'] }, uniques: [], foreignKeys: [], indexes: [], checks: [], triggers: [], options: [] });
      return 'add a table';
    },
  },
  ...(['column.missing', 'column.type', 'column.nullable', 'column.default', 'column.collation', 'unique.extra', 'index.extra', 'check.extra'] as const).map(
    (kind): Mutation => ({
      kind,
      apply: (s) => {
        const free = freeColumn(s);
        if (!free) return null;
        const { table, column } = free;
        const at = `${table.name}.${column.name}`;
        switch (kind) {
          case 'column.missing':
            table.columns = table.columns.filter((c) => c !== column);
            return `drop column ${at}`;
          case 'column.type':
            column.type = column.type === 'varchar(7)' ? 'text' : 'varchar(7)';
            return `retype ${at}`;
          case 'column.nullable':
            column.nullable = !column.nullable;
            return `flip the nullability of ${at}`;
          case 'column.default':
            column.default = column.default === "'probe'" ? null : "'probe'";
            return `change the default of ${at}`;
          case 'column.collation':
            column.collation = column.collation === 'rtrim' ? null : 'rtrim';
            return `change the collation of ${at}`;
          case 'unique.extra':
            table.uniques.push({ name: null, columns: [column.name] });
            return `add unique (${at})`;
          case 'index.extra':
            table.indexes.push({ name: 'probe_idx', unique: false, keys: [{ column: column.name, expression: null, descending: false }], where: null, method: 'btree' });
            return `add an index on ${at}`;
          default:
            // In the introspector's canonical spelling, so the perturbed model is exactly what the database will hold.
            table.checks.push({ name: null, expression: canonicalExpression(`length(${q(column.name)}) < 1000`, table.columns.map((c) => c.name)) });
            return `add a check on ${at}`;
        }
      },
    }),
  ),
  {
    kind: 'column.extra',
    apply: (s) => {
      const table = s.tables[0];
      table.columns.push({ name: 'probe', type: 'text', typeParts: { base: 'text', length: null, precision: null, scale: null, arrayDimensions: 0 }, nullable: true, default: null, identity: null, generated: null });
      return `add a column to ${table.name}`;
    },
  },
  {
    kind: 'column.default',
    apply: (s) => {
      const table = first(s.tables, (t) => t.columns.some((c) => c.generated !== null));
      const column = table?.columns.find((c) => c.generated !== null);
      if (!column) return null;
      const stored = column.generated!.endsWith(' stored');
      column.generated = `(${stored ? column.generated!.slice(0, -' stored'.length) : column.generated}) || ''${stored ? ' stored' : ''}`;
      return `change the expression of generated column ${table!.name}.${column.name}`;
    },
  },
  {
    kind: 'pk.mismatch',
    apply: (s) => {
      const table = first(s.tables, (t) => (t.primaryKey?.columns.length ?? 0) > 1);
      if (!table) return null;
      table.primaryKey!.columns.reverse();
      return `reverse the primary key of ${table.name}`;
    },
  },
  {
    kind: 'fk.missing',
    apply: (s) => {
      const table = first(s.tables, (t) => t.foreignKeys.length > 0);
      if (!table) return null;
      table.foreignKeys.shift();
      return `drop a foreign key of ${table.name}`;
    },
  },
  {
    kind: 'fk.mismatch',
    apply: (s) => {
      const table = first(s.tables, (t) => t.foreignKeys.length > 0);
      if (!table) return null;
      const fk = table.foreignKeys[0];
      fk.onDelete = fk.onDelete === 'cascade' ? 'no action' : 'cascade';
      return `change ON DELETE of a foreign key of ${table.name}`;
    },
  },
  {
    kind: 'unique.missing',
    apply: (s) => {
      const table = first(s.tables, (t) => t.uniques.length > 0);
      if (!table) return null;
      table.uniques.shift();
      return `drop a unique constraint of ${table.name}`;
    },
  },
  {
    kind: 'index.missing',
    apply: (s) => {
      const table = first(s.tables, (t) => t.indexes.length > 0);
      if (!table) return null;
      table.indexes.shift();
      return `drop an index of ${table.name}`;
    },
  },
  {
    kind: 'index.mismatch',
    apply: (s) => {
      const table = first(s.tables, (t) => t.indexes.length > 0);
      if (!table) return null;
      table.indexes[0].keys[0].descending = !table.indexes[0].keys[0].descending;
      return `flip the order of ${table.indexes[0].name}`;
    },
  },
  {
    kind: 'check.missing',
    apply: (s) => {
      const table = first(s.tables, (t) => t.checks.length > 0);
      if (!table) return null;
      table.checks.shift();
      return `drop a check of ${table.name}`;
    },
  },
  {
    kind: 'table.options',
    apply: (s) => {
      const withOptions = first(s.tables, (t) => (t.options ?? []).length > 0);
      if (withOptions) {
        withOptions.options = [];
        return `drop the options of ${withOptions.name}`;
      }
      const table = first(s.tables, (t) => t.primaryKey !== null && !t.columns.some((c) => c.autoincrement));
      if (!table) return null;
      table.options = ['without rowid'];
      return `make ${table.name} WITHOUT ROWID`;
    },
  },
  {
    kind: 'trigger.missing',
    apply: (s) => {
      const table = first(s.tables, (t) => t.triggers.length > 0);
      if (!table) return null;
      return `drop trigger ${table.triggers.shift()!.name}`;
    },
  },
  {
    kind: 'trigger.extra',
    apply: (s) => {
      const table = s.tables[0];
      table.triggers.push({ name: 'probe_trigger', definition: `CREATE TRIGGER "probe_trigger" AFTER DELETE ON ${q(table.name)} BEGIN SELECT 1; END` });
      return `add a trigger on ${table.name}`;
    },
  },
  {
    kind: 'trigger.definition',
    apply: (s) => {
      const table = first(s.tables, (t) => t.triggers.length > 0);
      if (!table) return null;
      const trigger = table.triggers[0];
      trigger.definition = trigger.definition.replace(/\bend\s*;?\s*$/i, 'SELECT 2;\nEND');
      return `change the body of trigger ${trigger.name}`;
    },
  },
  {
    kind: 'trigger.missing',
    apply: (s) => {
      const view = first(s.views, (v) => (v.triggers ?? []).length > 0);
      if (!view) return null;
      return `drop INSTEAD OF trigger ${view.triggers!.shift()!.name}`;
    },
  },
  {
    kind: 'view.missing',
    apply: (s) => (s.views.length === 0 ? null : `drop view ${s.views.shift()!.name}`),
  },
  {
    kind: 'view.extra',
    apply: (s) => {
      s.views.push({ schema: 'main', name: 'probe_view', definition: 'select 1 as one', materialized: false });
      return 'add a view';
    },
  },
  {
    kind: 'view.definition',
    apply: (s) => {
      const view = first(s.views, (v) => (v.triggers ?? []).length > 0) ?? s.views[0];
      if (!view) return null;
      view.definition = `select * from (${view.definition}) as probe`;
      return `change the query of view ${view.name}`;
    },
  },
  {
    kind: 'virtual-table.missing',
    apply: (s) => ((s.virtualTables ?? []).length === 0 ? null : `drop virtual table ${s.virtualTables!.shift()!.name}`),
  },
  {
    kind: 'virtual-table.extra',
    apply: (s) => {
      (s.virtualTables ??= []).push({ schema: 'main', name: 'probe_fts', module: 'fts5', arguments: 'body' });
      return 'add an FTS5 table';
    },
  },
  {
    kind: 'virtual-table.definition',
    apply: (s) => {
      const table = first(s.virtualTables ?? []);
      if (!table) return null;
      table.arguments += ", prefix = '2'";
      return `change the arguments of virtual table ${table.name}`;
    },
  },
];

async function run(db: Database, statements: string[]): Promise<void> {
  for (const statement of statements) await db.exec(statement);
}

async function withDatabase<T>(body: (db: Database) => Promise<T>): Promise<T> {
  const t = await createTestDatabase('sqlite', { memory: true });
  try {
    return await body(t.db);
  } finally {
    await t.dispose();
  }
}

const messages = (expected: Schema, actual: Schema) => diffSchemas(expected, actual).changes.map((c) => c.message);

const fixtures = FIXTURE_SCHEMAS.filter((f) => f.dialect === 'sqlite');
const expectedOf = new Map<string, Schema>();
for (const fixture of fixtures) expectedOf.set(fixture.file, await loadSchemaFile(sqliteDialect, fixture.file));

for (const fixture of fixtures) {
  const expected = expectedOf.get(fixture.file)!;
  describe(`SQLite fixes and plans converge: ${fixture.name}`, () => {
    test('from an empty database: the fixes, run in the order listed, create the whole schema', async () => {
      await withDatabase(async (db) => {
        const empty = await sqliteDialect.introspect(db);
        const changes = withFixes(sqliteDialect, diffSchemas(expected, empty).changes, expected, empty);
        assert.ok(changes.length >= 3);
        for (const change of changes) {
          assert.ok(change.fix, `a fix for ${change.message}`);
          await db.exec(change.fix);
        }
        assert.deepEqual(messages(expected, await sqliteDialect.introspect(db)), []);
      });
    });

    test('from an empty database: the plan (diff --sql, generate) creates the whole schema', async () => {
      await withDatabase(async (db) => {
        const plan = sqliteDialect.planMigration(await sqliteDialect.introspect(db), expected);
        assert.deepEqual(plan.unsupported, []);
        await run(db, plan.statements);
        assert.deepEqual(messages(expected, await sqliteDialect.introspect(db)), []);
      });
    });

    for (const mutation of MUTATIONS) {
      const perturbed = clone(expected);
      const what = mutation.apply(perturbed);
      if (what === null) continue; // the fixture has no such object (no composite key, …)
      test(`${what} → ${mutation.kind}; the fixes and the plan back converge`, async () => {
        const perturb = async (db: Database) => {
          await applyFixture(db, fixture.file);
          const plan = sqliteDialect.planMigration(expected, perturbed);
          assert.deepEqual(plan.unsupported, []);
          await run(db, plan.statements);
          const actual = await sqliteDialect.introspect(db);
          assert.deepEqual(messages(perturbed, actual), [], 'the planner put the perturbation on the database exactly');
          return actual;
        };
        await withDatabase(async (db) => {
          const actual = await perturb(db);
          const changes = withFixes(sqliteDialect, diffSchemas(expected, actual).changes, expected, actual);
          assert.deepEqual(changes.map((c) => c.kind), [mutation.kind], changes.map((c) => c.message).join('\n'));
          for (const change of changes) {
            assert.ok(change.fix, `a fix for ${change.message}`);
            await db.exec(change.fix);
          }
          assert.deepEqual(messages(expected, await sqliteDialect.introspect(db)), [], `after the fixes:\n${changes.map((c) => c.fix).join('\n')}`);
        });
        await withDatabase(async (db) => {
          const actual = await perturb(db);
          const back = sqliteDialect.planMigration(actual, expected);
          await run(db, back.statements);
          assert.deepEqual(messages(expected, await sqliteDialect.introspect(db)), [], `after the plan:\n${back.statements.join(';\n')}`);
        });
      });
    }
  });
}
