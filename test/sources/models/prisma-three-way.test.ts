import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { DIALECTS } from '../../helpers/databases.js';
import { type PrismaProject, prismaProject } from '../../helpers/prisma-project.js';

const projects: PrismaProject[] = [];
after(async () => {
  for (const p of projects) await p.dispose();
});

const models = (provider: string, extra = '') => `datasource db {
  provider = "${provider}"
}

model User {
  id    Int    @id @default(autoincrement())
  email String @unique${extra}
  posts Post[]
  @@map("users")
}

model Post {
  id       Int    @id @default(autoincrement())
  title    String
  authorId Int
  author   User   @relation(fields: [authorId], references: [id], onDelete: Cascade)
}
`;

for (const dialect of DIALECTS) {
  describe(`three-way check (models, migrations, live database) on ${dialect}`, () => {
    test('generate writes migrations from the models; check reports each side in its own section', async () => {
      const provider = dialect === 'postgres' ? 'postgresql' : 'sqlite';
      const p = await prismaProject(dialect, { schema: models(provider), config: { migrations: 'migrations' } });
      projects.push(p);
      mkdirSync(join(p.dir, 'migrations'));
      const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env: p.env });
      const check = async () => {
        const r = await cli('check', '--json');
        return { code: r.code, report: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
      };

      const init = await cli('generate', 'init');
      assert.equal(init.code, 0, init.stdout + init.stderr);
      assert.match(init.stdout, /the models expected/);
      assert.equal((await cli('migrate', 'up')).code, 0);
      let r = await check();
      assert.equal(r.code, 0, JSON.stringify(r.report, null, 2) + r.stderr);
      assert.deepEqual([r.report.changes, r.report.unmigrated, r.report.liveVsMigrations], [[], [], { pending: [], unknown: [], changes: [] }]);

      // The models change; nobody writes a migration.
      writeFileSync(join(p.dir, 'schema.prisma'), models(provider, '\n  phone String?'));
      r = await check();
      assert.equal(r.code, 1);
      assert.deepEqual(r.report.changes.map((c: { kind: string; column: string }) => `${c.kind} ${c.column}`), ['column.missing phone']);
      assert.deepEqual(r.report.unmigrated.map((c: { kind: string; column: string }) => `${c.kind} ${c.column}`), ['column.missing phone']);
      assert.deepEqual(r.report.liveVsMigrations, { pending: [], unknown: [], changes: [] });
      const text = await cli('check');
      assert.match(text.stdout, /^live database vs models$/m);
      assert.match(text.stdout, /the models changed but no migration was written \(schema\.prisma\)\n.*\n  fix: lockstep generate NAME/);
      assert.match(text.stdout, /^live database vs migrations\n✓ .* is at the latest migration$/m);

      // The migration is written but not applied: the database is behind the migrations.
      assert.equal((await cli('generate', 'add_phone')).code, 0);
      const versions = readdirSync(join(p.dir, 'migrations')).sort();
      r = await check();
      assert.equal(r.code, 1);
      assert.deepEqual(r.report.unmigrated, []);
      assert.deepEqual(r.report.liveVsMigrations.pending, [versions[1]!.split('_')[0]]);
      assert.deepEqual(r.report.liveVsMigrations.changes.map((c: { kind: string; column: string }) => `${c.kind} ${c.column}`), ['column.missing phone']);
      const behind = await cli('check');
      assert.match(behind.stdout, /✗ behind: 1 migration not applied \(\d+\)\n    fix: lockstep migrate up/);
      const github = await cli('check', '--format', 'github');
      assert.match(github.stdout, /^::error title=lockstep%3A database behind migrations::.*fix: lockstep migrate up$/m);

      assert.equal((await cli('migrate', 'up')).code, 0);
      r = await check();
      assert.equal(r.code, 0, JSON.stringify(r.report, null, 2));

      // A migration applied from another branch, whose folder is not here: the database is ahead.
      renameSync(join(p.dir, 'migrations', versions[1]!), join(p.dir, `.${versions[1]}`));
      r = await check();
      assert.equal(r.code, 1);
      assert.deepEqual(r.report.liveVsMigrations.unknown, [versions[1]!.split('_')[0]]);
    });

    test('diff --from URL --to the models, snapshot of the models, and --schema-kind for a file of another name', async () => {
      const provider = dialect === 'postgres' ? 'postgresql' : 'sqlite';
      const p = await prismaProject(dialect, { schema: models(provider), liveFrom: models(provider), file: 'db/models.txt', config: { schemaKind: 'prisma' } });
      projects.push(p);
      const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env: p.env });
      const url = dialect === 'sqlite' ? 'sqlite:live.db' : p.url;

      const same = await cli('diff', '--from', url, '--to', 'db/models.txt', '--schema-kind', 'prisma');
      assert.equal(same.code, 0, same.stdout + same.stderr);
      writeFileSync(join(p.dir, 'db', 'models.prisma'), models(provider, '\n  phone String?'));
      const changed = await cli('diff', '--from', url, '--to', 'db/models.prisma', '--json');
      assert.equal(changed.code, 1, changed.stderr);
      const report = JSON.parse(changed.stdout);
      assert.deepEqual(report.changes.map((c: { kind: string; column: string }) => `${c.kind} ${c.column}`), ['column.missing phone']);
      assert.equal(report.expected.kind, 'models');
      const sql = await cli('diff', '--from', url, '--to', 'db/models.prisma', '--sql');
      assert.match(sql.stdout, /ALTER TABLE "users" ADD COLUMN "phone" text/);

      const snapshot = await cli('snapshot', 'db/models.prisma');
      assert.equal(snapshot.code, 0, snapshot.stderr);
      assert.deepEqual(JSON.parse(snapshot.stdout).schema.tables.map((t: { name: string }) => t.name), ['Post', 'users']);

      // The config says prisma for db/models.txt: check reads it as models.
      const check = await cli('check');
      assert.equal(check.code, 0, check.stdout + check.stderr);
      const wrongKind = await cli('check', '--schema-kind', 'yaml');
      assert.equal(wrongKind.code, 2);
      assert.match(wrongKind.stderr, /--schema-kind is "yaml", expected one of prisma, drizzle, typeorm, sql/);
    });
  });
}
