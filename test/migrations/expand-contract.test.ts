import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import { getDialect } from '../../src/dialects/index.js';
import { lintMigrations } from '../../src/lint/lint.js';
import { generateMigration } from '../../src/migrations/generate.js';
import { migrateDown } from '../../src/migrations/migrate-down.js';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { createTestDatabase, DIALECTS, testPgUrl } from '../helpers/databases.js';
import { introspect, makeProject } from './helpers.js';

const BEFORE = 'create table customers (\n  id integer primary key,\n  name text not null\n);\n';
const AFTER = BEFORE.replace('name text not null', 'full_name text not null');

for (const dialect of DIALECTS) {
  const devUrl = dialect === 'postgres' ? testPgUrl() : undefined;
  const d = getDialect(dialect);

  describe(`generate --expand-contract (${dialect})`, () => {
    test('a column rename becomes an expand step (new column, sync triggers, backfill) and a later -- lockstep:contract step', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject({ 'schema.sql': BEFORE });
      const migrationsDir = join(project.dir, 'migrations');
      const loadDeclared = () => loadSchemaFile(d, join(project.dir, 'schema.sql'), { devUrl });
      try {
        await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared, now: new Date('2024-01-01T00:00:00Z') });
        assert.ok((await migrateUp(t.db, readMigrationsFolder(migrationsDir))).ok);
        await t.db.exec("insert into customers (id, name) values (1, 'Ann'), (2, 'Bob')");

        project.write('schema.sql', AFTER);
        const result = await generateMigration({ name: 'rename_name', migrationsDir, dialect: d, devUrl, loadDeclared, renames: ['customers.name=full_name'], expandContract: true, now: new Date('2024-01-02T00:00:00Z') });
        assert.equal(result.status, 'written');
        assert.ok(result.contract, 'a contract step was written');
        assert.equal(result.version, '20240102000000');
        assert.equal(result.contract.version, '20240102000001');
        assert.match(result.up!, /ADD COLUMN (IF NOT EXISTS )?"full_name" text/);
        assert.match(result.up!, /CREATE TRIGGER/);
        assert.doesNotMatch(result.up!, /RENAME|DROP COLUMN "name"/);
        if (dialect === 'postgres') assert.match(result.up!, /^-- lockstep:no-transaction\n/);
        assert.match(readFileSync(join(result.contract.dir, 'up.sql'), 'utf8'), /^-- lockstep:contract\n/);
        assert.match(result.contract.up, /DROP TRIGGER/);

        // Expand only: old and new code run side by side.
        const migrations = readMigrationsFolder(migrationsDir);
        assert.ok((await migrateUp(t.db, migrations, { to: result.version })).ok);
        const names = async () => (await t.db.query<{ id: number; name: string; full_name: string }>('select id, name, full_name from customers order by id')).rows.map((r) => `${r.id}:${r.name}:${r.full_name}`);
        assert.deepEqual(await names(), ['1:Ann:Ann', '2:Bob:Bob'], 'backfilled');
        await t.db.exec("insert into customers (id, name) values (3, 'Cy')"); // old code: old name only
        await t.db.exec("update customers set full_name = 'Ann Lee' where id = 1"); // new code: new name
        await t.db.exec("update customers set name = 'Robert' where id = 2"); // old code: old name
        if (dialect === 'postgres') await t.db.exec("insert into customers (id, full_name) values (4, 'Dee')"); // new code only (NOT NULL on name is checked after the trigger)
        assert.deepEqual(await names(), ['1:Ann Lee:Ann Lee', '2:Robert:Robert', '3:Cy:Cy', ...(dialect === 'postgres' ? ['4:Dee:Dee'] : [])]);

        // The contract step is held back while code still reads the old name.
        project.write('src/customers.ts', "declare const db: { query(sql: string): Promise<unknown> };\nexport const names = () => db.query('SELECT name FROM customers');\n");
        const lint = await lintMigrations({ dialect: d, migrations, only: new Set([result.contract.version]), devUrl, srcDir: join(project.dir, 'src'), cwd: project.dir });
        const held = lint.findings.find((f) => f.rule === 'code-reference');
        assert.ok(held, JSON.stringify(lint.findings));
        assert.equal(held.severity, 'error');
        assert.match(held.message, /drops customers\.name, but src\/ still uses it in 1 place\. Hold this contract migration back/);

        // Contract: the schema is exactly schema.sql and every value survived under the new name.
        assert.ok((await migrateUp(t.db, migrations)).ok);
        assert.deepEqual(diffSchemas(await loadDeclared(), await introspect(t.db)).changes, []);
        const rows = (await t.db.query<{ id: number; full_name: string }>('select id, full_name from customers order by id')).rows.map((r) => `${r.id}:${r.full_name}`);
        assert.deepEqual(rows, ['1:Ann Lee', '2:Robert', '3:Cy', ...(dialect === 'postgres' ? ['4:Dee'] : [])]);

        // Reverting the contract step brings the old column back, filled, with its NOT NULL and the sync.
        assert.ok((await migrateDown(t.db, migrations, { steps: 1 })).ok);
        assert.deepEqual(await names(), ['1:Ann Lee:Ann Lee', '2:Robert:Robert', '3:Cy:Cy', ...(dialect === 'postgres' ? ['4:Dee:Dee'] : [])]);
        await t.db.exec("update customers set name = 'Cyrus' where id = 3");
        assert.deepEqual((await names())[2], '3:Cyrus:Cyrus');
        await assert.rejects(t.db.exec('insert into customers (id) values (9)'), /null|NOT NULL/i);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('--expand-contract refuses other changes in the same migration, naming them', async () => {
      const project = makeProject({ 'schema.sql': BEFORE });
      const migrationsDir = join(project.dir, 'migrations');
      const loadDeclared = () => loadSchemaFile(d, join(project.dir, 'schema.sql'), { devUrl });
      try {
        await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared, now: new Date('2024-01-01T00:00:00Z') });
        project.write('schema.sql', AFTER.replace(');', ',\n  email text\n);'));
        await assert.rejects(
          generateMigration({ name: 'rename_name', migrationsDir, dialect: d, devUrl, loadDeclared, renames: ['customers.name=full_name'], expandContract: true }),
          /--expand-contract writes only the renames, but schema\.sql also changes:[\s\S]*email/,
        );
        assert.equal(readMigrationsFolder(migrationsDir).length, 1, 'nothing was written');
      } finally {
        project.dispose();
      }
    });
  });
}
