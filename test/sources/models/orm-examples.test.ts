import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSchemas } from '../../../src/core/diff-schemas.js';
import { getDialect } from '../../../src/dialects/index.js';
import { readMigrationsFolder } from '../../../src/migrations/migration-folder.js';
import { loadModels } from '../../../src/sources/models/index.js';
import { createTestDatabase } from '../../helpers/databases.js';
import { changeKeys, REPO_ROOT } from '../../helpers/model-fixtures.js';

/** The example's models against a SQLite database migrated by its migrations (all, or all but the last). */
async function compare(example: string, options: { skipLast?: boolean } = {}) {
  const dir = join(REPO_ROOT, 'examples', example);
  const config = JSON.parse(readFileSync(join(dir, 'lockstep.config.json'), 'utf8')) as { schema: string; migrations: string };
  const models = await loadModels(config.schema, { cwd: dir });
  const migrations = readMigrationsFolder(join(dir, config.migrations));
  const t = await createTestDatabase('sqlite', { memory: true });
  try {
    for (const m of options.skipLast ? migrations.slice(0, -1) : migrations) await t.db.exec(m.up);
    return { models, diff: diffSchemas(models.schema, await getDialect('sqlite').introspect(t.db)) };
  } finally {
    await t.dispose();
  }
}

for (const [example, kind, lastMigration] of [
  ['drizzle-app', 'drizzle', ['column.missing posts.published_at']],
  ['typeorm-app', 'typeorm', ['column.missing orders.status', 'index.missing orders orders_status_idx']],
] as const) {
  describe(`examples/${example}`, () => {
    test('its migrations build exactly what its models declare', async () => {
      const { models, diff } = await compare(example);
      assert.equal(models.kind, kind);
      assert.deepEqual(models.issues, []);
      assert.deepEqual(diff.changes.map((c) => c.message), []);
    });

    test('a database one migration behind: the models name exactly what is missing', async () => {
      const { diff } = await compare(example, { skipLast: true });
      assert.deepEqual(changeKeys(diff.changes), [...lastMigration]);
    });
  });
}
