import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { type LintFinding, ruleApplies } from '../../src/lint/lint-rule.js';
import { lintMigrations } from '../../src/lint/lint.js';
import { RULES } from '../../src/lint/rules/index.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { DIALECTS, testPgUrl } from '../helpers/databases.js';

const FIXTURES = new URL('../fixtures/lint/', import.meta.url).pathname;

/** `<migration>:<line> <rule> <table>.<column>`: the identity of a finding in expected.json. */
const short = (f: LintFinding) => `${f.migration}:${f.line} ${f.rule}${f.table ? ` ${f.table}${f.column ? `.${f.column}` : ''}` : ''}`;

for (const dialect of DIALECTS) {
  describe(`lint corpus (${dialect})`, () => {
    const root = join(FIXTURES, `corpus-${dialect}`);
    const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as { findings: string[]; ignored: string[] };

    test('reports exactly the expected findings for every migration, good and bad', async () => {
      const report = await lintMigrations({ dialect: getDialect(dialect), migrations: readMigrationsFolder(join(root, 'migrations')), devUrl: testPgUrl(), cwd: root });
      assert.deepEqual(report.findings.map(short), expected.findings);
      assert.deepEqual(
        report.ignored.map((f) => `${short(f)} (${f.reason})`),
        expected.ignored,
      );
      assert.equal(report.ok, false);
      // The safe migrations produce nothing at all.
      assert.equal(report.findings.filter((f) => f.migration.includes('safe_changes') || f.migration.includes('base') || f.migration.includes('concurrent_index')).length, 0);
      // Every finding says what to do and where.
      for (const f of report.findings) {
        assert.match(f.file, /^migrations\/\d+_[a-z_]+\/up\.sql$/);
        assert.ok(f.message.length > 40, `${f.rule}: message too short: ${f.message}`);
      }
    });

    test('covers every rule that applies to the dialect (code-reference by the tenants project, deployed-code by lint-deployed.test.ts)', () => {
      const covered = new Set([...expected.findings, ...expected.ignored].map((s) => s.split(' ')[1]));
      covered.add('code-reference');
      covered.add('deployed-code');
      const applicable = RULES.filter((r) => ruleApplies(r, getDialect(dialect))).map((r) => r.id);
      assert.deepEqual(applicable.filter((id) => !covered.has(id)), []);
      assert.ok(covered.has('invalid-ignore'));
    });

    test('lints only the migrations asked for, replaying the earlier ones first', async () => {
      const migrations = readMigrationsFolder(join(root, 'migrations'));
      const target = migrations.find((m) => m.name === 'drop_column')!;
      const report = await lintMigrations({ dialect: getDialect(dialect), migrations, only: new Set([target.version]), devUrl: testPgUrl(), cwd: root });
      assert.deepEqual(report.findings.map(short), expected.findings.filter((s) => s.startsWith(`${target.version}_drop_column:`)));
      assert.deepEqual(report.linted, [`${target.version}_drop_column`]);
    });
  });
}

describe('lint: renames that code still uses (sqlite)', () => {
  test('a renamed column used by src/ gives code-reference (error) and rename-column (warning)', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-lint-rename-'));
    try {
      for (const [name, sql] of [
        ['001_tenants', 'CREATE TABLE tenants (id integer PRIMARY KEY, config text);\n'],
        ['002_rename', 'ALTER TABLE tenants RENAME COLUMN config TO settings;\n'],
      ]) {
        mkdirSync(join(dir, 'migrations', name), { recursive: true });
        writeFileSync(join(dir, 'migrations', name, 'up.sql'), sql);
      }
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'tenant.ts'), 'export interface Tenant { id: number; config: string }\nexport const read = (t: Tenant) => t.config;\n');
      const report = await lintMigrations({ dialect: getDialect('sqlite'), migrations: readMigrationsFolder(join(dir, 'migrations')), srcDir: join(dir, 'src'), cwd: dir });
      assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.severity} ${f.table}.${f.column}`), ['code-reference error tenants.config', 'rename-column warning tenants.config']);
      assert.deepEqual(report.findings[0].references, [{ file: 'src/tenant.ts', line: 2, column: 38, text: 'export const read = (t: Tenant) => t.config;' }]);
      assert.match(report.findings[0].message, /renames \(to settings\) tenants\.config/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
