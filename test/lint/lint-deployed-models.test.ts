import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DialectName } from '../../src/core/model.js';
import { runCli } from '../helpers/cli.js';
import { DIALECTS, testPgUrl } from '../helpers/databases.js';

// Issue 14 item 2: with models configured, a model that still declares a column reads it
// (the ORM selects every declared column), at the deployed ref and in the working tree.

/** The repository's own copy of a package (some, like typeorm, do not export package.json). */
const packageDir = (name: string) => realpathSync(fileURLToPath(new URL(`../../node_modules/${name}`, import.meta.url)));

interface Orm {
  name: 'prisma' | 'drizzle' | 'typeorm';
  /** Path of the models in the project. */
  path: string;
  packages: string[];
  /** The model source; with `config` the tenants model declares config on `configLine`. */
  models(dialect: DialectName, config: boolean): string;
  configLine: number;
}

const ORMS: Orm[] = [
  {
    name: 'prisma',
    path: 'prisma/schema.prisma',
    packages: ['@prisma/prisma-schema-wasm'],
    models: (dialect, config) => `datasource db {
  provider = "${dialect === 'postgres' ? 'postgresql' : 'sqlite'}"
}

model Tenant {
  id     Int     @id
  name   String?
${config ? '  config String?\n' : ''}
  @@map("tenants")
}
`,
    configLine: 8,
  },
  {
    name: 'drizzle',
    path: 'src/db/schema.ts',
    packages: ['drizzle-orm'],
    models: (dialect, config) => `import { integer, ${dialect === 'postgres' ? 'pgTable' : 'sqliteTable'} as table, text } from 'drizzle-orm/${dialect === 'postgres' ? 'pg-core' : 'sqlite-core'}';

export const tenants = table('tenants', {
  id: integer('id').primaryKey(),
  name: text('name'),
${config ? "  settings: text('config'),\n" : ''}});
`,
    configLine: 6,
  },
  {
    name: 'typeorm',
    path: 'src/data-source.ts',
    packages: ['typeorm', 'reflect-metadata'],
    models: (dialect, config) => `import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';

@Entity('tenants')
export class Tenant {
  @PrimaryColumn()
  id!: number;

  @Column({ type: 'text', nullable: true })
  name!: string | null;
${config ? "\n  @Column({ name: 'config', type: 'text', nullable: true })\n  adapterConfig!: string | null;\n" : ''}}

export const AppDataSource = new DataSource(${dialect === 'postgres' ? "{ type: 'postgres', entities: [Tenant] }" : "{ type: 'better-sqlite3', database: ':memory:', entities: [Tenant] }"});
`,
    configLine: 13,
  },
];

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function commit(root: string, message: string): void {
  const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=Release Bot', '-c', 'user.email=bot@example.com', '-c', 'commit.gpgsign=false', ...args], { stdio: 'pipe' });
  git('add', '-A');
  git('commit', '-q', '-m', message);
}

for (const dialect of DIALECTS) {
  for (const orm of ORMS) {
    describe(`lint --deployed with ${orm.name} models (${dialect}, a real git repository)`, () => {
      let root: string;
      const lint = (...args: string[]) => runCli(['lint', '--json', '--url', dialect === 'postgres' ? testPgUrl() : 'sqlite::memory:', '--dev-url', testPgUrl(), ...args], { cwd: root });

      before(() => {
        root = mkdtempSync(join(tmpdir(), `lockstep-deployed-${orm.name}-`));
        execFileSync('git', ['init', '-q', root]);
        // The project's own ORM packages (node_modules is not in git, as in a real checkout).
        write(root, '.gitignore', 'node_modules/\n.lockstep/\n');
        write(root, 'package.json', JSON.stringify({ name: 'service', private: true }));
        for (const name of orm.packages) {
          mkdirSync(dirname(join(root, 'node_modules', name)), { recursive: true });
          symlinkSync(packageDir(name), join(root, 'node_modules', name), 'dir');
        }
        write(root, 'lockstep.config.json', JSON.stringify({ migrations: 'migrations', src: 'src', schema: orm.path }));
        write(root, 'migrations/001_tenants/up.sql', 'CREATE TABLE tenants (id integer PRIMARY KEY, name text, config text);\n');
        // No code reads config: only the model declares it.
        write(root, 'src/app.ts', 'export const service = "tenants";\n');
        write(root, orm.path, orm.models(dialect, true));
        commit(root, 'release 41: the model declares tenants.config');
        write(root, orm.path, orm.models(dialect, false));
        write(root, 'migrations/002_drop_config/up.sql', 'ALTER TABLE tenants DROP COLUMN config;\n');
        commit(root, 'release 42: config dropped from the model and the database');
      });
      after(() => rmSync(root, { recursive: true, force: true }));

      test('the deployed model still declares the dropped column: exit 1, with the model file:line at that ref', async () => {
        const r = await lint('--deployed', 'HEAD~1', '002');
        assert.equal(r.code, 1, r.stderr);
        const findings = JSON.parse(r.stdout).findings as Array<{ rule: string; table: string; column: string; message: string; references: unknown[] }>;
        const deployed = findings.filter((f) => f.rule === 'deployed-code');
        assert.deepEqual(deployed.map((f) => `${f.table}.${f.column}`), ['tenants.config']);
        assert.match(deployed[0]!.message, new RegExp(`^deployed code at HEAD~1 still reads tenants\\.config at ${orm.path.replace(/\./g, '\\.')}:${orm.configLine} \\(this migration drops it\\)`));
        assert.equal((deployed[0]!.references[0] as { file: string }).file, orm.path);
        assert.equal((deployed[0]!.references[0] as { line: number }).line, orm.configLine);
        assert.equal((deployed[0]!.references[0] as { ref: string }).ref, 'HEAD~1');
        // The working tree's model no longer declares it.
        assert.equal(findings.filter((f) => f.rule === 'code-reference').length, 0);
        // The scratch copy of the deployed models is gone, with the .lockstep folder made for it.
        assert.equal(existsSync(join(root, '.lockstep')), false);
      });

      test('a working-tree model that still declares the dropped column is a code reference with its file:line', async () => {
        write(root, orm.path, orm.models(dialect, true));
        try {
          const r = await lint('002');
          assert.equal(r.code, 1, r.stderr);
          const found = (JSON.parse(r.stdout).findings as Array<{ rule: string; column?: string; references?: Array<{ file: string; line: number }> }>).filter((f) => f.rule === 'code-reference');
          assert.deepEqual(found.map((f) => `${f.column} ${f.references?.map((x) => `${x.file}:${x.line}`).join(' ')}`), [`config ${orm.path}:${orm.configLine}`]);
        } finally {
          write(root, orm.path, orm.models(dialect, false));
        }
      });

      test('once no release declares it, the lint passes', async () => {
        write(root, 'README.md', 'release 43\n');
        commit(root, 'release 43');
        const r = await lint('--deployed', 'HEAD~1', '002');
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(JSON.parse(r.stdout).findings.map((f: { rule: string }) => f.rule), ['drop-column']);
      });
    });
  }
}
