import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { classifyChanges } from '../../src/check/compatibility.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import { formatExpectedSchema } from '../../src/core/expected-schema.js';
import type { DialectName } from '../../src/core/model.js';
import { getDialect } from '../../src/dialects/index.js';
import { runWorker, SchemaGuardError, silentLogger, task } from '../../src/jobs/index.js';
import { createJobsTestDb, waitFor } from './helpers.js';
import { DIALECTS } from '../helpers/databases.js';

const V1 = 'create table tenants (id integer primary key, name text not null)';
const V2_ADD = 'alter table tenants add column region text';

/** Writes the expected-schema file of a build whose schema is `ddl`, built on a scratch of the same dialect. */
async function buildExpected(dialect: DialectName, ddl: string[], dir: string): Promise<string> {
  const scratch = await getDialect(dialect).createScratch({ devUrl: process.env.LOCKSTEP_TEST_PG_URL });
  try {
    for (const sql of ddl) await scratch.db.exec(sql);
    const schema = await getDialect(dialect).introspect(scratch.db);
    const file = join(dir, `expected-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, formatExpectedSchema({ dialect, schema, source: 'test', migrations: [] }));
    return file;
  } finally {
    await scratch.dispose();
  }
}

describe('compatibility classification (pure)', () => {
  test('an extra nullable column, an extra table and a missing index are notes; a missing column blocks', () => {
    const column = (name: string, nullable: boolean) => ({ name, type: 'text', typeParts: { base: 'text', length: null, precision: null, scale: null, arrayDimensions: 0 }, nullable, default: null, identity: null, generated: null });
    const table = (name: string, columns: ReturnType<typeof column>[], indexes: any[] = []) => ({ schema: 'main', name, columns, primaryKey: null, uniques: [], foreignKeys: [], indexes, checks: [], triggers: [] });
    const index = { name: 'tenants_name_idx', unique: false, keys: [{ column: 'name', expression: null, descending: false }], where: null, method: 'btree' };
    const expected = { dialect: 'sqlite' as const, enums: [], views: [], tables: [table('tenants', [column('id', false), column('config', true)], [index])] };
    const actual = { dialect: 'sqlite' as const, enums: [], views: [], tables: [table('audit', [column('id', false)]), table('tenants', [column('id', false), column('region', true), column('strict_col', false)])] };
    const classified = classifyChanges(diffSchemas(expected, actual).changes);
    const byKind = (kind: string, col?: string) => classified.find((c) => c.change.kind === kind && (col === undefined || c.change.column === col))?.compatibility;
    assert.equal(byKind('column.missing', 'config'), 'blocking');
    assert.equal(byKind('column.extra', 'region'), 'note');
    assert.equal(byKind('column.extra', 'strict_col'), 'blocking', 'a NOT NULL column without default breaks inserts');
    assert.equal(byKind('table.extra'), 'note');
    assert.equal(byKind('index.missing'), 'note');
    const allowed = classifyChanges(diffSchemas(expected, actual).changes, ['column.missing:tenants.config', 'column.extra:tenants.*']);
    assert.ok(allowed.every((c) => c.compatibility === 'note'));
  });
});

for (const dialect of DIALECTS) {
  describe(`runtime schema guard (${dialect})`, () => {
    test('a worker built for v2 waits on a v1 database, is not ready, and runs its first job once the migration lands', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-guard-'));
      const t = await createJobsTestDb(dialect);
      try {
        await t.db.exec(V1);
        const expected = await buildExpected(dialect, [V1, V2_ADD], dir);
        const ran: number[] = [];
        const hello = task('guard-hello', { run: async (_p: unknown, ctx) => void ran.push(ctx.job.id) });
        const worker = await runWorker({
          url: t.t.url,
          tasks: [hello],
          appSchema: { url: t.t.url, expected },
          onDrift: 'wait',
          driftRecheckMs: 100,
          pollIntervalMs: 50,
          logger: silentLogger,
        });
        try {
          const readiness = worker.readiness();
          assert.equal(readiness.ready, false);
          assert.match(readiness.reason ?? '', /region/);
          const { id } = await t.queue.enqueue(hello, {});
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(ran.length, 0, 'no job runs while the schema is behind');
          await t.db.exec(V2_ADD);
          const started = Date.now();
          await waitFor('the first job', async () => ran.includes(id), 5000, 20);
          assert.ok(Date.now() - started < 5000);
          assert.equal(worker.readiness().ready, true);
        } finally {
          await worker.stop();
        }
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a worker built for v1 keeps running on a v2 database with an added nullable column and table', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-guard-'));
      const t = await createJobsTestDb(dialect);
      try {
        await t.db.exec(V1);
        await t.db.exec(V2_ADD);
        await t.db.exec('create table regions (id integer primary key)');
        const expected = await buildExpected(dialect, [V1], dir);
        const hello = task('guard-hello', { run: async () => {} });
        const worker = await runWorker({ url: t.t.url, tasks: [hello], appSchema: { url: t.t.url, expected }, logger: silentLogger });
        try {
          assert.equal(worker.readiness().ready, true);
        } finally {
          await worker.stop();
        }
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a worker refuses a database where a column it reads was dropped, naming the column', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-guard-'));
      const t = await createJobsTestDb(dialect);
      try {
        await t.db.exec(V1);
        const expected = await buildExpected(dialect, [V1, V2_ADD], dir);
        const hello = task('guard-hello', { run: async () => {} });
        await assert.rejects(
          runWorker({ url: t.t.url, tasks: [hello], appSchema: { url: t.t.url, expected }, logger: silentLogger }),
          (error: unknown) => error instanceof SchemaGuardError && error.exitCode === 3 && /tenants\.region/.test(error.message),
        );
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('schema guard without an expected-schema file', () => {
  for (const dialect of DIALECTS) {
    test(`${dialect}: ${dialect === 'postgres' ? 'skips (saying why) rather than start a server of its own' : 'builds the expected schema in a scratch database and finds the drift'}`, async () => {
      const { createTestDatabase } = await import('../helpers/databases.js');
      const { evaluateAppSchema } = await import('../../src/jobs/schema-guard.js');
      const t = await createTestDatabase(dialect);
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-guard-'));
      try {
        await t.db.exec(V1);
        const schema = join(dir, 'schema.sql');
        writeFileSync(schema, `${V1};\n${V2_ADD};\n`);
        const warnings: string[] = [];
        const log = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
        const verdict = await evaluateAppSchema({ url: t.url, schema, expected: join(dir, 'lockstep.expected.json') }, log);
        if (dialect === 'postgres') {
          assert.equal(verdict.ready, true);
          assert.match(verdict.skipped ?? '', /not checked \(a worker never starts a PostgreSQL server of its own\)\. Run lockstep build/);
          assert.deepEqual(warnings, [verdict.skipped]);
        } else {
          assert.equal(verdict.ready, false);
          assert.match(verdict.message, /tenants\.region/);
        }
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
