import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect } from '../../src/dialects/index.js';
import type { DialectName } from '../../src/core/model.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, dropPgDatabase, testPgUrl, urlWithPassword } from '../helpers/databases.js';
import { applyFixture, FIXTURES_DIR } from '../helpers/fixture-schemas.js';

const SEVEN = [
  'jobs.job_uuid',
  'jobs.job_serial',
  'job_executions.execution_uuid',
  'job_executions.execution_serial',
  'job_execution_branches.branch_uuid',
  'job_execution_branches.branch_serial',
  'job_execution_branches.target_serial_ref',
];

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** A project folder with schema.sql (and optionally migrations) and a live database built from `init`. */
async function project(dialect: DialectName, schemaFile: string, init: string | null, extra: { migrations?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-check-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(schemaFile, join(dir, 'schema.sql'));
  for (const [name, sql] of Object.entries(extra.migrations ?? {})) {
    mkdirSync(join(dir, 'migrations', name), { recursive: true });
    writeFileSync(join(dir, 'migrations', name, 'up.sql'), sql);
  }
  const url = dialect === 'sqlite' ? `sqlite:${join(dir, 'live.db')}` : await createPgDatabase();
  if (dialect === 'postgres') cleanups.push(() => dropPgDatabase(url));
  if (init) {
    const db = await connect(url);
    try {
      await applyFixture(db, init);
    } finally {
      await db.close();
    }
  }
  writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url: dialect === 'sqlite' ? 'sqlite:live.db' : url }));
  return { dir, url, env: { LOCKSTEP_DEV_URL: testPgUrl() } };
}

for (const dialect of ['postgres', 'sqlite'] as const) {
  describe(`lockstep check on ${dialect}`, () => {
    test('the seven missing columns: exit 1, all seven in one run, each with a fix', async () => {
      const p = await project(dialect, `${FIXTURES_DIR}jobs/${dialect}.sql`, `${FIXTURES_DIR}jobs/${dialect}-init.sql`);
      const text = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.equal(text.code, 1, text.stderr);
      for (const column of SEVEN) assert.match(text.stdout, new RegExp(`column ${column.replace('.', '\\.')} is missing`));
      assert.match(text.stdout, /^table jobs$/m, 'grouped by table');
      // PostgreSQL adds the column; SQLite cannot ADD a NOT NULL column without a default, so
      // its fix rebuilds the table: once per table, shown as its first line in text.
      if (dialect === 'postgres') assert.match(text.stdout, /fix: ALTER TABLE "jobs" ADD COLUMN "job_uuid" uuid NOT NULL/);
      else {
        assert.match(text.stdout, /fix: -- rebuild "jobs" for its 3 changes.*\n +… \(\d+ statements; full SQL in --json, or run lockstep generate\)\n/);
        assert.match(text.stdout, /fix: -- done by the rebuild of "jobs" above/);
        assert.doesNotMatch(text.stdout, /CREATE TABLE "_lockstep_new_jobs"/);
      }
      assert.match(text.stdout, /✗ \d+ changes in 3 objects/);
      assert.doesNotMatch(text.stdout, /\u001b\[/, 'no colour when not a TTY / NO_COLOR');

      const json = await runCli(['check', '--json'], { cwd: p.dir, env: p.env });
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stdout);
      assert.equal(report.ok, false);
      assert.equal(report.dialect, dialect);
      assert.equal(report.expected.source, 'schema.sql');
      assert.equal(typeof report.actual.source, 'string');
      const missing = report.changes.filter((c: { kind: string }) => c.kind === 'column.missing');
      assert.deepEqual(missing.map((c: { table: string; column: string }) => `${c.table}.${c.column}`).sort(), [...SEVEN].sort());
      for (const change of report.changes) {
        assert.equal(typeof change.message, 'string');
        assert.equal(typeof change.fix, 'string');
        assert.ok('expected' in change && 'actual' in change);
        assert.equal('schema' in change, false, 'no schema for public/main');
      }
      assert.equal('unmigrated' in report, false, 'no migrations folder, no unmigrated section');
      if (dialect === 'sqlite') {
        const rebuilds = report.changes.filter((c: { fix: string }) => c.fix.includes('CREATE TABLE "_lockstep_new_jobs"'));
        assert.equal(rebuilds.length, 1, 'the JSON keeps the whole rebuild, once');
        assert.match(rebuilds[0].fix, /ALTER TABLE "_lockstep_new_jobs" RENAME TO "jobs";\n/);
      }
    });

    test('in sync: exit 0', async () => {
      const file = `${FIXTURES_DIR}jobs/${dialect}.sql`;
      const p = await project(dialect, file, file);
      const r = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /✓ in sync/);
      const json = JSON.parse((await runCli(['check', '--format', 'json'], { cwd: p.dir, env: p.env })).stdout);
      assert.deepEqual([json.ok, json.changes], [true, []]);
    });

    test('--format github prints workflow annotations pointing into schema.sql', async () => {
      const p = await project(dialect, `${FIXTURES_DIR}jobs/${dialect}.sql`, `${FIXTURES_DIR}jobs/${dialect}-init.sql`);
      const r = await runCli(['check', '--format', 'github'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 1);
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
      assert.ok(errors.length >= 7);
      const jobUuid = errors.find((l) => l.includes('column jobs.job_uuid is missing'));
      assert.ok(jobUuid, r.stdout);
      assert.match(jobUuid, /^::error file=schema\.sql,line=2,title=lockstep%3A column\.missing::column jobs\.job_uuid is missing .*%0Afix: \S/);
    });

    test('unmigrated: schema.sql changed but no migration was written', async () => {
      const init = `${FIXTURES_DIR}jobs/${dialect}-init.sql`;
      const p = await project(dialect, `${FIXTURES_DIR}jobs/${dialect}.sql`, init, {
        migrations: { '20240101000000_init': readFileSync(init, 'utf8') },
      });
      const r = await runCli(['check', '--json'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.expected.source, 'schema.sql', 'the live database is compared with schema.sql when both exist');
      assert.deepEqual(report.unmigrated.filter((c: { kind: string }) => c.kind === 'column.missing').map((c: { table: string; column: string }) => `${c.table}.${c.column}`).sort(), [...SEVEN].sort());
      const text = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.match(text.stdout, /schema\.sql changed but no migration was written/);
    });

    test('migrations only: the live database is compared with their replay', async () => {
      const init = `${FIXTURES_DIR}jobs/${dialect}-init.sql`;
      const p = await project(dialect, init, init, { migrations: { '1_init': readFileSync(init, 'utf8') } });
      rmSync(join(p.dir, 'schema.sql'));
      const r = await runCli(['check', '--json'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(JSON.parse(r.stdout).expected.source, 'migrations');
    });

    test('a SQL error in schema.sql: exit 2 with schema.sql:LINE and no stack', async () => {
      const p = await project(dialect, `${FIXTURES_DIR}jobs/${dialect}.sql`, null);
      writeFileSync(join(p.dir, 'schema.sql'), 'create table a (\n  id integer primary key\n);\n\ncreate tabel b (id integer);\n');
      const r = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: schema\.sql:5: .*syntax error/m);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    test('a foreign key to a table that does not exist: exit 2, the issue\'s message format', async () => {
      const p = await project(dialect, `${FIXTURES_DIR}jobs/${dialect}.sql`, null);
      writeFileSync(
        join(p.dir, 'schema.sql'),
        '-- content\n\ncreate table content_requests (\n  id integer primary key,\n  organization_id integer not null references organizations (organization_id),\n  title text\n);\n',
      );
      const r = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: schema\.sql:5: content_requests\.organization_id references organizations\(organization_id\), but no table organizations is defined$/m);
    });
  });
}

/** The test server's URL with a password added and another database name. */
function withPath(url: string, database: string): string {
  const { url: parsed } = urlWithPassword(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

describe('lockstep check: bad input exits 2 with a message naming the problem', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unreachable server', ['check', '--url', 'postgres://app:s3cretpw@127.0.0.1:1/app'], /cannot connect to PostgreSQL at 127\.0\.0\.1:1/],
    ['database that does not exist', ['check', '--url', withPath(testPgUrl(), 'lockstep_no_such_db')], /database "lockstep_no_such_db" does not exist/],
    ['role that does not exist', ['check', '--url', `postgres://lockstep_no_such_role:s3cretpw@${new URL(testPgUrl()).host}/postgres`], /lockstep_no_such_role/],
    ['malformed URL', ['check', '--url', 'postgres://app:s3cretpw@:99999/x'], /malformed database URL/],
    ['unsupported URL', ['check', '--url', 'mysql://app:s3cretpw@localhost/x'], /unsupported database URL/],
    ['missing schema file', ['check', '--schema', 'nope.sql'], /schema file not found: nope\.sql/],
    ['unknown flag', ['check', '--frobnicate'], /unknown option --frobnicate/],
    ['unknown format', ['check', '--format', 'xml'], /unknown --format xml/],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-bad-'));
      try {
        writeFileSync(join(dir, 'schema.sql'), 'create table a (id integer primary key);\n');
        const r = await runCli(args, { cwd: dir, env: { LOCKSTEP_DEV_URL: testPgUrl() } });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stdout + r.stderr, /s3cretpw/, 'the password is never printed');
        assert.ok(!(r.stdout + r.stderr).includes(urlWithPassword().secret), 'the server password is never printed');
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('nothing to check against', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-empty-'));
    try {
      const r = await runCli(['check', '--url', 'sqlite::memory:'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /nothing to check the database against/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
