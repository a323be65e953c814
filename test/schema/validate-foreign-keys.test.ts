import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import type { Schema } from '../../src/core/model.js';
import { validateForeignKeys } from '../../src/core/validate-foreign-keys.js';
import { column, fk, index, pk, schema, table, unique } from '../helpers/schema-builders.js';

function shop(dialect: Schema['dialect'] = 'postgres'): Schema {
  const ns = dialect === 'sqlite' ? 'main' : 'public';
  return schema(
    [
      table('organizations', [column('organization_id', 'integer', { nullable: false }), column('slug', 'character varying(40)'), column('name', 'text')], {
        schema: ns,
        primaryKey: pk('organization_id'),
        uniques: [unique('slug')],
      }),
      table('content_requests', [column('id', 'bigint'), column('organization_id', 'integer'), column('org_slug', 'character varying(80)')], {
        schema: ns,
        primaryKey: pk('id'),
        foreignKeys: [fk('organization_id', 'organizations', 'organization_id', { referencedSchema: ns }), fk('org_slug', 'organizations', 'slug', { referencedSchema: ns })],
      }),
    ],
    { dialect },
  );
}

/** Validates with the schema's own dialect, as the sources and lint do. */
const validate = (s: Schema) => validateForeignKeys(s, getDialect(s.dialect).typesCompatible);

describe('validateForeignKeys', () => {
  test('a valid schema has no problems (varchar lengths may differ)', () => {
    assert.deepEqual(validate(shop()), []);
    assert.deepEqual(validate(shop('sqlite')), []);
  });

  test('missing target table, in the message format of the issue', () => {
    const s = shop();
    s.tables = s.tables.filter((t) => t.name !== 'organizations');
    const problems = validate(s);
    assert.deepEqual(problems.map((p) => p.kind), ['missing-table', 'missing-table']);
    assert.equal(problems[0].message, 'content_requests.organization_id references organizations(organization_id), but no table organizations is defined');
    assert.equal(problems[0].table, 'content_requests');
    assert.deepEqual(problems[0].columns, ['organization_id']);
  });

  test('missing target column', () => {
    const s = shop();
    s.tables[1].foreignKeys[0].referencedColumns = ['org_id'];
    assert.deepEqual(validate(s).map((p) => p.message), ['content_requests.organization_id references organizations(org_id), but organizations has no column org_id']);
  });

  test('target must be the primary key, a unique constraint or a full unique index', () => {
    const s = shop();
    s.tables[1].foreignKeys[1].referencedColumns = ['name'];
    s.tables[1].columns[2].type = 'text';
    assert.deepEqual(validate(s).map((p) => p.message), ['content_requests.org_slug references organizations(name), but organizations(name) is neither its primary key nor unique']);
    s.tables[0].indexes.push(index('organizations_name_partial', ['name'], { unique: true, where: 'name is not null' }));
    assert.equal(validate(s).length, 1, 'a partial unique index does not count');
    s.tables[0].indexes.push(index('organizations_name_key', ['name'], { unique: true }));
    assert.deepEqual(validate(s), []);
  });

  test('composite keys match a unique key in any column order', () => {
    const s = shop();
    s.tables[0].uniques.push(unique(['name', 'slug']));
    s.tables[1].columns.push(column('org_name', 'text'));
    s.tables[1].foreignKeys.push(fk(['org_slug', 'org_name'], 'organizations', ['slug', 'name']));
    assert.deepEqual(validate(s), []);
  });

  test('type compatibility on PostgreSQL: integer family and string family, not uuid vs varchar', () => {
    const s = shop();
    s.tables[1].columns[1].type = 'bigint';
    assert.deepEqual(validate(s), []);
    s.tables[1].columns[1].type = 'uuid';
    s.tables[0].columns[0].type = 'character varying(100)';
    assert.deepEqual(validate(s).map((p) => [p.kind, p.message]), [
      ['type-mismatch', 'content_requests.organization_id references organizations(organization_id), but content_requests.organization_id is uuid and organizations.organization_id is character varying(100)'],
    ]);
    s.tables[1].columns[1].type = 'numeric';
    s.tables[0].columns[0].type = 'integer';
    assert.equal(validate(s)[0]?.kind, 'type-mismatch');
  });

  test('type compatibility on SQLite goes by affinity', () => {
    const s = shop('sqlite');
    s.tables[1].columns[1].type = 'int';
    assert.deepEqual(validate(s), []);
    s.tables[1].columns[1].type = 'text';
    assert.equal(validate(s)[0]?.kind, 'type-mismatch');
  });

  test('SQLite `references parent` without columns means the primary key', () => {
    const s = shop('sqlite');
    s.tables[1].foreignKeys[0].referencedColumns = [];
    assert.deepEqual(validate(s), []);
    s.tables[0].primaryKey = null;
    assert.match(validate(s)[0].message, /has no primary key to refer to/);
  });

  test('column count mismatch and non-default schemas in the message', () => {
    const s = shop();
    s.tables[1].schema = 'app';
    s.tables[1].foreignKeys = [fk(['organization_id', 'org_slug'], 'organizations', ['organization_id'])];
    const [problem] = validate(s);
    assert.equal(problem.kind, 'column-count');
    assert.equal(problem.schema, 'app');
    assert.match(problem.message, /^app\.content_requests\(organization_id, org_slug\) references organizations\(organization_id\): 2 columns cannot reference 1$/);
  });
});
