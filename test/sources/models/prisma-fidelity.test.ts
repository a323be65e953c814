import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { diffSchemas } from '../../../src/core/diff-schemas.js';
import { getDialect } from '../../../src/dialects/index.js';
import { readPrismaModels } from '../../../src/sources/models/prisma.js';
import { createTestDatabase, DIALECTS } from '../../helpers/databases.js';
import { prismaMigrationSql } from '../../helpers/prisma-engine.js';
import { representativePrisma } from '../../fixtures/prisma/representative.js';

const project = mkdtempSync(join(tmpdir(), 'lockstep-prisma-'));
after(() => rmSync(project, { recursive: true, force: true }));

/** Writes `schema.prisma`, builds a database from Prisma's own SQL for it, and returns both schemas. */
async function modelsAndDatabase(dialect: 'postgres' | 'sqlite', text: string, perturb?: string) {
  const file = join(project, `${dialect}-${Math.random().toString(36).slice(2)}.prisma`);
  writeFileSync(file, text);
  const models = await readPrismaModels(file, { cwd: process.cwd() });
  const sql = await prismaMigrationSql(text.replace(/^\s*url\s*=.*$/m, ''), dialect);
  const t = await createTestDatabase(dialect);
  try {
    await t.db.exec(sql);
    if (perturb) await t.db.exec(perturb);
    const live = await getDialect(dialect).introspect(t.db);
    return { models, live, sql };
  } finally {
    await t.dispose();
  }
}

for (const dialect of DIALECTS) {
  describe(`Prisma models on ${dialect}`, () => {
    test('a database built from Prisma\'s own migration SQL matches the models: no changes, even with strict names', async () => {
      const { models, live, sql } = await modelsAndDatabase(dialect, representativePrisma(dialect));
      assert.deepEqual(models.issues, []);
      assert.equal(models.dialect, dialect);
      const diff = diffSchemas(models.schema, live, { strictNames: true });
      assert.deepEqual(diff.changes.map((c) => c.message), [], sql);
      // The implicit many-to-many tables are there, with Prisma's names.
      assert.ok(models.schema.tables.some((t) => t.name === '_PostToTag'));
      assert.ok(models.schema.tables.some((t) => t.name === '_GroupToUser'));
    });

    const perturbations: Array<[string, string, string[]]> = [
      ['drop a column', 'alter table "users" drop column "score"', ['column.missing']],
      ['drop a foreign key', `alter table "profiles" drop constraint "profiles_user_id_fkey"`, ['fk.missing']],
      ['drop an index', 'drop index "post_title_idx"', ['index.missing']],
    ];
    if (dialect === 'postgres') perturbations.push(['change a length', 'alter table "users" alter column "name" type varchar(30)', ['column.type']]);
    for (const [what, sql, kinds] of perturbations) {
      if (dialect === 'sqlite' && what === 'drop a foreign key') continue;
      test(`one perturbation is reported as exactly that change: ${what}`, async () => {
        const { models, live } = await modelsAndDatabase(dialect, representativePrisma(dialect), sql);
        const diff = diffSchemas(models.schema, live);
        assert.deepEqual(diff.changes.map((c) => c.kind), kinds, diff.changes.map((c) => c.message).join('\n'));
      });
    }
  });
}
