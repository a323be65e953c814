import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { CodeIndex, loadCodeTools } from '../../src/lint/code-references.js';
import { lintMigrations } from '../../src/lint/lint.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';

const PROJECT = new URL('../fixtures/lint/orm-project/', import.meta.url).pathname;

before(() => loadCodeTools());

function find(table: string, column: string) {
  return new CodeIndex(join(PROJECT, 'src'))
    .find({ table, column })
    .map((r) => `${r.file.slice(PROJECT.length + 4)}:${r.line}:${r.column} ${r.via}`);
}

describe('code references through the ORMs (tenants.config corpus with near misses)', () => {
  test('Prisma client calls, a Drizzle column and a TypeORM entity property and QueryBuilder string; never another table’s config', () => {
    assert.deepEqual(find('tenants', 'config'), [
      'drizzle-queries.ts:7:38 drizzle', // tenants.config (the select key beside it is the caller's own name)
      'prisma-tenants.ts:5:55 prisma', // select: { config: true }
      'prisma-tenants.ts:9:53 prisma', // where: { AND: [{ config: … }] }
      'prisma-tenants.ts:9:97 prisma', // orderBy: [{ config: 'asc' }]
      'prisma-tenants.ts:13:56 prisma', // data: { config }
      'prisma-tenants.ts:17:47 prisma', // distinct: ['config']
      'typeorm-queries.ts:5:18 typeorm', // account.settings: @Column({ name: 'config' }) on @Entity('tenants') class Account
      'typeorm-queries.ts:9:83 typeorm', // createQueryBuilder('acct') on getRepository(Account): 'acct.settings'
    ]);
  });

  test('near misses belong to their own table: plans.config finds only plans code', () => {
    assert.deepEqual(find('plans', 'config'), [
      'drizzle-queries.ts:12:31 drizzle',
      'prisma-tenants.ts:22:43 prisma',
      'typeorm-queries.ts:14:15 row-type',
      'typeorm-queries.ts:18:68 typeorm',
    ]);
  });

  test('a Drizzle column whose key differs from its database name is found by the database name', () => {
    assert.deepEqual(find('quotas', 'limits'), ['drizzle-queries.ts:18:55 drizzle']);
  });

  test('lint: the migration dropping tenants.config lists every ORM reference with file:line', async () => {
    const report = await lintMigrations({ dialect: getDialect('sqlite'), migrations: readMigrationsFolder(join(PROJECT, 'migrations')), srcDir: join(PROJECT, 'src'), cwd: PROJECT });
    const finding = report.findings.find((f) => f.rule === 'code-reference');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.equal(finding.table, 'tenants');
    assert.equal(finding.column, 'config');
    assert.deepEqual(
      finding.references!.map((r) => `${r.file}:${r.line}`),
      ['src/drizzle-queries.ts:7', 'src/prisma-tenants.ts:5', 'src/prisma-tenants.ts:9', 'src/prisma-tenants.ts:9', 'src/prisma-tenants.ts:13', 'src/prisma-tenants.ts:17', 'src/typeorm-queries.ts:5', 'src/typeorm-queries.ts:9'],
    );
  });
});
