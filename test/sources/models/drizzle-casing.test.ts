import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSchemas } from '../../../src/core/diff-schemas.js';
import { isLockstepError } from '../../../src/core/errors.js';
import type { DialectName } from '../../../src/core/model.js';
import { getDialect } from '../../../src/dialects/index.js';
import { loadModels } from '../../../src/sources/models/index.js';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../helpers/databases.js';
import { MODEL_FIXTURES, REPO_ROOT } from '../../helpers/model-fixtures.js';
import { drizzleKitSql } from '../../helpers/orm-databases.js';

// Drizzle's casing option: columns declared without a name take their key, converted.
const fixture = (dialect: DialectName) => join(MODEL_FIXTURES, 'drizzle', 'casing', `${dialect === 'postgres' ? 'pg' : 'sqlite'}.ts`);

async function withDatabase<T>(dialect: DialectName, statements: string[], body: (t: TestDatabase) => Promise<T>): Promise<T> {
  const t = await createTestDatabase(dialect);
  try {
    for (const sql of statements) await t.db.exec(sql);
    return await body(t);
  } finally {
    await t.dispose();
  }
}

for (const dialect of DIALECTS) {
  describe(`drizzle casing (${dialect})`, () => {
    for (const casing of ['snake_case', 'camelCase'] as const) {
      test(`casing ${casing}: the columns have drizzle-kit's names, and a database drizzle-kit built with it compares equal`, async () => {
        const models = await loadModels(fixture(dialect), { cwd: REPO_ROOT, casing });
        assert.deepEqual(models.issues, []);
        const accounts = models.schema.tables.find((t) => t.name === 'accounts')!;
        assert.deepEqual(
          accounts.columns.map((c) => c.name).sort(),
          (casing === 'snake_case' ? ['created_at', 'display_name', 'email_address', 'id', 'is_active', 'legacy_code'] : ['createdAt', 'displayName', 'emailAddress', 'id', 'isActive', 'legacy_code']).sort(),
        );
        const member = models.schema.tables.find((t) => t.name === 'memberships')!;
        assert.deepEqual(member.primaryKey?.columns, casing === 'snake_case' ? ['account_id', 'team_name'] : ['accountId', 'teamName']);
        assert.deepEqual(member.foreignKeys.map((f) => f.columns), [casing === 'snake_case' ? ['account_id'] : ['accountId']]);
        // Locations follow the database name to the key's line.
        const line = models.locations.get(`${dialect === 'postgres' ? 'public' : 'main'}.accounts.${casing === 'snake_case' ? 'created_at' : 'createdAt'}`);
        assert.equal(line?.line, 9);
        await withDatabase(dialect, await drizzleKitSql(dialect, fixture(dialect), casing), async (t) => {
          const diff = diffSchemas(models.schema, await getDialect(dialect).introspect(t.db));
          assert.deepEqual(diff.changes.map((c) => c.message), []);
        });
      });
    }

    test('without casing the keys are the names; against a snake_case database every renamed column differs', async () => {
      const models = await loadModels(fixture(dialect), { cwd: REPO_ROOT });
      assert.ok(models.schema.tables.find((t) => t.name === 'accounts')!.columns.some((c) => c.name === 'displayName'));
      await withDatabase(dialect, await drizzleKitSql(dialect, fixture(dialect), 'snake_case'), async (t) => {
        const diff = diffSchemas(models.schema, await getDialect(dialect).introspect(t.db));
        const missing = diff.changes.filter((c) => c.kind === 'column.missing').map((c) => `${c.table}.${c.column}`).sort();
        assert.deepEqual(missing, ['accounts.createdAt', 'accounts.displayName', 'accounts.emailAddress', 'accounts.isActive', 'memberships.accountId', 'memberships.joinedAt', 'memberships.teamName']);
      });
    });

    test("lockstep check reads casing from the project's drizzle.config.ts: exit 0 against drizzle-kit's database", async () => {
      const root = mkdtempSync(join(tmpdir(), 'lockstep-drizzle-casing-'));
      const t = await createTestDatabase(dialect);
      try {
        mkdirSync(join(root, 'node_modules'), { recursive: true });
        symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules', 'drizzle-orm')), join(root, 'node_modules', 'drizzle-orm'), 'dir');
        mkdirSync(join(root, 'src', 'db'), { recursive: true });
        copyFileSync(fixture(dialect), join(root, 'src', 'db', 'schema.ts'));
        writeFileSync(join(root, 'drizzle.config.ts'), `import { defineConfig } from 'drizzle-kit';\n\nexport default defineConfig({\n  dialect: '${dialect === 'postgres' ? 'postgresql' : 'sqlite'}',\n  schema: './src/db/schema.ts',\n  casing: 'snake_case',\n  dbCredentials: { url: process.env.DATABASE_URL! },\n});\n`);
        for (const sql of await drizzleKitSql(dialect, fixture(dialect), 'snake_case')) await t.db.exec(sql);
        const r = await runCli(['check', '--schema', 'src/db/schema.ts', '--url', t.url], { cwd: root, env: { DATABASE_URL: '' } });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        // A casing lockstep cannot read without running the config is an error naming the line.
        writeFileSync(join(root, 'drizzle.config.ts'), `const casing = process.env.CASING as 'snake_case';\nexport default {\n  schema: './src/db/schema.ts',\n  casing: casing,\n};\n`);
        await assert.rejects(loadModels(join(root, 'src/db/schema.ts'), { cwd: root }), (error: unknown) => isLockstepError(error) && /^drizzle\.config\.ts:4 sets casing to casing, which lockstep cannot read/.test(error.message));
      } finally {
        await t.dispose();
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
}
