import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { sqlReferences } from '../../src/lint/sql-references.js';
import { extractStatementFacts } from '../../src/lint/statement-facts.js';
import { narrowingReason, typeChangeRewrites } from '../../src/lint/type-compat.js';
import { loadPostgresParser } from '../../src/dialects/postgres/postgres-parser.js';

before(() => loadPostgresParser());

const t = (base: string, length: number | null = null, precision: number | null = null, scale: number | null = null) => ({ base, length, precision, scale, arrayDimensions: 0 });

describe('statement facts (PostgreSQL, libpg-query)', () => {
  test('reads CONCURRENTLY, NOT VALID, USING, NOT NULL without default, SET NOT NULL and renames, with lines', () => {
    const facts = extractStatementFacts(
      getDialect('postgres'),
      `-- lockstep:ignore index-not-concurrent small table, built in 40 ms
create index concurrently i on t (a);

alter table t add column b int not null, add column c int not null default 0,
  alter column d type varchar(20) using d::varchar, alter column e set not null,
  add constraint fk foreign key (x) references u (id) not valid, add constraint ck check (length(x) > 2);
alter table t rename column a to z;
alter table t rename to t2;
-- lockstep:ignore drop-table
`,
    );
    assert.deepEqual(facts.ignores, [
      { rule: 'index-not-concurrent', reason: 'small table, built in 40 ms', line: 1 },
      { rule: 'drop-table', reason: '', line: 9 },
    ]);
    assert.deepEqual(facts.statements.map((s) => [s.line, s.concurrently]), [[2, true], [4, false], [7, false], [8, false]]);
    assert.deepEqual(facts.statements[0].facts, [{ kind: 'create-index', table: 't', index: 'i', unique: false, concurrently: true, columns: ['a'] }]);
    const alter = facts.statements[1].facts;
    assert.deepEqual(alter.map((f) => f.kind), ['add-column', 'add-column', 'alter-column-type', 'set-not-null', 'add-foreign-key', 'add-check']);
    assert.deepEqual(alter.filter((f) => f.kind === 'add-column').map((f) => f.kind === 'add-column' && [f.column, f.notNull, f.hasDefault]), [['b', true, false], ['c', true, true]]);
    const type = alter[2];
    assert.ok(type.kind === 'alter-column-type' && type.using && type.type?.base === 'character varying' && type.type.length === 20);
    const fk = alter[4];
    assert.ok(fk.kind === 'add-foreign-key' && fk.notValid && !fk.onNewRows && fk.referencedTable === 'u');
    const check = alter[5];
    assert.ok(check.kind === 'add-check' && check.expression === 'length(x) > 2');
    assert.deepEqual(facts.statements[2].facts, [{ kind: 'rename-column', table: 't', column: 'a', newName: 'z' }]);
    assert.deepEqual(facts.statements[3].facts, [{ kind: 'rename-table', table: 't', newName: 't2' }]);
  });

  test('a syntax error is reported with its line', () => {
    const facts = extractStatementFacts(getDialect('postgres'), 'create table a (id int);\n\nalter tabel a add b int;\n');
    assert.equal(facts.syntaxError?.line, 3);
    assert.deepEqual(facts.statements, []);
  });
});

describe('statement facts (SQLite tokenizer)', () => {
  test('reads CREATE TABLE keys, CREATE UNIQUE INDEX, ADD COLUMN, renames and drops; keeps trigger bodies whole', () => {
    const facts = extractStatementFacts(
      getDialect('sqlite'),
      `CREATE TABLE "a" (id integer primary key, org_id text REFERENCES orgs(id), CONSTRAINT f FOREIGN KEY (x, y) REFERENCES b(p, q));
create unique index ux on users (email, "name");
ALTER TABLE jobs ADD COLUMN job_serial integer NOT NULL; -- no default
alter table t rename column a to b; alter table t rename to u; drop table if exists main.x;
create trigger tr after insert on t begin update t set a = 1; end;
`,
    );
    assert.deepEqual(facts.statements.map((s) => s.line), [1, 2, 3, 4, 4, 4, 5]);
    assert.deepEqual(facts.statements[0].facts.map((f) => (f.kind === 'add-foreign-key' ? `${f.columns}->${f.referencedTable}(${f.referencedColumns})` : f.kind)), ['create-table', 'org_id->orgs(id)', 'x,y->b(p,q)']);
    assert.deepEqual(facts.statements[1].facts, [{ kind: 'create-index', table: 'users', index: 'ux', unique: true, concurrently: false, columns: ['email', 'name'] }]);
    const add = facts.statements[2].facts[0];
    assert.ok(add.kind === 'add-column' && add.notNull && !add.hasDefault && add.column === 'job_serial');
    assert.deepEqual(facts.statements.slice(3, 6).map((s) => s.facts[0].kind), ['rename-column', 'rename-table', 'drop-table']);
    assert.deepEqual(facts.statements[6].facts, []);
  });
});

describe('type comparisons', () => {
  test('narrowing: shorter strings, smaller integers, bounded text, fewer digits; widening is not', () => {
    assert.match(narrowingReason(t('character varying', 30), t('character varying', 20))!, /longer than 20/);
    assert.match(narrowingReason(t('bigint'), t('integer'))!, /integer range/);
    assert.match(narrowingReason(t('text'), t('varchar', 50))!, /longer than 50/);
    assert.match(narrowingReason(t('numeric', null, 10, 2), t('numeric', null, 8, 2))!, /6 integer digits/);
    assert.match(narrowingReason(t('text'), t('integer'))!, /converts every value/);
    assert.equal(narrowingReason(t('character varying', 20), t('character varying', 30)), null);
    assert.equal(narrowingReason(t('varchar', 20), t('text')), null);
    assert.equal(narrowingReason(t('int4'), t('int8')), null);
  });

  test('rewrite: varchar widening and varchar → text do not rewrite; USING and int → bigint do', () => {
    assert.equal(typeChangeRewrites(t('character varying', 20), t('character varying', 40), false), false);
    assert.equal(typeChangeRewrites(t('character varying', 20), t('text'), false), false);
    assert.equal(typeChangeRewrites(t('numeric', null, 10, 2), t('numeric', null, 12, 2), false), false);
    assert.equal(typeChangeRewrites(t('character varying', 20), t('character varying', 40), true), true);
    assert.equal(typeChangeRewrites(t('integer'), t('bigint'), false), true);
    assert.equal(typeChangeRewrites(t('character varying', 40), t('character varying', 20), false), true);
  });
});

describe('SQL references', () => {
  test('attributes unqualified columns to the FROM tables and resolves aliases', () => {
    const refs = sqlReferences('select config, t.name from tenants t join plans p on p.id = t.plan_id where p.tier = $1')!;
    assert.deepEqual(refs.tables.map((x) => x.table), ['tenants', 'plans']);
    const columns = refs.columns.map((c) => `${c.column}:${c.tables.join('|')}:${c.qualified}`);
    assert.deepEqual(columns.sort(), ['config:tenants|plans:false', 'id:plans:true', 'name:tenants:true', 'plan_id:tenants:true', 'tier:plans:true'].sort());
    assert.equal(refs.columns.find((c) => c.column === 'config')!.offset, 7);
  });

  test('INSERT and UPDATE target columns, driver placeholders, and non-SQL text', () => {
    const insert = sqlReferences('insert into tenants (name, config) values (?, ?)')!;
    assert.deepEqual(insert.columns.map((c) => `${c.column}:${c.tables}`), ['name:tenants', 'config:tenants']);
    const update = sqlReferences('update tenants set config = :config where id = :id')!;
    assert.deepEqual(update.columns.map((c) => c.column).sort(), ['config', 'id']);
    assert.equal(sqlReferences('Select a tenant to edit its config, from the list below.'), null);
  });
});
