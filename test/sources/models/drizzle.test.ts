import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSchemas } from '../../../src/core/diff-schemas.js';
import { isLockstepError } from '../../../src/core/errors.js';
import type { DialectName } from '../../../src/core/model.js';
import { getDialect } from '../../../src/dialects/index.js';
import { loadModels } from '../../../src/sources/models/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../helpers/databases.js';
import { drizzleKitSql } from '../../helpers/orm-databases.js';
import { changeKeys, MODEL_FIXTURES, REPO_ROOT, SEVEN_MISSING, staleJobsSql } from '../../helpers/model-fixtures.js';

const fixture = (name: string) => join(MODEL_FIXTURES, 'drizzle', name);
const suffix = (dialect: DialectName) => (dialect === 'postgres' ? 'pg' : 'sqlite');

async function withDatabase<T>(dialect: DialectName, statements: string[], body: (t: TestDatabase) => Promise<T>): Promise<T> {
  const t = await createTestDatabase(dialect);
  try {
    for (const sql of statements) await t.db.exec(sql);
    return await body(t);
  } finally {
    await t.dispose();
  }
}

for (const dialect of DIALECTS) {
  describe(`drizzle models (${dialect})`, () => {
    const shop = fixture(`shop-${suffix(dialect)}.ts`);

    test('a database built from drizzle-kit’s own migration compares equal to the models', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      assert.equal(models.kind, 'drizzle');
      assert.equal(models.dialect, dialect);
      assert.deepEqual(models.issues, []);
      assert.deepEqual(models.schema.tables.map((t) => t.name), ['customers', 'order_items', 'orders', 'products']);
      const sql = await drizzleKitSql(dialect, shop);
      await withDatabase(dialect, sql, async (t) => {
        const live = await getDialect(dialect).introspect(t.db);
        const diff = diffSchemas(models.schema, live);
        assert.deepEqual(diff.changes.map((c) => c.message), []);
      });
    });

    test('$defaultFn is not a database default, and says so', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      const slug = models.schema.tables.find((t) => t.name === 'customers')!.columns.find((c) => c.name === 'slug')!;
      assert.equal(slug.default, null);
      assert.ok(models.notes.some((n) => n.startsWith('customers.slug: $defaultFn runs in the application')), models.notes.join('\n'));
    });

    test('each single perturbation of the database reports exactly that change', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      const sql = await drizzleKitSql(dialect, shop);
      const perturbations: Array<[string, string]> =
        dialect === 'postgres'
          ? [
              ['alter table customers drop column name', 'column.missing customers.name'],
              ['alter table customers alter column email type varchar(100)', 'column.type customers.email'],
              ['alter table orders drop constraint orders_customer_id_customers_id_fk', 'fk.missing orders orders_customer_id_customers_id_fk'],
              ['drop index products_title_index', 'index.missing products products_title_index'],
              ['alter table products alter column stock drop default', 'column.default products.stock'],
            ]
          : [
              ['alter table order_items drop column quantity', 'column.missing order_items.quantity'],
              ['drop index products_title_idx', 'index.missing products products_title_idx'],
              ['alter table customers add column nickname text', 'column.extra customers.nickname'],
            ];
      for (const [statement, expected] of perturbations) {
        await withDatabase(dialect, [...sql, statement], async (t) => {
          const live = await getDialect(dialect).introspect(t.db);
          assert.deepEqual(changeKeys(diffSchemas(models.schema, live).changes), [expected], statement);
        });
      }
    });

    test('the seven-missing-columns post-mortem: all seven found in one diff', async () => {
      const models = await loadModels(fixture(`jobs-${suffix(dialect)}.ts`), { cwd: REPO_ROOT });
      await withDatabase(dialect, [staleJobsSql(dialect)], async (t) => {
        const diff = diffSchemas(models.schema, await getDialect(dialect).introspect(t.db));
        const missing = diff.changes.filter((c) => c.kind === 'column.missing').map((c) => `${c.table}.${c.column}`).sort();
        assert.deepEqual(missing, SEVEN_MISSING);
        // The rest is what comes with those columns: their unique keys, nothing else.
        assert.deepEqual([...new Set(diff.changes.map((c) => c.kind))].sort(), dialect === 'postgres' ? ['column.missing', 'unique.missing'] : ['column.missing', 'index.missing']);
      });
    });

    test('locations point at the table and column declarations', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      const file = `test/fixtures/models/drizzle/shop-${suffix(dialect)}.ts`;
      const ns = dialect === 'postgres' ? 'public' : 'main';
      const text = readFileSync(shop, 'utf8').split('\n');
      const line = (needle: string) => text.findIndex((l) => l.includes(needle)) + 1;
      assert.deepEqual(models.locations.get(`${ns}.orders`), { file, line: line('export const orders =') });
      assert.deepEqual(models.locations.get(`${ns}.orders.customer_id`), { file, line: line("customerId: integer('customer_id')") });
      assert.deepEqual(models.locations.get(`${ns}.customers.email`), { file, line: line("email:") });
      assert.deepEqual(models.files, [shop]);
    });
  });
}

describe('drizzle model integrity', () => {
  test('a table used by a foreign key or relation but not exported, and a relation to a table that does not exist', async () => {
    const models = await loadModels(fixture('integrity-pg.ts'), { cwd: REPO_ROOT });
    const file = 'test/fixtures/models/drizzle/integrity-pg.ts';
    assert.deepEqual(
      models.issues.map((i) => [i.kind, `${i.location.file}:${i.location.line}`]),
      [
        ['model.unregistered', `${file}:13`],
        ['model.unregistered', `${file}:18`],
        ['relation.unknown-model', `${file}:23`],
      ],
    );
    assert.match(models.issues[0]!.message, /^teams\.organization_id references table organizations, which is not exported/);
    assert.match(models.issues[1]!.message, /^relations\(teams\)\.organization uses table organizations/);
    assert.match(models.issues[2]!.message, /^relations\(teams\) \(teamSchoolRelations\) passes one\(\) or many\(\) a table that does not exist/);
    // The unexported table is not part of the expected schema: drizzle-kit would not create it either.
    assert.deepEqual(models.schema.tables.map((t) => t.name), ['teams']);
  });

  test('drizzle-orm missing from the project is a clear error naming the package', async () => {
    await assert.rejects(
      () => loadModels(fixture('shop-pg.ts'), { cwd: '/', kind: 'drizzle' }),
      (error: unknown) => isLockstepError(error) && /^drizzle-orm is not installed in \/: lockstep reads the models with the project's own copy/.test(error.message) && /npm install drizzle-orm/.test(error.hint ?? ''),
    );
  });

  test('a module that throws is reported with its file', async () => {
    await assert.rejects(
      () => loadModels(fixture('throws.ts'), { cwd: REPO_ROOT, kind: 'drizzle' }),
      (error: unknown) => isLockstepError(error) && error.message.startsWith('test/fixtures/models/drizzle/throws.ts could not be loaded: schema is broken'),
    );
  });
});
