import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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

// Issue 14 item 3: generate --expand-contract for a column TYPE change.
const BEFORE = 'create table orders (\n  id integer primary key,\n  code text not null,\n  note text\n);\ncreate index orders_code_idx on orders (code);\n';
const AFTER = BEFORE.replace('code text not null', 'code integer not null');

for (const dialect of DIALECTS) {
  const devUrl = dialect === 'postgres' ? testPgUrl() : undefined;
  const d = getDialect(dialect);

  describe(`generate --expand-contract, a column type change (${dialect})`, () => {
    test('expand: a new-typed shadow column, batched backfill and a sync trigger; contract: -- lockstep:contract swaps it in; the data survives both ways', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject({ 'schema.sql': BEFORE });
      const migrationsDir = join(project.dir, 'migrations');
      const loadDeclared = () => loadSchemaFile(d, join(project.dir, 'schema.sql'), { devUrl });
      try {
        await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared, now: new Date('2024-01-01T00:00:00Z') });
        assert.ok((await migrateUp(t.db, readMigrationsFolder(migrationsDir))).ok);
        // A populated table: more rows than one backfill batch would need to be interesting is not required; values of every shape are.
        const values = Array.from({ length: 300 }, (_, i) => `(${i + 1}, '${i * 7}', ${i % 3 === 0 ? 'null' : `'n${i}'`})`).join(', ');
        await t.db.exec(`insert into orders (id, code, note) values ${values}`);

        project.write('schema.sql', AFTER);
        const result = await generateMigration({ name: 'code_to_integer', migrationsDir, dialect: d, devUrl, loadDeclared, expandContract: true, now: new Date('2024-01-02T00:00:00Z') });
        assert.equal(result.status, 'written');
        assert.ok(result.contract, 'a contract step was written');
        assert.match(result.up!, /ADD COLUMN (IF NOT EXISTS )?"code_new" integer/);
        assert.match(result.up!, /CAST\("code" AS integer\)/);
        assert.match(result.up!, /CREATE TRIGGER/);
        assert.doesNotMatch(result.up!, /DROP COLUMN "code"|ALTER COLUMN "code" (SET DATA )?TYPE/);
        if (dialect === 'postgres') {
          assert.match(result.up!, /^-- lockstep:no-transaction\n/);
          assert.match(result.up!, /LIMIT 5000[\s\S]*COMMIT/, 'the backfill commits batch by batch');
        }
        const contractUp = readFileSync(join(result.contract.dir, 'up.sql'), 'utf8');
        assert.match(contractUp, /^-- lockstep:contract\n/);
        assert.match(contractUp, /DROP TRIGGER/);
        assert.match(contractUp, /RENAME COLUMN "code_new" TO "code"/);

        // Expand only, on the populated table: every row backfilled and cast.
        const migrations = readMigrationsFolder(migrationsDir);
        assert.ok((await migrateUp(t.db, migrations, { to: result.version })).ok);
        const pairs = async (where = '') => (await t.db.query<{ id: number; code: string; code_new: number | null }>(`select id, code, code_new from orders ${where} order by id`)).rows.map((r) => `${r.id}:${r.code}:${r.code_new}`);
        const all = await pairs();
        assert.equal(all.length, 300);
        assert.deepEqual(all.filter((row, i) => row !== `${i + 1}:${i * 7}:${i * 7}`), [], 'backfilled, cast to integer');
        // The sync trigger: old code writes the old column, the shadow follows (and the other way).
        await t.db.exec("insert into orders (id, code) values (1001, '42')");
        await t.db.exec("update orders set code = '8' where id = 1");
        await t.db.exec('update orders set code_new = 99 where id = 2');
        assert.deepEqual(await pairs('where id in (1, 2, 1001)'), ['1:8:8', '2:99:99', '1001:42:42']);
        const newType = (await introspect(t.db)).tables.find((x) => x.name === 'orders')!.columns.find((c) => c.name === 'code_new')!;
        assert.match(newType.type, /^integer$/i);

        // The contract swaps the new column in: schema.sql exactly, values intact, index rebuilt.
        assert.ok((await migrateUp(t.db, migrations)).ok);
        assert.deepEqual(diffSchemas(await loadDeclared(), await introspect(t.db)).changes, []);
        const codes = (await t.db.query<{ id: number; code: number }>('select id, code from orders where id in (1, 2, 3, 1001) order by id')).rows.map((r) => `${r.id}:${r.code}:${typeof r.code}`);
        assert.deepEqual(codes, ['1:8:number', '2:99:number', '3:14:number', '1001:42:number']);
        await assert.rejects(t.db.exec('insert into orders (id) values (5000)'), /null|NOT NULL/i);

        // Reverting the contract brings the old text column back, filled from the new one, and the sync.
        assert.ok((await migrateDown(t.db, migrations, { steps: 1 })).ok);
        assert.deepEqual(await pairs('where id in (1, 2, 1001)'), ['1:8:8', '2:99:99', '1001:42:42']);
        await t.db.exec("update orders set code = '77' where id = 3");
        assert.deepEqual(await pairs('where id = 3'), ['3:77:77']);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('the lint holds the contract back while deployed code reads the retyped column; the working tree is not flagged', async () => {
      const project = makeProject({ 'schema.sql': BEFORE });
      const migrationsDir = join(project.dir, 'migrations');
      const loadDeclared = () => loadSchemaFile(d, join(project.dir, 'schema.sql'), { devUrl });
      try {
        await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared, now: new Date('2024-01-01T00:00:00Z') });
        project.write('schema.sql', AFTER);
        const result = await generateMigration({ name: 'code_to_integer', migrationsDir, dialect: d, devUrl, loadDeclared, expandContract: true, now: new Date('2024-01-02T00:00:00Z') });
        const migrations = readMigrationsFolder(migrationsDir);
        project.write('src/orders.ts', "declare const db: { query(sql: string): Promise<unknown> };\nexport const codes = () => db.query('SELECT code FROM orders');\n");
        // The release running in production (a git commit) reads orders.code, as text.
        const git = (...args: string[]) => execFileSync('git', ['-C', project.dir, '-c', 'user.name=Release Bot', '-c', 'user.email=bot@example.com', '-c', 'commit.gpgsign=false', ...args], { stdio: 'pipe' });
        git('init', '-q');
        git('add', '-A');
        git('commit', '-q', '-m', 'release 7');
        const lint = await lintMigrations({ dialect: d, migrations, only: new Set([result.contract!.version]), devUrl, srcDir: join(project.dir, 'src'), cwd: project.dir, deployedRef: 'HEAD' });
        assert.deepEqual(lint.findings.filter((f) => f.rule === 'code-reference' || f.rule === 'drop-column'), [], 'the name survives: the working tree is not a reader of a dropped column');
        const held = lint.findings.filter((f) => f.rule === 'deployed-code');
        assert.deepEqual(held.map((f) => `${f.severity} ${f.table}.${f.column}`), ['error orders.code']);
        assert.match(held[0]!.message, /^deployed code at HEAD still reads orders\.code at src\/orders\.ts:2 \(this migration replaces it with a column of type integer; it is text now\); hold this contract migration back until the deployed release reads orders\.code as integer/);
        // Once the team has checked that the running release copes, the ignore says so and the contract goes out.
        const contractUp = join(result.contract!.dir, 'up.sql');
        writeFileSync(contractUp, readFileSync(contractUp, 'utf8').replace('-- lockstep:contract\n', '-- lockstep:contract\n-- lockstep:ignore deployed-code release 7 parses code with Number()\n'));
        const after = await lintMigrations({ dialect: d, migrations: readMigrationsFolder(migrationsDir), only: new Set([result.contract!.version]), devUrl, srcDir: join(project.dir, 'src'), cwd: project.dir, deployedRef: 'HEAD' });
        assert.equal(after.findings.filter((f) => f.rule === 'deployed-code').length, 0);
        assert.equal(after.ignored.filter((f) => f.rule === 'deployed-code').length, 1);
      } finally {
        project.dispose();
      }
    });

    test('--expand-contract refuses a type change of a primary-key column, and other changes beside it', async () => {
      const project = makeProject({ 'schema.sql': BEFORE });
      const migrationsDir = join(project.dir, 'migrations');
      const loadDeclared = () => loadSchemaFile(d, join(project.dir, 'schema.sql'), { devUrl });
      try {
        await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared, now: new Date('2024-01-01T00:00:00Z') });
        project.write('schema.sql', AFTER.replace('note text', 'note text,\n  email text'));
        await assert.rejects(generateMigration({ name: 'retype', migrationsDir, dialect: d, devUrl, loadDeclared, expandContract: true }), /writes only the column type changes, but schema\.sql also changes:[\s\S]*email/);
        project.write('schema.sql', BEFORE.replace('id integer primary key', 'id bigint primary key'));
        await assert.rejects(generateMigration({ name: 'retype', migrationsDir, dialect: d, devUrl, loadDeclared, expandContract: true }), /cannot change the type of orders\.id: it is \(part of\) the primary key/);
        assert.equal(readMigrationsFolder(migrationsDir).length, 1, 'nothing was written');
      } finally {
        project.dispose();
      }
    });
  });
}
