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
  test('finds the typed-row read and the SQL in a template literal, not the comment or the unrelated config variable', () => {
    const refs = new CodeIndex(join(PROJECT, 'src')).find({ table: 'tenants', column: 'config' });
    assert.deepEqual(
      refs.map((r) => [r.file.slice(PROJECT.length), r.line, r.column, r.via, r.text]),
      [
        ['src/adapters.ts', 12, 17, 'row-type', 'return tenant.config.adapters;'],
        ['src/adapters.ts', 16, 54, 'sql', 'const { rows } = await db.query<TenantRow>(`SELECT config FROM tenants WHERE id = ${id}`);'],
      ],
    );
  });

  test('table references come from SQL and from string literals naming the table', () => {
    const refs = new CodeIndex(join(PROJECT, 'src')).find({ table: 'tenants' });
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

  test('typed members, destructuring, object keys of a row type, untyped values in code that names the table, concatenated SQL', () => {
    const refs = new CodeIndex(join(dir, 'src')).find({ table: 'tenants', column: 'config' }, (table) => (table === 'plans' ? ['id', 'config'] : undefined));
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
