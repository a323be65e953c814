import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptySchema, type Column, type Table } from '../../../src/core/model.js';
import { getDialect } from '../../../src/dialects/index.js';
import { checkModelIntegrity } from '../../../src/sources/models/model-integrity.js';
import type { ModelLocation } from '../../../src/sources/models/model-source.js';

const col = (name: string, type = 'integer'): Column => ({
  name,
  type,
  typeParts: { base: type, length: null, precision: null, scale: null, arrayDimensions: 0 },
  nullable: false,
  default: null,
  identity: null,
  generated: null,
});
const table = (name: string, columns: Column[], extra: Partial<Table> = {}): Table => ({
  schema: 'public',
  name,
  columns,
  primaryKey: { name: `${name}_pkey`, columns: [columns[0]!.name] },
  uniques: [],
  foreignKeys: [],
  indexes: [],
  checks: [],
  triggers: [],
  ...extra,
});
const fk = (columns: string[], referencedTable: string, referencedColumns: string[]) => ({
  name: `${columns.join('_')}_fkey`,
  columns,
  referencedSchema: 'public',
  referencedTable,
  referencedColumns,
  onDelete: 'no action' as const,
  onUpdate: 'no action' as const,
});

/** Models in `models.ts`: each table on line 10 × its position, each column a line below. */
function located(tables: Table[]): Map<string, ModelLocation> {
  const out = new Map<string, ModelLocation>();
  tables.forEach((t, i) => {
    out.set(`${t.schema}.${t.name}`, { file: 'models.ts', line: 10 * (i + 1) });
    t.columns.forEach((c, j) => out.set(`${t.schema}.${t.name}.${c.name}`, { file: 'models.ts', line: 10 * (i + 1) + j + 1 }));
  });
  return out;
}

describe('checkModelIntegrity', () => {
  const typesCompatible = getDialect('postgres').typesCompatible;
  const orgs = table('organizations', [col('id'), col('code', 'text')]);

  test('a sound model set has no issues', () => {
    const schema = { ...emptySchema('postgres'), tables: [orgs, table('teams', [col('id'), col('organization_id')], { foreignKeys: [fk(['organization_id'], 'organizations', ['id'])] })] };
    assert.deepEqual(checkModelIntegrity({ schema, locations: located(schema.tables), typesCompatible }), []);
  });

  test('each foreign key problem, all at once, at the model line of its first column', () => {
    const content = table('content_requests', [col('id'), col('organization_id'), col('team_code', 'text'), col('owner_id', 'text'), col('ghost_id')], {
      foreignKeys: [
        fk(['ghost_id'], 'ghosts', ['id']),
        fk(['organization_id'], 'organizations', ['organization_id']),
        fk(['team_code'], 'organizations', ['code']),
        fk(['owner_id'], 'organizations', ['id']),
      ],
    });
    const tables = [orgs, content];
    const issues = checkModelIntegrity({ schema: { ...emptySchema('postgres'), tables }, locations: located(tables), typesCompatible });
    const got = issues.map((i) => [i.kind, `${i.location.file}:${i.location.line}`]).sort();
    assert.deepEqual(got, [
      ['foreign-key.missing-columns', 'models.ts:22'],
      ['foreign-key.missing-table', 'models.ts:25'],
      ['foreign-key.not-unique', 'models.ts:23'],
      ['foreign-key.type-mismatch', 'models.ts:24'],
    ]);
    const missingTable = issues.find((i) => i.kind === 'foreign-key.missing-table')!;
    assert.match(missingTable.message, /content_requests\.ghost_id references ghosts\(id\), but no table ghosts is defined/);
    assert.ok(missingTable.hint);
  });

  test('two models mapped to one table', () => {
    const schema = { ...emptySchema('postgres'), tables: [orgs] };
    const issues = checkModelIntegrity({
      schema,
      locations: located(schema.tables),
      typesCompatible,
      models: [
        { model: 'Organization', schema: 'public', table: 'organizations', location: { file: 'a.ts', line: 3 } },
        { model: 'Org', schema: 'public', table: 'organizations', location: { file: 'b.ts', line: 7 } },
      ],
    });
    assert.deepEqual(issues.map((i) => [i.kind, i.location]), [['table.mapped-twice', { file: 'b.ts', line: 7 }]]);
    assert.match(issues[0]!.message, /Org maps to table organizations, which Organization \(a\.ts:3\) maps to as well/);
  });
});
