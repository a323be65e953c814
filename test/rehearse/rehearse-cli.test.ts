import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/dialects/index.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`lockstep rehearse / migrate up --rehearse (CLI, ${dialect})`, () => {
    let t: TestDatabase;
    let project: string;
    before(async () => {
      t = await createTestDatabase(dialect);
      project = mkdtempSync(join(tmpdir(), 'lockstep-rehearse-cli-'));
      const write = (name: string, sql: string) => {
        mkdirSync(join(project, 'migrations', name), { recursive: true });
        writeFileSync(join(project, 'migrations', name, 'up.sql'), sql);
      };
      write('001_jobs', 'CREATE TABLE jobs (id integer PRIMARY KEY, name text NOT NULL);\n');
      write('002_job_serial', 'ALTER TABLE jobs ADD COLUMN job_serial integer NOT NULL;\n');
      const r = await runCli(['migrate', 'up', '--to', '001', '--url', t.url], { cwd: project });
      assert.equal(r.code, 0, r.stderr);
      await t.db.exec("INSERT INTO jobs (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    });
    after(async () => {
      await t.dispose();
      rmSync(project, { recursive: true, force: true });
    });

    test('rehearse --json: the pending migration fails in data terms, exit 1', async () => {
      const r = await runCli(['rehearse', '--json', '--url', t.url], { cwd: project });
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.ok, false);
      assert.equal(report.dialect, dialect);
      assert.deepEqual(report.steps.map((s: { migration: string; status: string }) => `${s.migration} ${s.status}`), ['002_job_serial failed']);
      assert.deepEqual(report.steps[0].problems, ['jobs.job_serial: 3 existing rows would be NULL']);
      assert.equal(report.steps[0].error.location, 'migrations/002_job_serial/up.sql:1');
    });

    test('migrate up --rehearse applies nothing when the rehearsal fails', async () => {
      const r = await runCli(['migrate', 'up', '--rehearse', '--url', t.url], { cwd: project });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /failed\s+002_job_serial/);
      assert.match(r.stdout, /jobs\.job_serial: 3 existing rows would be NULL/);
      assert.match(r.stderr, /rehearsal failed: nothing was applied/);
      const db = await connect(t.url);
      try {
        const history = await db.query<{ version: string }>('SELECT version FROM lockstep_migrations ORDER BY version');
        assert.deepEqual(history.rows.map((h) => h.version), ['001']);
      } finally {
        await db.close();
      }
    });

    test('bad durations exit 2', async () => {
      const r = await runCli(['rehearse', '--lock-timeout', 'soon', '--url', t.url], { cwd: project });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--lock-timeout expects a duration like 2s/);
      const budget = await runCli(['rehearse', '--time-budget', '0', '--url', t.url], { cwd: project });
      assert.equal(budget.code, 2);
      assert.match(budget.stderr, /--time-budget must be more than 0/);
    });
  });
}
