import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { type DataProbe, explainFacts } from '../../src/rehearse/explain-failure.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`failure explanations in data terms (${dialect})`, () => {
    let t: TestDatabase;
    let probe: DataProbe;
    before(async () => {
      t = await createTestDatabase(dialect);
      await t.db.exec(`
        CREATE TABLE customers (id integer PRIMARY KEY, name text);
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, counter bigint, amount numeric(12,2), email text, price integer);
        INSERT INTO customers (id, name) VALUES (1, 'a'), (2, 'b');
        INSERT INTO orders (id, customer_id, counter, amount, email, price) VALUES
          (1, 1, 5, 10.50, 'x@example.com', 3),
          (2, 99, 3000000000, 1250000.00, NULL, 0),
          (3, NULL, -3000000000, 7.25, NULL, -2),
          (4, 98, 1, 2.00, 'y@example.com', 10);
      `);
      probe = { conn: t.db, dialect: getDialect(dialect), schema: await getDialect(dialect).introspect(t.db) };
    });
    after(() => t.dispose());

    test('integer and numeric narrowing, SET NOT NULL, orphans, CHECK', async () => {
      const t4 = (base: string, precision: number | null = null, scale: number | null = null) => ({ base, length: null, precision, scale, arrayDimensions: 0 });
      // As in a rehearsal, the probes run inside a transaction (PostgreSQL) on the data.
      assert.deepEqual(
        await t.db.transaction((tx) => explainFacts({ ...probe, conn: tx }, [
          { kind: 'alter-column-type', table: 'orders', column: 'counter', type: t4('integer'), using: false },
          { kind: 'alter-column-type', table: 'orders', column: 'amount', type: t4('numeric', 8, 2), using: false },
          { kind: 'set-not-null', table: 'orders', column: 'email' },
          { kind: 'add-foreign-key', table: 'orders', columns: ['customer_id'], referencedTable: 'customers', referencedColumns: ['id'], notValid: false, onNewRows: false },
          { kind: 'add-check', table: 'orders', name: 'price_positive', expression: 'price > 0', notValid: false },
        ])),
        [
          'orders.counter: 2 rows are outside the integer range (-2147483648 to 2147483647) (e.g. id=2 3000000000, id=3 -3000000000)',
          `orders.amount: 1 row has more than 6 digits before the decimal point (e.g. id=2 ${dialect === 'postgres' ? '1250000.00' : '1250000'})`,
          'orders.email: 2 rows are NULL (e.g. id=2, id=3)',
          'orders.customer_id: 2 rows reference customers rows that do not exist (e.g. id=2 99, id=4 98)',
          'orders.price: 2 rows violate CHECK (price > 0) (e.g. id=2 0, id=3 -2)',
        ],
      );
    });

    test('a probe that cannot run explains nothing and leaves the connection usable', async () => {
      await t.db.transaction(async (tx) => {
        assert.deepEqual(await explainFacts({ ...probe, conn: tx }, [{ kind: 'set-not-null', table: 'orders', column: 'no_such_column' }]), []);
        assert.equal(Number((await tx.query<{ n: unknown }>('SELECT count(*) AS n FROM orders')).rows[0].n), 4);
      });
    });
  });
}
