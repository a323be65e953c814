import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { DialectName } from '../../../src/core/model.js';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../helpers/databases.js';
import { MODEL_FIXTURES, REPO_ROOT, SEVEN_MISSING, staleJobsSql } from '../../helpers/model-fixtures.js';
import { drizzleKitSql, synchronizeWithTypeorm } from '../../helpers/orm-databases.js';

// Issue 10: `lockstep check` at the command line with Drizzle and TypeORM model sets.
// (Prisma's CLI-level tests are in prisma-check.test.ts.)

const suffix = (dialect: DialectName) => (dialect === 'postgres' ? 'pg' : 'sqlite');

const ORMS = [
  { orm: 'drizzle', file: (d: DialectName) => join(MODEL_FIXTURES, 'drizzle', `jobs-${suffix(d)}.ts`), build: async (t: TestDatabase, file: string) => { for (const sql of await drizzleKitSql(t.dialect, file)) await t.db.exec(sql); } },
  { orm: 'typeorm', file: (d: DialectName) => join(MODEL_FIXTURES, 'typeorm', `jobs-${suffix(d)}.ts`), build: (t: TestDatabase, file: string) => synchronizeWithTypeorm(t, file) },
] as const;

for (const dialect of DIALECTS) {
  for (const { orm, file, build } of ORMS) {
    describe(`lockstep check with ${orm} models on ${dialect}`, () => {
      const models = file(dialect);
      const shown = models.slice(REPO_ROOT.length);
      const check = (t: TestDatabase, ...args: string[]) => runCli(['check', '--schema', shown, '--url', t.url, ...args], { cwd: REPO_ROOT, env: { DATABASE_URL: '' } });

      test(`a database built by ${orm === 'drizzle' ? 'drizzle-kit' : 'TypeORM’s schema builder'}: exit 0`, async () => {
        const t = await createTestDatabase(dialect);
        try {
          await build(t, models);
          const r = await check(t);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          const json = await check(t, '--json');
          assert.equal(json.code, 0, json.stderr);
          const report = JSON.parse(json.stdout);
          assert.equal(report.ok, true);
          assert.deepEqual(report.changes, []);
          assert.deepEqual(report.expected, { source: shown, kind: 'models', orm });
        } finally {
          await t.dispose();
        }
      });

      test('the seven missing columns: a database from the stale init SQL, exit 1, all seven listed in one run with their model lines', async () => {
        const t = await createTestDatabase(dialect);
        try {
          await t.db.exec(staleJobsSql(dialect));
          const text = await check(t);
          assert.equal(text.code, 1, text.stdout + text.stderr);
          for (const column of SEVEN_MISSING) assert.match(text.stdout, new RegExp(`column ${column.replace('.', '\\.')} is missing`));
          const json = await check(t, '--json');
          assert.equal(json.code, 1, json.stderr);
          const report = JSON.parse(json.stdout);
          const missing = report.changes.filter((c: { kind: string }) => c.kind === 'column.missing');
          assert.deepEqual(missing.map((c: { table: string; column: string }) => `${c.table}.${c.column}`).sort(), SEVEN_MISSING);
          for (const c of missing) {
            assert.equal(c.location.file, shown, JSON.stringify(c));
            assert.ok(Number.isInteger(c.location.line) && c.location.line > 1, JSON.stringify(c));
          }
        } finally {
          await t.dispose();
        }
      });
    });
  }
}
