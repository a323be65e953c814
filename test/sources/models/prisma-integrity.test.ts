import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { readPrismaModels } from '../../../src/sources/models/prisma.js';
import { runCli } from '../../helpers/cli.js';
import { type PrismaProject, prismaProject } from '../../helpers/prisma-project.js';
import { join } from 'node:path';

const projects: PrismaProject[] = [];
after(async () => {
  for (const p of projects) await p.dispose();
});

// Each failure an ORM shows only at the first query, on its own line (noted in comments).
const BROKEN = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Organization {
  id          Int     @id
  code        String
  teams       Team[]
  teamsByCode Team[]  @relation("ByCode")
  @@map("organizations")
}

model Team {
  id             Int          @id
  organizationId Int          @map("organization_id")
  organization   Organization @relation(fields: [organizationId], references: [id])
  schoolId       Int
  school         School       @relation(fields: [schoolId], references: [id])
  orgCode        String
  byCode         Organization @relation("ByCode", fields: [orgCode], references: [code])
}

model Duplicate {
  id Int @id
  @@map("organizations")
}
`;
const line = (pattern: RegExp) => BROKEN.split('\n').findIndex((l) => pattern.test(l)) + 1;

describe('Prisma model integrity', () => {
  test('every problem Prisma reports, at once, each with its file:line and kind', async () => {
    const p = await prismaProject('postgres', { schema: BROKEN });
    projects.push(p);
    const models = await readPrismaModels(join(p.dir, 'schema.prisma'), { cwd: p.dir });
    const got = models.issues.map((i) => `${i.kind} ${i.location.file}:${i.location.line}`);
    assert.deepEqual(got, [
      `relation.unknown-model schema.prisma:${line(/school +School/)}`,
      `table.mapped-twice schema.prisma:${BROKEN.split('\n').lastIndexOf('  @@map("organizations")') + 1}`,
      `foreign-key.not-unique schema.prisma:${line(/byCode +Organization/)}`,
    ]);
    assert.match(models.issues[0]!.message, /Type "School" is neither a built-in type, nor refers to another model/);

    // The datasource url (Prisma 6 style) is not an error: lockstep blanks it for the Prisma 7 validator.
    assert.ok(!models.issues.some((i) => /url/.test(i.message)), got.join('\n'));
  });

  test('check reports them before any comparison (the database is never read), exit 1, in text, JSON and GitHub formats', async () => {
    const p = await prismaProject('postgres', { schema: BROKEN, config: { url: 'postgres://nobody:secret@127.0.0.1:1/none' } });
    projects.push(p);
    const text = await runCli(['check'], { cwd: p.dir, env: p.env });
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /problems? in the models schema\.prisma \(nothing was compared\)/);
    assert.match(text.stdout, new RegExp(`✗ schema\\.prisma:${line(/school +School/)}: .*School.* \\[relation\\.unknown-model\\]`));
    assert.doesNotMatch(text.stdout + text.stderr, /secret/);

    const json = JSON.parse((await runCli(['check', '--json'], { cwd: p.dir, env: p.env })).stdout);
    assert.equal(json.ok, false);
    assert.deepEqual(json.changes, []);
    assert.ok(json.modelIssues.length >= 3);
    assert.ok(json.modelIssues.every((i: { location: { file: string; line: number } }) => i.location.file === 'schema.prisma' && i.location.line > 0));

    const github = await runCli(['check', '--format', 'github'], { cwd: p.dir, env: p.env });
    assert.equal(github.code, 1);
    assert.match(github.stdout, new RegExp(`^::error file=schema\\.prisma,line=${line(/school +School/)},title=lockstep%3A relation\\.unknown-model::`, 'm'));
  });

  test('a foreign key whose column type does not match the referenced key (valid for Prisma, refused by the database)', async () => {
    const schema = `datasource db {\n  provider = "postgresql"\n}\nmodel User {\n  id    String @id\n  posts Post[]\n}\nmodel Post {\n  id      Int    @id\n  ownerId String @db.Uuid\n  owner   User   @relation(fields: [ownerId], references: [id])\n}\n`;
    const p = await prismaProject('postgres', { schema });
    projects.push(p);
    const models = await readPrismaModels(join(p.dir, 'schema.prisma'), { cwd: p.dir });
    assert.deepEqual(models.issues.map((i) => [i.kind, i.location.line, i.message]), [
      ['foreign-key.type-mismatch', 10, 'Post.ownerId references User(id), but Post.ownerId is uuid and User.id is text'],
    ]);
  });

  test('a clean model set has no issues', async () => {
    const clean = BROKEN.replace(/^ {2}schoolId.*\n^ {2}school .*\n/m, '')
      .replace(/^ {2}orgCode.*\n^ {2}byCode.*\n/m, '')
      .replace(/^ {2}teamsByCode.*\n/m, '')
      .replace(/model Duplicate \{[\s\S]*?\}\n/, '');
    const p = await prismaProject('postgres', { schema: clean });
    projects.push(p);
    const models = await readPrismaModels(join(p.dir, 'schema.prisma'), { cwd: p.dir });
    assert.deepEqual(models.issues, []);
    assert.deepEqual(models.schema.tables.map((t) => t.name), ['Team', 'organizations']);
  });

  test('without @prisma/prisma-schema-wasm in the project: exit 2 with an error naming the package', async () => {
    const p = await prismaProject('sqlite', { schema: BROKEN.replace('postgresql', 'sqlite'), installPackage: false });
    projects.push(p);
    const r = await runCli(['check'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /@prisma\/prisma-schema-wasm is not installed in .*: lockstep reads the models with the project's own copy \(reading schema\.prisma needs the package @prisma\/prisma-schema-wasm\)/);
    assert.match(r.stderr, /npm install @prisma\/prisma-schema-wasm/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
