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
import { synchronizeWithTypeorm } from '../../helpers/orm-databases.js';
import { changeKeys, MODEL_FIXTURES, REPO_ROOT, SEVEN_MISSING, staleJobsSql } from '../../helpers/model-fixtures.js';

const fixture = (name: string) => join(MODEL_FIXTURES, 'typeorm', name);
const suffix = (dialect: DialectName) => (dialect === 'postgres' ? 'pg' : 'sqlite');

async function withDatabase<T>(dialect: DialectName, body: (t: TestDatabase) => Promise<T>): Promise<T> {
  const t = await createTestDatabase(dialect);
  try {
    return await body(t);
  } finally {
    await t.dispose();
  }
}

for (const dialect of DIALECTS) {
  describe(`typeorm models (${dialect})`, () => {
    const shop = fixture(`shop/data-source-${suffix(dialect)}.ts`);

    test('a database built by TypeORM’s own schema builder compares equal to the models', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      assert.equal(models.kind, 'typeorm');
      assert.equal(models.dialect, dialect);
      assert.deepEqual(models.issues, []);
      // The @ManyToMany + @JoinTable junction table is part of the schema.
      assert.deepEqual(models.schema.tables.map((t) => t.name), ['customers', 'orders', 'orders_products_products', 'products']);
      // The snake_case naming strategy named the columns.
      assert.deepEqual(models.schema.tables.find((t) => t.name === 'customers')!.columns.map((c) => c.name), ['id', 'email', 'name', 'bio', 'vip', 'created_at', 'updated_at']);
      await withDatabase(dialect, async (t) => {
        await synchronizeWithTypeorm(t, shop);
        const live = await getDialect(dialect).introspect(t.db);
        assert.deepEqual(diffSchemas(models.schema, live).changes.map((c) => c.message), []);
      });
    });

    test('each single perturbation of the database reports exactly that change', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      const perturbations: Array<[string, string]> =
        dialect === 'postgres'
          ? [
              ['alter table customers drop column bio', 'column.missing customers.bio'],
              ['alter table orders alter column status type varchar(30)', 'column.type orders.status'],
              ['alter table orders drop constraint "FK_772d0ce0473ac2ccfa26060dbe9"', 'fk.missing orders FK_772d0ce0473ac2ccfa26060dbe9'],
              ['alter table customers alter column vip drop default', 'column.default customers.vip'],
              ['drop table orders_products_products', 'table.missing orders_products_products'],
            ]
          : [
              ['alter table customers drop column bio', 'column.missing customers.bio'],
              ['drop index orders_customer_placed_idx', 'index.missing orders orders_customer_placed_idx'],
              ['drop table orders_products_products', 'table.missing orders_products_products'],
            ];
      for (const [statement, expected] of perturbations) {
        await withDatabase(dialect, async (t) => {
          await synchronizeWithTypeorm(t, shop);
          await t.db.exec(statement);
          const live = await getDialect(dialect).introspect(t.db);
          assert.deepEqual(changeKeys(diffSchemas(models.schema, live).changes), [expected], statement);
        });
      }
    });

    test('the seven-missing-columns post-mortem: all seven found in one diff', async () => {
      const models = await loadModels(fixture(`jobs-${suffix(dialect)}.ts`), { cwd: REPO_ROOT });
      assert.deepEqual(models.issues, []);
      await withDatabase(dialect, async (t) => {
        await t.db.exec(staleJobsSql(dialect));
        const diff = diffSchemas(models.schema, await getDialect(dialect).introspect(t.db));
        const missing = diff.changes.filter((c) => c.kind === 'column.missing').map((c) => `${c.table}.${c.column}`).sort();
        assert.deepEqual(missing, SEVEN_MISSING);
        const others = diff.changes.filter((c) => c.kind !== 'column.missing' && c.kind !== 'unique.missing');
        // On SQLite TypeORM types a join column like the key it references (integer); the init SQL says bigint.
        assert.deepEqual(changeKeys(others), dialect === 'postgres' ? [] : ['column.type job_execution_branches.execution_id', 'column.type job_executions.job_id']);
        assert.equal(diff.changes.filter((c) => c.kind === 'unique.missing').length, 3);
      });
    });

    test('locations point at the entity class and its properties; junction tables at @JoinTable', async () => {
      const models = await loadModels(shop, { cwd: REPO_ROOT });
      const ns = dialect === 'postgres' ? 'public' : 'main';
      const at = (file: string, needle: string) => ({ file: `test/fixtures/models/typeorm/shop/entities/${file}`, line: readFileSync(fixture(`shop/entities/${file}`), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1 });
      assert.deepEqual(models.locations.get(`${ns}.customers`), at('customer.ts', 'export class Customer'));
      assert.deepEqual(models.locations.get(`${ns}.customers.created_at`), at('customer.ts', 'createdAt!: Date'));
      assert.deepEqual(models.locations.get(`${ns}.orders.customer_id`), at('order.ts', 'customer!: Customer'));
      assert.deepEqual(models.locations.get(`${ns}.orders_products_products`), at('order.ts', 'products!: Product[]'));
    });
  });
}

describe('typeorm model integrity', () => {
  test('a relation to an unregistered entity, to a class that is not an entity, and to an entity name that does not exist', async () => {
    const models = await loadModels(fixture('integrity/data-source.ts'), { cwd: REPO_ROOT });
    const file = 'test/fixtures/models/typeorm/integrity/entities.ts';
    assert.deepEqual(
      models.issues.map((i) => [i.kind, `${i.location.file}:${i.location.line}`, i.message]),
      [
        ['model.unregistered', `${file}:24`, 'Team.organization → Organization: entity Organization is not registered in the DataSource, so the relation fails at the first query'],
        ['relation.unknown-model', `${file}:36`, 'Member.school → School: School is not an entity (no @Entity())'],
        ['relation.unknown-model', `${file}:39`, 'Member.department → Department: no entity is named Department'],
      ],
    );
    // The registered entities are still read, without the broken relations.
    assert.deepEqual(models.schema.tables.map((t) => t.name), ['members', 'teams']);
  });

  test('a folder of entities is read without a DataSource', async () => {
    const models = await loadModels(fixture('shop/entities'), { cwd: REPO_ROOT, kind: 'typeorm', dialect: 'sqlite' });
    assert.equal(models.dialect, 'sqlite');
    assert.deepEqual(models.schema.tables.map((t) => t.name), ['customers', 'orders', 'orders_products_products', 'products']);
    // Without the DataSource's naming strategy, TypeORM's default names apply.
    assert.ok(models.schema.tables.find((t) => t.name === 'customers')!.columns.some((c) => c.name === 'createdAt'));
    assert.equal(models.files.length, 3);
  });

  test('typeorm missing from the project is a clear error naming the package', async () => {
    await assert.rejects(
      () => loadModels(fixture('shop/data-source-pg.ts'), { cwd: '/', kind: 'typeorm' }),
      (error: unknown) => isLockstepError(error) && /^reflect-metadata is not installed in \//.test(error.message) && /npm install reflect-metadata/.test(error.hint ?? ''),
    );
  });
});
