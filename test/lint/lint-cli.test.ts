import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/dialects/index.js';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { runCli } from '../helpers/cli.js';

const FIXTURE = new URL('../fixtures/lint/tenants-project/', import.meta.url).pathname;

describe('lockstep lint (CLI, tenants.config project)', () => {
  let project: string;
  let url: string;
  before(() => {
    project = mkdtempSync(join(tmpdir(), 'lockstep-lint-cli-'));
    cpSync(FIXTURE, project, { recursive: true });
    url = `sqlite:${join(project, 'app.db')}`;
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  test('--all --json: exit 1, the code-reference error with both references and nothing else', async () => {
    const r = await runCli(['lint', '--all', '--json', '--url', url], { cwd: project });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['ok', 'findings', 'ignored']);
    assert.equal(report.ok, false);
    assert.deepEqual(report.findings, [
      {
        rule: 'code-reference',
        severity: 'error',
        migration: '002_drop_tenant_config',
        file: 'migrations/002_drop_tenant_config/up.sql',
        line: 1,
        table: 'tenants',
        column: 'config',
        message: report.findings[0].message,
        references: [
          { file: 'src/adapters.ts', line: 12, column: 17, text: 'return tenant.config.adapters;' },
          { file: 'src/adapters.ts', line: 16, column: 54, text: 'const { rows } = await db.query<TenantRow>(`SELECT config FROM tenants WHERE id = ${id}`);' },
        ],
      },
    ]);
    assert.match(report.findings[0].message, /drops tenants\.config, but src\/ still uses it in 2 places/);
  });

  test('default: lints only the pending migrations of the database; nothing pending → exit 0', async () => {
    const db = await connect(url);
    try {
      const migrations = readMigrationsFolder(join(project, 'migrations'));
      assert.ok((await migrateUp(db, migrations, { to: '001' })).ok);
      const pending = await runCli(['lint', '--json', '--url', url], { cwd: project });
      assert.equal(pending.code, 1, pending.stderr);
      const report = JSON.parse(pending.stdout);
      assert.deepEqual(Object.keys(report), ['ok', 'findings']);
      assert.deepEqual(report.findings.map((f: { rule: string; migration: string }) => `${f.rule} ${f.migration}`), ['code-reference 002_drop_tenant_config']);
      assert.ok((await migrateUp(db, migrations)).ok);
    } finally {
      await db.close();
    }
    const none = await runCli(['lint', '--url', url], { cwd: project });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /nothing to lint: no pending migrations/);
  });

  test('text output shows the references with file:line:column and the source line', async () => {
    const r = await runCli(['lint', '002', '--url', url], { cwd: project });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /migrations\/002_drop_tenant_config\/up\.sql\n\s+1\s+error\s+code-reference\s+drops tenants\.config/);
    assert.match(r.stdout, /src\/adapters\.ts:12:17\s+return tenant\.config\.adapters;/);
    assert.match(r.stdout, /src\/adapters\.ts:16:54\s+const \{ rows \}/);
    assert.doesNotMatch(r.stdout, /config\.port|settings\.ts/);
    assert.match(r.stdout, /1 migration linted: 1 error, 0 warnings/);
  });

  test('--format sarif is SARIF 2.1.0 with rules, results and locations', async () => {
    const r = await runCli(['lint', 'migrations/002_drop_tenant_config', '--format', 'sarif', '--url', url], { cwd: project });
    assert.equal(r.code, 1, r.stderr);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-2\.1\.0/);
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'lockstep');
    assert.ok(run.tool.driver.rules.some((rule: { id: string }) => rule.id === 'code-reference'));
    assert.equal(run.results.length, 1);
    const result = run.results[0];
    assert.equal(result.ruleId, 'code-reference');
    assert.equal(result.level, 'error');
    assert.match(result.message.text, /tenants\.config/);
    assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'migrations/002_drop_tenant_config/up.sql');
    assert.equal(result.locations[0].physicalLocation.region.startLine, 1);
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, 'code-reference');
    assert.deepEqual(result.relatedLocations.map((l: { physicalLocation: { region: { startLine: number } } }) => l.physicalLocation.region.startLine), [12, 16]);
  });

  test('--format github: workflow annotations on the migration and on each reference', async () => {
    const r = await runCli(['lint', '--all', '--format', 'github', '--url', url], { cwd: project });
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^::error file=migrations\/002_drop_tenant_config\/up\.sql,line=1,title=lockstep code-reference::drops tenants\.config/);
    assert.match(lines[1], /^::error file=src\/adapters\.ts,line=12,col=17,/);
    assert.match(lines[2], /^::error file=src\/adapters\.ts,line=16,col=54,/);
  });

  test('bad input exits 2: unreachable database (suggests --all), unknown migration, unknown format', async () => {
    const down = await runCli(['lint', '--url', 'postgres://postgres@127.0.0.1:1/nothing'], { cwd: project });
    assert.equal(down.code, 2);
    assert.match(down.stderr, /cannot tell which migrations are pending/);
    assert.match(down.stderr, /--all/);
    const unknown = await runCli(['lint', '999', '--url', url], { cwd: project });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no migration matches "999"/);
    const format = await runCli(['lint', '--all', '--format', 'xml', '--url', url], { cwd: project });
    assert.equal(format.code, 2);
    assert.match(format.stderr, /unknown --format xml/);
  });
});
