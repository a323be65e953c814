import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { generateMigration } from '../../src/migrations/generate.js';
import { migrateDown } from '../../src/migrations/migrate-down.js';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { findTransactionControl } from '../../src/migrations/transaction-control.js';
import { verifyMigrations } from '../../src/migrations/verify-migrations.js';
import { rehearse } from '../../src/rehearse/rehearse.js';
import { createTestDatabase, DIALECTS, testPgUrl } from '../helpers/databases.js';
import { introspect, makeProject, writeMigration } from './helpers.js';

/** A migration that wraps itself in a transaction, the way hand-written scripts often do. */
const OWN_TRANSACTION = 'BEGIN;\ncreate table regions (id integer primary key);\ninsert into accounts (id) values (1);\nCOMMIT;\n';

for (const dialect of DIALECTS) {
  describe(`a migration with its own BEGIN/COMMIT (${dialect})`, () => {
    test('migrate up refuses it before applying anything, naming file:line and the two ways out', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_accounts', 'create table accounts (id integer primary key);');
        writeMigration(project, '002_regions', OWN_TRANSACTION);
        const migrations = readMigrationsFolder(join(project.dir, 'migrations'));
        const outcome = await migrateUp(t.db, migrations);
        assert.equal(outcome.ok, false);
        assert.deepEqual(outcome.results, [], 'nothing ran, not even 001');
        assert.deepEqual(outcome.problems.map((p) => p.kind), ['transaction-control']);
        const [problem] = outcome.problems;
        assert.match(problem.message, /002_regions\/up\.sql:1: the migration controls its own transaction \(BEGIN on line 1, COMMIT on line 4\)/);
        assert.match(problem.message, /nothing was applied/);
        assert.match(problem.hint, /Remove the BEGIN\/COMMIT statements/);
        assert.match(problem.hint, /-- lockstep:no-transaction/);
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), []);
        assert.deepEqual((await verifyMigrations(t.db, migrations)).map((p) => p.kind), ['transaction-control']);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('marked -- lockstep:no-transaction, it runs as written and is recorded', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_accounts', 'create table accounts (id integer primary key);');
        writeMigration(project, '002_regions', `-- lockstep:no-transaction\n${OWN_TRANSACTION}`);
        const outcome = await migrateUp(t.db, readMigrationsFolder(join(project.dir, 'migrations')));
        assert.equal(outcome.ok, true, outcome.error?.message ?? JSON.stringify(outcome.problems));
        assert.deepEqual(outcome.results.map((r) => `${r.version} ${r.status}`), ['001 applied', '002 applied']);
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), ['accounts', 'regions']);
        assert.deepEqual((await t.db.query('select id from accounts')).rows, [{ id: 1 }]);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('migrate down refuses a down.sql with its own COMMIT and reverts nothing', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_accounts', 'create table accounts (id integer primary key);', 'drop table accounts;');
        writeMigration(project, '002_regions', 'create table regions (id integer primary key);', 'start transaction;\ndrop table regions;\nend;\n');
        const migrations = readMigrationsFolder(join(project.dir, 'migrations'));
        assert.equal((await migrateUp(t.db, migrations)).ok, true);
        const outcome = await migrateDown(t.db, migrations, { to: '0' });
        assert.equal(outcome.ok, false);
        assert.deepEqual(outcome.results, []);
        assert.match(outcome.problems[0].message, /002_regions\/down\.sql:1: the migration controls its own transaction \(START TRANSACTION on line 1, END on line 3\).*nothing was reverted/);
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), ['accounts', 'regions']);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('rehearse runs nothing and reports the migration failed at file:line', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        await t.db.exec('create table accounts (id integer primary key)');
        writeMigration(project, '001_ok', 'create table audit (id integer primary key);');
        writeMigration(project, '002_regions', OWN_TRANSACTION);
        writeMigration(project, '003_later', 'create table later (id integer primary key);');
        const report = await rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(join(project.dir, 'migrations')), cwd: project.dir });
        assert.equal(report.ok, false);
        assert.deepEqual(report.steps.map((s) => `${s.migration} ${s.status}`), ['001_ok not-run', '002_regions failed', '003_later not-run']);
        assert.equal(report.steps[1].error?.location, 'migrations/002_regions/up.sql:1');
        assert.match(report.steps[1].error!.message, /controls its own transaction \(BEGIN on line 1, COMMIT on line 4\)/);
        assert.match(report.steps[1].problems![0], /-- lockstep:no-transaction/);
        // On PostgreSQL the COMMIT would have made the rehearsal's changes permanent.
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), ['accounts']);
        assert.deepEqual((await t.db.query('select id from accounts')).rows, []);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('rehearse runs a -- lockstep:no-transaction migration with its own BEGIN/COMMIT as written (SQLite) or reports it not rehearsable (PostgreSQL)', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        await t.db.exec('create table accounts (id integer primary key)');
        writeMigration(project, '001_regions', `-- lockstep:no-transaction\n${OWN_TRANSACTION}`);
        const report = await rehearse({ db: t.db, url: t.url, migrations: readMigrationsFolder(join(project.dir, 'migrations')), cwd: project.dir });
        assert.equal(report.ok, true, JSON.stringify(report.steps));
        assert.equal(report.steps[0].status, dialect === 'sqlite' ? 'ok' : 'not-rehearsable');
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), ['accounts']);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('generate refuses to replay a folder holding such a migration', async () => {
      const project = makeProject({ 'schema.sql': 'create table accounts (id integer primary key);\n' });
      try {
        writeMigration(project, '001_accounts', OWN_TRANSACTION.replace('create table regions (id integer primary key);\ninsert into accounts (id) values (1);', 'create table accounts (id integer primary key);'));
        await assert.rejects(
          generateMigration({ name: 'next', migrationsDir: join(project.dir, 'migrations'), dialect: getDialect(dialect), devUrl: dialect === 'postgres' ? testPgUrl() : undefined, loadDeclared: async () => ({ tables: [] }) as never }),
          /001_accounts\/up\.sql:1: the migration controls its own transaction/,
        );
      } finally {
        project.dispose();
      }
    });

    test('finds BEGIN/COMMIT/END/ROLLBACK/START TRANSACTION, not savepoints or bodies', async () => {
      const d = getDialect(dialect);
      await d.loadParser();
      const body =
        dialect === 'postgres'
          ? "do $$ begin perform 1; end $$;\ncreate function f() returns int language plpgsql as $$ begin return 1; end $$;\n"
          : 'create trigger t after insert on a begin select 1; end;\n';
      const script = `${body}savepoint s;\nrollback to savepoint s;\nrollback transaction to s;\nrelease s;\nbegin transaction;\ncommit;\nend;\nrollback;\nstart transaction;\n`;
      const lines = body.split('\n').length - 1;
      assert.deepEqual(findTransactionControl(d, script), [
        { line: lines + 5, keyword: 'BEGIN' },
        { line: lines + 6, keyword: 'COMMIT' },
        { line: lines + 7, keyword: 'END' },
        { line: lines + 8, keyword: 'ROLLBACK' },
        { line: lines + 9, keyword: 'START TRANSACTION' },
      ]);
    });
  });
}
