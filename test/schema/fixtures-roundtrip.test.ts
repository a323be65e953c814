import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { checkSchema } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { createTestDatabase, testPgUrl } from '../helpers/databases.js';
import { applyFixture, FIXTURE_SCHEMAS } from '../helpers/fixture-schemas.js';

describe('fixture schemas round-trip with zero changes', () => {
  for (const fixture of FIXTURE_SCHEMAS) {
    test(`${fixture.name} on ${fixture.dialect}`, async () => {
      const dialect = getDialect(fixture.dialect);
      const live = await createTestDatabase(fixture.dialect);
      try {
        await applyFixture(live.db, fixture.file);
        // Through the library call `lockstep check` makes…
        const report = await checkSchema({ url: live.url, schema: fixture.file, devUrl: testPgUrl() });
        assert.deepEqual(report.changes.map((c) => c.message), []);
        assert.equal(report.ok, true);
        assert.equal(report.dialect, fixture.dialect);
        // …and directly: the expected side really holds the fixture (not two empty schemas).
        const expected = await loadSchemaFile(dialect, fixture.file, { devUrl: testPgUrl() });
        assert.ok(expected.tables.length >= 3, `${fixture.name} has tables`);
        const actual = await dialect.introspect(live.db);
        assert.deepEqual(diffSchemas(expected, actual).changes, []);
        assert.deepEqual(diffSchemas(expected, actual, { strictNames: true }).changes, [], 'same DDL gives the same names too');
        assert.deepEqual(diffSchemas(expected, actual, { grants: true, comments: true, extensionVersions: true }).changes, [], 'and the same privileges and comments');
      } finally {
        await live.dispose();
      }
    });
  }

  test('the rich fixtures exercise every part of the model', async () => {
    const pg = await loadSchemaFile(getDialect('postgres'), FIXTURE_SCHEMAS.find((f) => f.name === 'rich' && f.dialect === 'postgres')!.file, { devUrl: testPgUrl() });
    const tables = pg.tables;
    assert.ok(tables.some((t) => t.schema === 'audit'), 'a non-default namespace');
    assert.ok(pg.enums.length >= 2 && pg.views.some((v) => v.materialized) && pg.views.some((v) => !v.materialized));
    const columns = tables.flatMap((t) => t.columns);
    assert.ok(columns.some((c) => c.identity) && columns.some((c) => c.generated) && columns.some((c) => c.typeParts.arrayDimensions > 0));
    const indexes = tables.flatMap((t) => t.indexes);
    assert.ok(indexes.some((i) => i.where) && indexes.some((i) => i.keys.some((k) => k.expression)) && indexes.some((i) => i.method === 'gin') && indexes.some((i) => i.keys.some((k) => k.descending)));
    assert.ok(tables.some((t) => t.foreignKeys.some((f) => f.columns.length > 1 && f.onDelete === 'set null')));
    assert.ok(tables.some((t) => t.triggers.length > 0) && tables.some((t) => t.checks.length > 0) && tables.some((t) => t.uniques.length > 0));
    const sqlite = await loadSchemaFile(getDialect('sqlite'), FIXTURE_SCHEMAS.find((f) => f.name === 'rich' && f.dialect === 'sqlite')!.file);
    assert.ok(sqlite.tables.some((t) => t.options?.length));
    assert.ok(sqlite.tables.some((t) => t.columns.some((c) => c.autoincrement)));
    assert.ok(sqlite.tables.flatMap((t) => t.indexes).some((i) => i.where));
  });
});
