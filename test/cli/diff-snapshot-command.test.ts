import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/dialects/index.js';
import { parseSnapshot } from '../../src/core/snapshot.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, dropPgDatabase, testPgUrl } from '../helpers/databases.js';
import { applyFixture, FIXTURES_DIR } from '../helpers/fixture-schemas.js';

for (const dialect of ['postgres', 'sqlite'] as const) {
  describe(`lockstep diff and snapshot on ${dialect}`, () => {
    let dir: string;
    let url: string;
    const env = { LOCKSTEP_DEV_URL: testPgUrl() };
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lockstep-diff-'));
      copyFileSync(`${FIXTURES_DIR}jobs/${dialect}.sql`, join(dir, 'schema.sql'));
      mkdirSync(join(dir, 'migrations'));
      copyFileSync(`${FIXTURES_DIR}jobs/${dialect}-init.sql`, join(dir, 'migrations', '1_init.sql'));
      url = dialect === 'sqlite' ? `sqlite:${join(dir, 'live.db')}` : await createPgDatabase();
      const db = await connect(url);
      try {
        await applyFixture(db, `${FIXTURES_DIR}jobs/${dialect}.sql`);
      } finally {
        await db.close();
      }
      writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url }));
    });
    after(async () => {
      if (dialect === 'postgres') await dropPgDatabase(url);
      rmSync(dir, { recursive: true, force: true });
    });

    test('diff --from migrations --to schema.sql: exit 1 and the missing columns', async () => {
      const r = await runCli(['diff', '--from', 'migrations', '--to', 'schema.sql', '--json'], { cwd: dir, env });
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.deepEqual([report.expected.source, report.actual.source, report.dialect], ['schema.sql', 'migrations', dialect]);
      assert.equal(report.changes.filter((c: { kind: string }) => c.kind === 'column.missing').length, 7);
    });

    test('diff --sql prints SQL that takes FROM to TO', async () => {
      const r = await runCli(['diff', '--from', 'migrations', '--to', 'schema.sql', '--sql'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /job_uuid/);
      // Applying it to a database built by the migrations reaches schema.sql.
      const target = dialect === 'sqlite' ? `sqlite:${join(dir, 'replay.db')}` : await createPgDatabase();
      try {
        const db = await connect(target);
        try {
          await applyFixture(db, join(dir, 'migrations', '1_init.sql'));
          await db.exec(r.stdout);
        } finally {
          await db.close();
        }
        const check = await runCli(['diff', '--from', target, '--to', 'schema.sql'], { cwd: dir, env });
        assert.equal(check.code, 0, check.stdout + check.stderr);
        assert.match(check.stdout, /in sync/);
      } finally {
        if (dialect === 'postgres') await dropPgDatabase(target);
      }
    });

    test('snapshot of the live database, then diff against schema.sql: identical', async () => {
      const out = join(dir, 'snap', 'live.json');
      const r = await runCli(['snapshot', '--out', out], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /wrote snap\/live\.json: 3 tables/);
      const snapshot = JSON.parse(readFileSync(out, 'utf8'));
      assert.deepEqual([snapshot.lockstep, snapshot.version, snapshot.dialect], ['schema-snapshot', 1, dialect]);
      assert.equal(parseSnapshot(readFileSync(out, 'utf8'), 'live.json').tables.length, 3);
      const same = await runCli(['diff', '--from', out, '--to', 'schema.sql'], { cwd: dir, env });
      assert.equal(same.code, 0, same.stdout + same.stderr);
      const other = await runCli(['diff', '--from', 'migrations', '--to', out, '--format', 'github'], { cwd: dir, env });
      assert.equal(other.code, 1);
      assert.match(other.stdout, /^::error title=lockstep%3A column\.missing::column jobs\.job_uuid is missing/m);
    });

    test('snapshot SRC to stdout: a migrations folder', async () => {
      const r = await runCli(['snapshot', 'migrations'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const schema = parseSnapshot(r.stdout, 'stdout');
      assert.equal(schema.tables.find((t) => t.name === 'jobs')?.columns.some((c) => c.name === 'job_uuid'), false);
    });

    test('bad sources exit 2', async () => {
      const missing = await runCli(['diff', '--from', 'nope.sql', '--to', 'schema.sql'], { cwd: dir, env });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /not found: nope\.sql/);
      const noTo = await runCli(['diff', '--from', 'schema.sql'], { cwd: dir, env });
      assert.equal(noTo.code, 2);
      assert.match(noTo.stderr, /lockstep diff needs --to/);
      const other = dialect === 'sqlite' ? 'postgres://x:pw@127.0.0.1:1/x' : 'sqlite::memory:';
      const mixed = await runCli(['diff', '--from', other, '--to', url], { cwd: dir, env });
      assert.equal(mixed.code, 2);
      assert.match(mixed.stderr, /cannot compare a/);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ lockstep: 'schema-snapshot', version: 1, dialect, schema: { dialect, tables: [{ name: 1 }], enums: [], views: [] } }));
      const bad = await runCli(['diff', '--from', 'bad.json', '--to', 'schema.sql'], { cwd: dir, env });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad\.json: schema\.tables\[0\]\.schema: expected a string, found nothing/);
    });
  });
}
