import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { DialectName } from '../../src/core/model.js';
import { getDialect } from '../../src/dialects/index.js';
import type { LintFinding } from '../../src/lint/lint-rule.js';
import { lintMigrations } from '../../src/lint/lint.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { DIALECTS, testPgUrl } from '../helpers/databases.js';

/** Lints a throwaway migrations folder (`[name, up.sql]` pairs) and returns `line rule table.column` per finding. */
async function lintFolder(dialect: DialectName, migrations: [string, string][]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-lint-defects-'));
  try {
    for (const [name, sql] of migrations) {
      mkdirSync(join(dir, 'migrations', name), { recursive: true });
      writeFileSync(join(dir, 'migrations', name, 'up.sql'), sql);
    }
    const report = await lintMigrations({ dialect: getDialect(dialect), migrations: readMigrationsFolder(join(dir, 'migrations')), devUrl: testPgUrl(), cwd: dir });
    return report.findings.map((f: LintFinding) => `${f.migration}:${f.line} ${f.rule}${f.table ? ` ${f.table}${f.column ? `.${f.column}` : ''}` : ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const dialect of DIALECTS) {
  describe(`lint defects (${dialect})`, () => {
    test('a column rename (as generate --rename writes it) adds no column: no not-null-without-default', async () => {
      const findings = await lintFolder(dialect, [
        ['001_customers', 'CREATE TABLE "customers" ("id" integer PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE);\n'],
        ['002_rename', 'ALTER TABLE "customers" RENAME COLUMN "name" TO "full_name";\nALTER TABLE "customers" RENAME COLUMN "email" TO "email_address";\n'],
      ]);
      assert.deepEqual(findings, ['002_rename:1 rename-column customers.name', '002_rename:2 rename-column customers.email']);
    });

    test('each finding points at its own statement, not at an earlier one naming the same column', async () => {
      const tighten =
        dialect === 'postgres'
          ? '-- customers.email becomes required and unique\n-- (backfilled by release 41)\nCREATE INDEX customers_email_idx ON customers (email);\nALTER TABLE customers ALTER COLUMN email SET NOT NULL;\nALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);\n'
          : '-- customers.email becomes unique\n-- (deduplicated by release 41)\nCREATE INDEX customers_email_idx ON customers (email);\nCREATE UNIQUE INDEX customers_email_key ON customers (email);\n';
      const findings = await lintFolder(dialect, [
        ['001_customers', 'CREATE TABLE customers (id integer PRIMARY KEY, email text);\n'],
        ['002_tighten', tighten],
      ]);
      assert.deepEqual(
        findings,
        dialect === 'postgres'
          ? ['002_tighten:3 index-not-concurrent customers.email', '002_tighten:4 not-null-without-default customers.email', '002_tighten:5 add-unique customers.email']
          : ['002_tighten:4 add-unique customers.email'],
      );
    });
  });
}
