/**
 * Convergence on PostgreSQL, as a property over every fixture schema:
 * - on an empty database, `check`'s fixes run top to bottom, in the order listed, and
 *   leave a database `check` reports as in sync;
 * - the same for the migration plan `diff --sql` and `generate` write (from an empty
 *   database to the fixture);
 * - for every perturbation kind, generated from the fixture's own objects (each table,
 *   index, constraint, trigger, function, sequence, policy… of the fixture, up to a few
 *   per kind), the change is caught, and running every fix in order gives zero changes,
 *   and so does the migration plan from the perturbed database back to the fixture.
 *
 * Each perturbation runs inside a transaction that is rolled back, so one database per
 * fixture serves every case.
 */
import assert from 'node:assert/strict';
import { before, after, describe, test } from 'node:test';
import { withFixes } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { Schema, Table } from '../../src/core/model.js';
import type { ChangeKind } from '../../src/core/schema-change.js';
import type { Queryable } from '../../src/dialects/database.js';
import { getDialect } from '../../src/dialects/index.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { createTestDatabase, testPgUrl, type TestDatabase } from '../helpers/databases.js';
import { applyFixture, FIXTURE_SCHEMAS } from '../helpers/fixture-schemas.js';

const dialect = getDialect('postgres');
const PER_KIND = 3;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const ref = (t: { schema: string; name: string }) => `${q(t.schema)}.${q(t.name)}`;

/** Candidate perturbations of each kind, generated from the expected schema. */
function perturbations(schema: Schema): Array<{ kind: ChangeKind; what: string; sql: string }> {
  const out: Array<{ kind: ChangeKind; what: string; sql: string }> = [];
  const add = (kind: ChangeKind, what: string, sql: string) => {
    if (out.filter((p) => p.kind === kind).length < PER_KIND) out.push({ kind, what, sql });
  };
  const tables = schema.tables;
  for (const t of tables) add('table.missing', `drop table ${t.name}`, `drop table ${ref(t)} cascade`);
  add('table.extra', 'add a table', 'create table lockstep_probe (id int)');
  for (const t of tables) {
    const c = t.columns.find((x) => !t.primaryKey?.columns.includes(x.name));
    if (c) add('column.missing', `drop ${t.name}.${c.name}`, `alter table ${ref(t)} drop column ${q(c.name)} cascade`);
  }
  for (const t of tables) add('column.extra', `add a column to ${t.name}`, `alter table ${ref(t)} add column lockstep_probe text`);
  for (const t of tables) {
    for (const c of t.columns) if (/^character varying\(\d+\)$/.test(c.type)) add('column.type', `widen ${t.name}.${c.name}`, `alter table ${ref(t)} alter column ${q(c.name)} type varchar(${c.typeParts.length! + 1})`);
  }
  for (const t of tables) {
    const c = t.columns.find((x) => !x.nullable && !x.identity && !t.primaryKey?.columns.includes(x.name));
    if (c) add('column.nullable', `${t.name}.${c.name} nullable`, `alter table ${ref(t)} alter column ${q(c.name)} drop not null`);
  }
  for (const t of tables) {
    const c = t.columns.find((x) => x.default !== null && !x.identity && !x.generated);
    if (c) add('column.default', `drop the default of ${t.name}.${c.name}`, `alter table ${ref(t)} alter column ${q(c.name)} drop default`);
  }
  for (const t of tables) if (t.primaryKey?.name) add('pk.mismatch', `drop the primary key of ${t.name}`, `alter table ${ref(t)} drop constraint ${q(t.primaryKey.name)} cascade`);
  for (const t of tables) for (const fk of t.foreignKeys) add('fk.missing', `drop ${fk.name}`, `alter table ${ref(t)} drop constraint ${q(fk.name!)}`);
  for (const t of tables) for (const u of t.uniques) add('unique.missing', `drop ${u.name}`, `alter table ${ref(t)} drop constraint ${q(u.name!)} cascade`);
  for (const t of tables) for (const c of t.checks) add('check.missing', `drop ${c.name}`, `alter table ${ref(t)} drop constraint ${q(c.name!)}`);
  for (const t of tables) for (const i of t.indexes) add('index.missing', `drop index ${i.name}`, `drop index ${q(t.schema)}.${q(i.name)}`);
  // A partition's own objects (created on the partition, not inherited from its parent).
  const parts = tables.flatMap((t) => t.partitioning?.partitions ?? []);
  for (const p of parts) for (const i of p.own?.indexes ?? []) add('index.missing', `drop index ${i.name} of partition ${p.name}`, `drop index ${q(p.schema)}.${q(i.name)}`);
  for (const p of parts) for (const fk of p.own?.foreignKeys ?? []) add('fk.missing', `drop ${fk.name} of partition ${p.name}`, `alter table ${ref(p)} drop constraint ${q(fk.name!)}`);
  for (const p of parts) add('index.extra', `add an index to partition ${p.name}`, `create index lockstep_probe_idx on ${ref(p)} ((1))`);
  for (const e of schema.enums) add('enum.values', `add a value to ${e.name}`, `alter type ${ref(e)} add value 'lockstep_probe'`);
  add('enum.extra', 'add an enum', "create type lockstep_probe_type as enum ('a')");
  for (const v of schema.views) add('view.missing', `drop view ${v.name}`, `drop ${v.materialized ? 'materialized view' : 'view'} ${ref(v)} cascade`);
  add('view.extra', 'add a view', 'create view lockstep_probe_view as select 1 as one');
  for (const t of tables) for (const g of t.triggers) add('trigger.missing', `drop trigger ${g.name} on ${t.name}`, `drop trigger ${q(g.name)} on ${ref(t)}`);
  for (const t of tables) for (const g of t.triggers) add('trigger.enabled', `disable trigger ${g.name} on ${t.name}`, `alter table ${ref(t)} disable trigger ${q(g.name)}`);
  const rowTriggers = (t: Table) => t.triggers.filter((g) => g.definition.includes(' FOR EACH ROW ') && !g.definition.includes(' WHEN ') && !/^CREATE CONSTRAINT/.test(g.definition));
  for (const t of tables) for (const g of rowTriggers(t)) add('trigger.definition', `change trigger ${g.name} on ${t.name}`, `drop trigger ${q(g.name)} on ${ref(t)}; ${g.definition.replace(/ FOR EACH ROW /, ' FOR EACH ROW WHEN (true) ')}`);
  for (const f of schema.functions ?? []) add('function.definition', `make ${f.name} security definer`, `alter ${f.kind} ${ref(f)}(${f.arguments}) ${f.security === 'definer' ? 'security invoker' : 'security definer'}`);
  for (const f of schema.functions ?? []) add('function.missing', `drop ${f.name}`, `drop ${f.kind} ${ref(f)}(${f.arguments}) cascade`);
  add('function.extra', 'add a function', 'create function lockstep_probe_fn() returns int language sql as $$ select 1 $$');
  for (const s of schema.sequences ?? []) add('sequence.mismatch', `change the increment of ${s.name}`, `alter sequence ${ref(s)} increment by 7`);
  for (const s of (schema.sequences ?? []).filter((x) => x.ownedBy === null)) add('sequence.missing', `drop ${s.name}`, `drop sequence ${ref(s)} cascade`);
  add('sequence.extra', 'add a sequence', 'create sequence lockstep_probe_seq');
  for (const t of tables) add('rls.mismatch', `toggle row-level security on ${t.name}`, `alter table ${ref(t)} ${t.rowSecurity?.enabled ? 'disable' : 'enable'} row level security`);
  for (const t of tables) for (const p of t.policies ?? []) add('policy.missing', `drop policy ${p.name} on ${t.name}`, `drop policy ${q(p.name)} on ${ref(t)}`);
  for (const t of tables) for (const p of t.policies ?? []) add('policy.definition', `change policy ${p.name} on ${t.name}`, `alter policy ${q(p.name)} on ${ref(t)} to postgres`);
  add('policy.extra', 'add a policy', `create policy lockstep_probe on ${ref(tables[0]!)} using (false)`);
  for (const t of tables) for (const p of t.partitioning?.partitions ?? []) add('partition.missing', `detach ${p.name} from ${t.name}`, `alter table ${ref(t)} detach partition ${ref(p)}`);
  for (const t of tables) for (const x of t.exclusions ?? []) add('exclusion.missing', `drop ${x.name}`, `alter table ${ref(t)} drop constraint ${q(x.name)}`);
  add('composite-type.extra', 'add a composite type', 'create type lockstep_probe_pair as (a int, b text)');
  add('domain.extra', 'add a domain', 'create domain lockstep_probe_domain as int check (value > 0)');
  return out;
}

async function changesOf(db: Queryable, expected: Schema) {
  const actual = await dialect.introspect(db);
  return withFixes(dialect, diffSchemas(expected, actual).changes, expected, actual);
}

/** Runs every fix in the order `check` lists them; returns the changes a re-check still finds. */
async function applyFixes(db: Queryable, expected: Schema): Promise<{ kinds: ChangeKind[]; after: string[]; fixes: string[] }> {
  const changes = await changesOf(db, expected);
  const fixes: string[] = [];
  for (const change of changes) {
    assert.ok(change.fix, `a fix for ${change.message}`);
    fixes.push(change.fix);
    try {
      await db.exec(change.fix);
    } catch (error) {
      throw new Error(`fix ${fixes.length} of ${changes.length} failed (${(error as Error).message}):\n${fixes.join('\n')}`);
    }
  }
  const after = (await changesOf(db, expected)).map((c) => c.message);
  return { kinds: changes.map((c) => c.kind), after, fixes };
}

/** Runs the migration plan from the live schema to `expected`; returns what a re-check still finds. */
async function applyPlan(db: Queryable, expected: Schema): Promise<{ after: string[]; statements: string[] }> {
  const plan = dialect.planMigration(await dialect.introspect(db), expected);
  assert.deepEqual(plan.unsupported.map((c) => c.message), [], 'every change is planned');
  for (const [i, statement] of plan.statements.entries()) {
    try {
      await db.exec(statement);
    } catch (error) {
      throw new Error(`statement ${i + 1} of ${plan.statements.length} failed (${(error as Error).message}):\n${plan.statements.join('\n')}`);
    }
  }
  return { after: (await changesOf(db, expected)).map((c) => c.message), statements: plan.statements };
}

/** Runs `fn` in a transaction that is always rolled back. */
async function rolledBack(conn: Queryable, fn: () => Promise<void>): Promise<void> {
  await conn.exec('begin');
  try {
    await fn();
  } finally {
    await conn.exec('rollback');
  }
}

for (const fixture of FIXTURE_SCHEMAS.filter((f) => f.dialect === 'postgres')) {
  describe(`convergence of ${fixture.name} on postgres`, () => {
    let expected: Schema;
    let live: TestDatabase;
    before(async () => {
      expected = await loadSchemaFile(dialect, fixture.file, { devUrl: testPgUrl() });
      live = await createTestDatabase('postgres');
    });
    after(async () => live.dispose());

    test('on an empty database, the fixes run top to bottom and converge', async () => {
      await live.db.withConnection(async (conn) => {
        await conn.exec('begin');
        try {
          const { after, fixes } = await applyFixes(conn, expected);
          assert.ok(fixes.length >= expected.tables.length, 'every table needs a fix');
          assert.deepEqual(after, [], fixes.join('\n'));
        } finally {
          await conn.exec('rollback');
        }
      });
    });

    test('on an empty database, the migration plan converges', async () => {
      await live.db.withConnection((conn) =>
        rolledBack(conn, async () => {
          const { after, statements } = await applyPlan(conn, expected);
          assert.deepEqual(after, [], statements.join('\n'));
        }),
      );
    });

    test('every perturbation kind is caught, and its fixes and the migration plan converge', async () => {
      await applyFixture(live.db, fixture.file);
      const cases = perturbations(expected);
      const caught = new Set<ChangeKind>();
      await live.db.withConnection(async (conn) => {
        for (const p of cases) {
          const applicable = async () => {
            try {
              await conn.exec('savepoint perturb');
              await conn.exec(p.sql);
              return true;
            } catch {
              await conn.exec('rollback to savepoint perturb');
              return false; // not applicable here (e.g. a column a view reads cannot change type)
            }
          };
          await rolledBack(conn, async () => {
            if (!(await applicable())) return;
            const { kinds, after, fixes } = await applyFixes(conn, expected);
            assert.ok(kinds.includes(p.kind), `${p.what}: expected ${p.kind}, got [${kinds.join(', ')}]`);
            assert.deepEqual(after, [], `${p.what}: after the fixes\n${fixes.join('\n')}`);
            caught.add(p.kind);
          });
          await rolledBack(conn, async () => {
            if (!(await applicable())) return;
            const { after, statements } = await applyPlan(conn, expected);
            assert.deepEqual(after, [], `${p.what}: after the plan\n${statements.join('\n')}`);
          });
        }
      });
      assert.ok(caught.size >= 10, `at least ten kinds exercised on ${fixture.name}: ${[...caught].join(', ')}`);
    });
  });
}
