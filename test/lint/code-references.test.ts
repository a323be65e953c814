import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeIndex, namedAfterTable } from '../../src/lint/code-references.js';
import { loadCodeTools } from '../../src/lint/code-references.js';

before(() => loadCodeTools());

const PROJECT = new URL('../fixtures/lint/tenants-project/', import.meta.url).pathname;

describe('code references (tenants.config fixture)', () => {
  test('finds the typed-row read and the SQL in a template literal, not the comment or the unrelated config variable', async () => {
    const refs = (await new CodeIndex(join(PROJECT, 'src')).load()).find({ table: 'tenants', column: 'config' });
    assert.deepEqual(
      refs.map((r) => [r.file.slice(PROJECT.length), r.line, r.column, r.via, r.text]),
      [
        ['src/adapters.ts', 12, 17, 'row-type', 'return tenant.config.adapters;'],
        ['src/adapters.ts', 16, 54, 'sql', 'const { rows } = await db.query<TenantRow>(`SELECT config FROM tenants WHERE id = ${id}`);'],
      ],
    );
  });

  test('table references come from SQL and from string literals naming the table', async () => {
    const refs = (await new CodeIndex(join(PROJECT, 'src')).load()).find({ table: 'tenants' });
    assert.deepEqual(refs.map((r) => [r.line, r.via]), [[16, 'sql']]);
  });
});

describe('code references (scanner cases)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-refs-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'src', 'cases.ts'),
      `interface Tenant { id: number; config: string }
type TenantRow = { id: number; config: string };
interface Settings { config: string }
declare const db: { query(sql: string, params?: unknown[]): Promise<{ rows: any[] }> };

export const a = (t: Tenant) => t.config;
export const b = (rows: TenantRow[]) => rows.map((r) => r['config']);
export const c = ({ config }: Tenant) => config;
export const d = (s: Settings) => s.config;
export const e = (): Partial<Tenant> => ({ config: 'x' });
export async function f(id: number) {
  const { rows } = await db.query('select * from tenants where id = $1', [id]);
  return rows[0].config;
}
export async function g() {
  const { rows } = await db.query('select * from plans');
  return rows[0].config;
}
export const h = () => db.query('UPDATE tenants SET ' + 'config = $1', ['{}']);
export const i = () => db.query(\`select p.config from plans p join tenants t on t.plan_id = p.id\`);
`,
    );
    writeFileSync(join(dir, 'src', 'legacy.js'), `export function load(row) {\n  return db.query("select config from tenants").then(() => row.config);\n}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('typed members, destructuring, object keys of a row type, untyped values in code that names the table, concatenated SQL', async () => {
    const refs = (await new CodeIndex(join(dir, 'src')).load()).find({ table: 'tenants', column: 'config' }, (table) => (table === 'plans' ? ['id', 'config'] : undefined));
    const found = refs.map((r) => `${r.file.slice(dir.length + 5)}:${r.line}:${r.via}`);
    assert.deepEqual(found, [
      'cases.ts:6:row-type', // t.config on Tenant
      'cases.ts:7:row-type', // r['config'] on TenantRow
      'cases.ts:8:row-type', // const { config }: Tenant
      'cases.ts:10:row-type', // object key in Partial<Tenant>
      'cases.ts:13:table-context', // any-typed row in a function that queries tenants
      'cases.ts:19:sql', // 'UPDATE tenants SET ' + 'config = $1'
      'legacy.js:2:sql',
      'legacy.js:2:table-context',
    ]);
    // Settings.config (line 9), rows of plans (line 17) and p.config (line 20) are not tenants.config.
  });

  test('type names after a table: singular, plural, PascalCase, Row/Record suffixes', () => {
    assert.ok(namedAfterTable('Tenant', 'tenants'));
    assert.ok(namedAfterTable('TenantRow', 'tenants'));
    assert.ok(namedAfterTable('JobExecution', 'job_executions'));
    assert.ok(namedAfterTable('CategoryRecord', 'categories'));
    assert.ok(!namedAfterTable('Settings', 'tenants'));
    assert.ok(!namedAfterTable('TenantSettings', 'tenants'));
  });
});

describe('code references: the project\'s dialect and compiler options', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-refs-project-'));
    mkdirSync(join(dir, 'src', 'db'), { recursive: true });
    writeFileSync(
      join(dir, 'src', 'store.ts'),
      `declare const db: { prepare(sql: string): { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown } };
export const save = (id: number, config: string) => db.prepare('INSERT OR REPLACE INTO tenants (id, config) VALUES (?1, ?2)').run(id, config);
export const load = (id: number) => db.prepare('SELECT \`config\` FROM [tenants] WHERE id == :id').get({ id });
`,
    );
    writeFileSync(join(dir, 'src', 'db', 'rows.ts'), 'export interface TenantRow { id: number; config: string }\n');
    writeFileSync(join(dir, 'src', 'adapters.ts'), "import type { TenantRow } from '@db/rows';\n\nexport function adapterOf(t: TenantRow) {\n  return t.config;\n}\n");
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, baseUrl: '.', paths: { '@db/*': ['src/db/*'] } } }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const found = (refs: { file: string; line: number; via: string }[]) => refs.map((r) => `${r.file.slice(dir.length + 5)}:${r.line}:${r.via}`);

  test('SQL in a SQLite project is read with SQLite\'s syntax (INSERT OR REPLACE, `name`, [name], ?1, ==)', async () => {
    const sqlite = await new CodeIndex(join(dir, 'src'), { dialect: 'sqlite' }).load();
    assert.deepEqual(found(sqlite.find({ table: 'tenants', column: 'config' })).filter((r) => r.startsWith('store.ts')), ['store.ts:2:sql', 'store.ts:3:sql']);
    assert.deepEqual(found(sqlite.find({ table: 'tenants' })), ['store.ts:2:sql', 'store.ts:3:sql']);
    // The same text is not PostgreSQL: a PostgreSQL project's scan rejects both queries.
    const postgres = await new CodeIndex(join(dir, 'src'), { dialect: 'postgres' }).load();
    assert.deepEqual(found(postgres.find({ table: 'tenants' })), []);
  });

  test('the project\'s tsconfig.json path aliases resolve the row type', async () => {
    const withConfig = await new CodeIndex(join(dir, 'src'), { dialect: 'sqlite', tsconfig: join(dir, 'tsconfig.json') }).load();
    assert.ok(found(withConfig.find({ table: 'tenants', column: 'config' })).includes('adapters.ts:4:row-type'));
    const without = await new CodeIndex(join(dir, 'src'), { dialect: 'sqlite' }).load();
    assert.ok(!found(without.find({ table: 'tenants', column: 'config' })).some((r) => r.startsWith('adapters.ts')));
  });

  test('a tsconfig.json that does not parse is a clear error naming it', async () => {
    const bad = join(dir, 'tsconfig.bad.json');
    writeFileSync(bad, '{ "compilerOptions": { "paths": ');
    await assert.rejects(new CodeIndex(join(dir, 'src'), { tsconfig: bad }).load(), (e: Error & { exitCode?: number }) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, new RegExp(`cannot read ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      return true;
    });
  });
});
