import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { detectModelKind } from '../../../src/sources/models/index.js';
import { readPrismaModels } from '../../../src/sources/models/prisma.js';
import { sourceKind } from '../../../src/sources/load-source.js';

const root = mkdtempSync(join(tmpdir(), 'lockstep-prisma-files-'));
// The project has the package installed, as a Prisma user's project does.
mkdirSync(join(root, 'node_modules', '@prisma'), { recursive: true });
symlinkSync(dirname(createRequire(import.meta.url).resolve('@prisma/prisma-schema-wasm/package.json')), join(root, 'node_modules', '@prisma', 'prisma-schema-wasm'), 'dir');
after(() => rmSync(root, { recursive: true, force: true }));

describe('Prisma schema files', () => {
  test('a folder of .prisma files (Prisma 7 style, no url) is one schema; locations name each file', async () => {
    const dir = join(root, 'prisma', 'schema');
    mkdirSync(join(dir, 'billing'), { recursive: true });
    writeFileSync(join(dir, 'main.prisma'), 'datasource db {\n  provider = "sqlite"\n}\n\nmodel User {\n  id       Int       @id\n  invoices Invoice[]\n}\n');
    writeFileSync(join(dir, 'billing', 'invoice.prisma'), 'model Invoice {\n  id     Int  @id\n  userId Int\n  user   User @relation(fields: [userId], references: [id])\n}\n');
    assert.equal(detectModelKind(dir), 'prisma');
    assert.equal(sourceKind('prisma/schema', root), 'models');
    const models = await readPrismaModels(dir, { cwd: root });
    assert.deepEqual(models.issues, []);
    assert.equal(models.dialect, 'sqlite');
    assert.deepEqual(models.files, ['prisma/schema/billing/invoice.prisma', 'prisma/schema/main.prisma']);
    assert.deepEqual(models.locations.get('main.Invoice.userId'), { file: 'prisma/schema/billing/invoice.prisma', line: 3 });
    assert.deepEqual(models.locations.get('main.User'), { file: 'prisma/schema/main.prisma', line: 5 });
    assert.deepEqual(models.schema.tables.find((t) => t.name === 'Invoice')!.foreignKeys.map((f) => [f.name, f.onDelete, f.onUpdate]), [['Invoice_userId_fkey', 'restrict', 'cascade']]);

    // An error in the second file is reported at that file's line.
    writeFileSync(join(dir, 'billing', 'invoice.prisma'), 'model Invoice {\n  id     Int  @id\n  userId Int\n  user   Usr  @relation(fields: [userId], references: [id])\n}\n');
    const broken = await readPrismaModels(dir, { cwd: root });
    assert.deepEqual(broken.issues.map((i) => [i.kind, i.location.file, i.location.line]).slice(0, 1), [['relation.unknown-model', 'prisma/schema/billing/invoice.prisma', 4]]);
  });

  test('a provider lockstep does not support is a clear error', async () => {
    const file = join(root, 'mysql.prisma');
    writeFileSync(file, 'datasource db {\n  provider = "mysql"\n}\nmodel A {\n  id Int @id\n}\n');
    await assert.rejects(readPrismaModels(file, { cwd: root }), /the datasource provider is "mysql", and lockstep supports PostgreSQL and SQLite/);
  });
});
