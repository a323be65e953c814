import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, type TestDatabase, testPgUrl } from '../helpers/databases.js';

/** Release 41's adapter: inserts tenants by name and reads tenants.config on line 12. */
const HEALTH_V41 = `interface Db {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export async function createTenant(db: Db, name: string) {
  await db.query('INSERT INTO tenants (name) VALUES ($1)', [name]);
}

/** The health probe reads the tenant's adapter config. */
export async function healthConfig(db: Db, id: number) {
  const { rows } = await db.query(
    'SELECT config FROM tenants WHERE id = $1',
    [id],
  );
  return rows[0];
}
`;
/** Release 42: no longer reads tenants.config. */
const HEALTH_V42 = `interface Db {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export async function createTenant(db: Db, name: string) {
  await db.query('INSERT INTO tenants (name) VALUES ($1)', [name]);
}

export async function healthConfig(db: Db, id: number) {
  const { rows } = await db.query('SELECT id, name FROM tenants WHERE id = $1', [id]);
  return rows[0];
}
`;

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
  describe(`lint --deployed (${dialect}, a real git repository)`, () => {
    let root: string;
    let database: TestDatabase;
    const lint = (...args: string[]) => runCli(['lint', '--json', '--url', database.url, '--dev-url', testPgUrl(), ...args], { cwd: root, env: { LOCKSTEP_DEPLOYED_REF: '' } });

    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'lockstep-deployed-'));
      execFileSync('git', ['init', '-q', root]);
      write(root, 'lockstep.config.json', JSON.stringify({ migrations: 'migrations', src: 'src' }));
      write(root, 'migrations/001_tenants/up.sql', 'CREATE TABLE tenants (id integer PRIMARY KEY, name text, config text);\n');
      write(root, 'src/adapters/health.ts', HEALTH_V41);
      commit(root, 'release 41');
      // The next release: code stops reading config; the migration drops it and makes name unique.
      write(root, 'src/adapters/health.ts', HEALTH_V42);
      write(root, 'migrations/002_drop_config/up.sql', 'ALTER TABLE tenants DROP COLUMN config;\nCREATE UNIQUE INDEX tenants_name_key ON tenants (name);\n');
      commit(root, 'release 42');
      database = await createTestDatabase(dialect);
      assert.ok((await migrateUp(database.db, readMigrationsFolder(join(root, 'migrations')), { to: '001' })).ok);
    });
    after(async () => {
      await database.dispose();
      rmSync(root, { recursive: true, force: true });
    });

    test('the deployed release (HEAD~1) still reads what the pending migration drops and writes what it makes unique: exit 1 with file:line at that ref', async () => {
      const r = await lint('--deployed', 'HEAD~1');
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      const deployed = report.findings.filter((f: { rule: string }) => f.rule === 'deployed-code');
      assert.deepEqual(
        deployed.map((f: { line: number; table: string; column: string; severity: string }) => `${f.line} ${f.severity} ${f.table}.${f.column}`),
        ['1 error tenants.config', '2 error tenants.name'],
      );
      assert.match(deployed[0].message, /^deployed code at HEAD~1 still reads tenants\.config at src\/adapters\/health\.ts:12 \(this migration drops it\); drop it in a later release/);
      assert.deepEqual(deployed[0].references, [{ file: 'src/adapters/health.ts', line: 12, column: 13, text: "'SELECT config FROM tenants WHERE id = $1',", ref: 'HEAD~1' }]);
      assert.match(deployed[1].message, /^deployed code at HEAD~1 still writes tenants\.name at src\/adapters\/health\.ts:6, and this migration adds a unique constraint on tenants\(name\)/);
      // The working tree no longer reads config: no code-reference finding.
      assert.equal(report.findings.filter((f: { rule: string }) => f.rule === 'code-reference').length, 0);
    });

    test('LOCKSTEP_DEPLOYED_REF works like --deployed', async () => {
      const r = await runCli(['lint', '--json', '--url', database.url, '--dev-url', testPgUrl()], { cwd: root, env: { LOCKSTEP_DEPLOYED_REF: 'HEAD~1' } });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(JSON.parse(r.stdout).findings.some((f: { rule: string; column?: string }) => f.rule === 'deployed-code' && f.column === 'config'));
    });

    test('an unknown ref and a folder outside git are exit-2 errors that say what to do', async () => {
      const unknown = await lint('--deployed', 'release-99');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /git does not know the ref "release-99"/);
      assert.doesNotMatch(unknown.stderr, /\n\s+at /);
      const outside = mkdtempSync(join(tmpdir(), 'lockstep-not-git-'));
      try {
        write(outside, 'migrations/001_tenants/up.sql', 'CREATE TABLE tenants (id integer PRIMARY KEY);\n');
        write(outside, 'src/app.ts', 'export const x = 1;\n');
        const r = await runCli(['lint', '--all', '--deployed', 'HEAD~1', '--url', 'sqlite::memory:', '--dev-url', testPgUrl()], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: dirname(outside) } });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /is not inside a git repository/);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });

    test('once the reading code is gone from both refs, the same lint passes (only the drop-column warning)', async () => {
      write(root, 'README.md', 'release 43\n');
      commit(root, 'release 43');
      const r = await lint('--deployed', 'HEAD~1');
      assert.equal(r.code, 1, 'still exit 1: release 42 inserts names that the new unique index may reject');
      const names = JSON.parse(r.stdout).findings.map((f: { rule: string; column?: string }) => `${f.rule} ${f.column ?? ''}`);
      assert.ok(!names.includes('deployed-code config'));
      // Without the unique index the pending migration passes.
      write(root, 'migrations/002_drop_config/up.sql', 'ALTER TABLE tenants DROP COLUMN config;\n');
      commit(root, 'release 43: unique name later');
      write(root, 'README.md', 'release 44\n');
      commit(root, 'release 44');
      const clean = await lint('--deployed', 'HEAD~1');
      assert.equal(clean.code, 0, clean.stdout + clean.stderr);
      assert.deepEqual(JSON.parse(clean.stdout).findings.map((f: { rule: string }) => f.rule), ['drop-column']);
    });
  });
}
