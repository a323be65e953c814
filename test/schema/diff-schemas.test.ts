import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { Schema } from '../../src/core/model.js';
import { normalizeDefault, normalizeExpression, normalizeType } from '../../src/core/normalize-sql.js';
import { CHANGE_KINDS, type ChangeKind } from '../../src/core/schema-change.js';
import { check, clone, column, enumType, fk, index, pk, schema, table, unique, view } from '../helpers/schema-builders.js';

/** A small schema that has one of everything. */
function base(): Schema {
  const built = schema(
    [
      table('organizations', [column('organization_id', 'integer', { nullable: false }), column('name', 'character varying(100)', { nullable: false })], {
        primaryKey: pk('organization_id', 'organizations_pkey'),
        uniques: [unique('name', 'organizations_name_key')],
      }),
      table(
        'jobs',
        [
          column('id', 'bigint', { nullable: false, identity: 'by default' }),
          column('organization_id', 'integer', { nullable: false }),
          column('state', 'public.job_state', { nullable: false, default: "'queued'::public.job_state" }),
          column('title', 'character varying(200)'),
          column('attempts', 'integer', { nullable: false, default: '0' }),
          column('created_at', 'timestamp with time zone', { nullable: false, default: 'now()' }),
        ],
        {
          primaryKey: pk('id', 'jobs_pkey'),
          foreignKeys: [fk('organization_id', 'organizations', 'organization_id', { name: 'jobs_organization_id_fkey', onDelete: 'cascade' })],
          indexes: [index('jobs_state_idx', ['state']), index('jobs_title_lower_idx', [], { keys: [{ column: null, expression: 'lower((title)::text)', descending: false }], where: '(state <> \'done\'::public.job_state)' })],
          checks: [check('(attempts >= 0)', 'jobs_attempts_check')],
          triggers: [{ name: 'jobs_touch', definition: 'CREATE TRIGGER jobs_touch BEFORE UPDATE ON public.jobs FOR EACH ROW EXECUTE FUNCTION touch()', enabled: 'origin' }],
          rowSecurity: { enabled: true, forced: false },
          policies: [{ name: 'jobs_mine', command: 'select', permissive: true, roles: ['public'], using: '(organization_id = 1)', withCheck: null }],
        },
      ),
    ],
    {
      enums: [enumType('job_state', ['queued', 'running', 'done'])],
      views: [view('open_jobs', ' SELECT jobs.id,\n    jobs.title\n   FROM jobs\n  WHERE (jobs.state <> \'done\'::public.job_state);')],
    },
  );
  built.virtualTables = [{ schema: 'public', name: 'job_search', module: 'fts5', arguments: 'title' }];
  return built;
}

function kinds(expected: Schema, actual: Schema, strictNames = false, extensionVersions = false): ChangeKind[] {
  return diffSchemas(expected, actual, { strictNames, extensionVersions, comments: extensionVersions, grants: extensionVersions }).changes.map((c) => c.kind);
}

const jobs = (s: Schema) => s.tables.find((t) => t.name === 'jobs')!;

/** base() with the optional PostgreSQL collections filled in. */
function full(): Schema {
  const s = base();
  s.grants = [{ schema: 'public', name: 'jobs', objectType: 'table', grantee: 'reporting', privilege: 'SELECT', grantable: false }];
  s.defaultPrivileges = [{ role: null, schema: null, objectType: 'tables', grantee: 'reporting', privilege: 'SELECT', grantable: false }];
  s.functions = [
    {
      schema: 'public',
      name: 'touch',
      arguments: '',
      kind: 'function',
      returns: 'trigger',
      language: 'plpgsql',
      volatility: 'volatile',
      security: 'invoker',
      definition: 'CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$ begin return new; end $function$\n',
    },
  ];
  s.sequences = [
    { schema: 'public', name: 'ticket_seq', type: 'bigint', start: '1', increment: '1', min: '1', max: '9223372036854775807', cycle: false, ownedBy: null },
    { schema: 'public', name: 'jobs_attempts_seq', type: 'integer', start: '1', increment: '1', min: '1', max: '2147483647', cycle: false, ownedBy: { schema: 'public', table: 'jobs', column: 'attempts' } },
  ];
  s.extensions = [{ name: 'pg_trgm', schema: 'public', version: '1.6' }];
  s.domains = [{ schema: 'public', name: 'email_address', type: 'text', default: null, notNull: false, checks: [{ name: 'email_address_check', definition: "CHECK (VALUE ~ '@'::text)" }] }];
  jobs(s).exclusions = [{ name: 'jobs_no_overlap', definition: 'EXCLUDE USING gist (organization_id WITH =)' }];
  s.compositeTypes = [{ schema: 'public', name: 'money_amount', attributes: [{ name: 'currency', type: 'character(3)' }, { name: 'cents', type: 'bigint' }] }];
  jobs(s).partitioning = { key: 'RANGE (created_at)', partitions: [{ schema: 'public', name: 'jobs_2025', bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')" }] };
  s.tables[0].partitioning = null;
  jobs(s).comment = 'Work to do';
  for (const c of jobs(s).columns) c.comment = null;
  return s;
}

describe('diffSchemas', () => {
  test('identical schemas give ok and no changes', () => {
    const diff = diffSchemas(base(), base());
    assert.equal(diff.ok, true);
    assert.deepEqual(diff.changes, []);
  });

  test('table.missing is reported once, not per column', () => {
    const actual = base();
    actual.tables = actual.tables.filter((t) => t.name !== 'jobs');
    const diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.table]), [['table.missing', 'jobs']]);
    assert.equal(diff.changes[0].actual, null);
    assert.equal((diff.changes[0].expected as { name: string }).name, 'jobs');
    assert.match(diff.changes[0].message, /^table jobs is missing \(expected 6 columns\)$/);
  });

  test('table.extra', () => {
    const actual = base();
    actual.tables.push(table('audit', [column('id', 'integer')]));
    const diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.table, c.expected]), [['table.extra', 'audit', null]]);
  });

  test('column.missing carries the expected column and a message naming type and nullability', () => {
    const actual = base();
    jobs(actual).columns = jobs(actual).columns.filter((c) => c.name !== 'title');
    const expected = base();
    jobs(expected).columns.push(column('job_uuid', 'uuid', { nullable: false }));
    const diff = diffSchemas(expected, actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.table, c.column]), [
      ['column.missing', 'jobs', 'job_uuid'],
      ['column.missing', 'jobs', 'title'],
    ]);
    assert.equal(diff.changes[0].message, 'column jobs.job_uuid is missing (expected uuid not null)');
    assert.equal((diff.changes[0].expected as { type: string }).type, 'uuid');
  });

  test('column.extra', () => {
    const actual = base();
    jobs(actual).columns.push(column('legacy', 'text'));
    const diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.column]), [['column.extra', 'legacy']]);
    assert.equal(diff.changes[0].message, 'column jobs.legacy exists but is not expected (text null)');
  });

  test('column.type with type strings as payload', () => {
    const actual = base();
    jobs(actual).columns[3].type = 'character varying(100)';
    const diff = diffSchemas(base(), actual);
    assert.equal(diff.changes.length, 1);
    assert.deepEqual([diff.changes[0].kind, diff.changes[0].expected, diff.changes[0].actual], ['column.type', 'character varying(200)', 'character varying(100)']);
    assert.equal(diff.changes[0].message, 'column jobs.title has type character varying(100), expected character varying(200)');
  });

  test('column.nullable with booleans as payload', () => {
    const actual = base();
    jobs(actual).columns[1].nullable = true;
    const [c, ...rest] = diffSchemas(base(), actual).changes;
    assert.equal(rest.length, 0);
    assert.deepEqual([c.kind, c.column, c.expected, c.actual], ['column.nullable', 'organization_id', false, true]);
    assert.equal(c.message, 'column jobs.organization_id is nullable, expected not null');
  });

  test('column.default with default strings as payload', () => {
    const actual = base();
    jobs(actual).columns[4].default = '1';
    jobs(actual).columns[3].default = "'x'::character varying";
    const diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.column, c.expected, c.actual]), [
      ['column.default', 'attempts', '0', '1'],
      ['column.default', 'title', null, "'x'::character varying"],
    ]);
    assert.equal(diff.changes[1].message, "column jobs.title has default 'x'::character varying, expected no default");
  });

  test('identity and generated differences are reported as column.default', () => {
    const actual = base();
    jobs(actual).columns[0].identity = null;
    jobs(actual).columns[0].default = "nextval('jobs_id_seq'::regclass)";
    const diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.expected]), [['column.default', 'generated by default as identity']]);
  });

  test('pk.mismatch with PrimaryKey|null payloads', () => {
    const actual = base();
    jobs(actual).primaryKey = null;
    let diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.actual]), [['pk.mismatch', null]]);
    assert.equal(diff.changes[0].message, 'jobs has no primary key, expected primary key (id)');
    jobs(actual).primaryKey = pk(['id', 'organization_id'], 'jobs_pkey');
    diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => c.kind), ['pk.mismatch']);
    assert.deepEqual((diff.changes[0].actual as { columns: string[] }).columns, ['id', 'organization_id']);
  });

  test('fk.missing and fk.extra', () => {
    const actual = base();
    jobs(actual).foreignKeys = [];
    let diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.name]), [['fk.missing', 'jobs_organization_id_fkey']]);
    assert.equal(diff.changes[0].message, 'foreign key jobs_organization_id_fkey jobs(organization_id) references organizations(organization_id) on delete cascade is missing');
    diff = diffSchemas(actual, base());
    assert.deepEqual(diff.changes.map((c) => c.kind), ['fk.extra']);
  });

  test('fk.mismatch: same columns, other actions or target', () => {
    const actual = base();
    jobs(actual).foreignKeys[0].onDelete = 'restrict';
    let diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => c.kind), ['fk.mismatch']);
    assert.equal(diff.changes[0].message, 'foreign key on jobs(organization_id) is references organizations(organization_id) on delete restrict, expected references organizations(organization_id) on delete cascade');
    // Another name and another target: still the same place, so a mismatch.
    jobs(actual).foreignKeys[0] = fk('organization_id', 'organisations', 'id', { name: 'other_name' });
    diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => c.kind), ['fk.mismatch']);
  });

  test('an FK with the same definition and another name is not a change (unless strictNames)', () => {
    const actual = base();
    jobs(actual).foreignKeys[0].name = 'fk_jobs_org';
    assert.deepEqual(kinds(base(), actual), []);
    assert.deepEqual(kinds(base(), actual, true), ['fk.mismatch']);
  });

  test('unique.missing / unique.extra, compared by columns not name', () => {
    const actual = base();
    actual.tables[0].uniques = [];
    assert.deepEqual(kinds(base(), actual), ['unique.missing']);
    assert.deepEqual(kinds(actual, base()), ['unique.extra']);
    actual.tables[0].uniques = [unique('name', 'uq_org_name')];
    assert.deepEqual(kinds(base(), actual), []);
    assert.deepEqual(kinds(base(), actual, true), ['unique.missing', 'unique.extra']);
  });

  test('index.missing, index.extra, index.mismatch', () => {
    const actual = base();
    jobs(actual).indexes = jobs(actual).indexes.slice(1);
    assert.deepEqual(kinds(base(), actual), ['index.missing']);
    jobs(actual).indexes.push(index('jobs_created_idx', ['created_at']));
    assert.deepEqual(kinds(base(), actual).sort(), ['index.extra', 'index.missing']);
    const mismatch = base();
    jobs(mismatch).indexes[0] = index('jobs_state_idx', ['state', 'created_at']);
    const diff = diffSchemas(base(), mismatch);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.name]), [['index.mismatch', 'jobs_state_idx']]);
    assert.equal(diff.changes[0].message, 'index jobs_state_idx on jobs is (state, created_at), expected (state)');
  });

  test('index: same definition under another name is not a change unless strictNames', () => {
    const actual = base();
    jobs(actual).indexes[0].name = 'idx_jobs_state';
    assert.deepEqual(kinds(base(), actual), []);
    assert.deepEqual(kinds(base(), actual, true).sort(), ['index.extra', 'index.missing']);
  });

  test('index: unique, method, descending and predicate are part of the definition', () => {
    for (const perturb of [
      (i: ReturnType<typeof index>) => (i.unique = true),
      (i: ReturnType<typeof index>) => (i.method = 'hash'),
      (i: ReturnType<typeof index>) => (i.keys[0].descending = true),
      (i: ReturnType<typeof index>) => (i.where = 'state IS NOT NULL'),
    ]) {
      const actual = base();
      perturb(jobs(actual).indexes[0]);
      assert.deepEqual(kinds(base(), actual), ['index.mismatch']);
    }
  });

  test('check.missing / check.extra, compared by expression not name', () => {
    const actual = base();
    jobs(actual).checks = [];
    assert.deepEqual(kinds(base(), actual), ['check.missing']);
    assert.deepEqual(kinds(actual, base()), ['check.extra']);
    jobs(actual).checks = [check('attempts>=0', null)];
    assert.deepEqual(kinds(base(), actual), []);
    jobs(actual).checks = [check('(attempts >= 1)', 'jobs_attempts_check')];
    assert.deepEqual(kinds(base(), actual), ['check.missing', 'check.extra']);
  });

  test('enum.missing, enum.extra, enum.values (order matters)', () => {
    const actual = base();
    actual.enums = [];
    let diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.table, c.name]), [['enum.missing', 'job_state', 'job_state']]);
    assert.equal(diff.changes[0].message, "enum job_state is missing (expected ('queued', 'running', 'done'))");
    assert.deepEqual(kinds(actual, base()), ['enum.extra']);
    actual.enums = [enumType('job_state', ['queued', 'running', 'done', 'failed'])];
    diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => c.kind), ['enum.values']);
    assert.deepEqual((diff.changes[0].actual as { values: string[] }).values, ['queued', 'running', 'done', 'failed']);
    actual.enums = [enumType('job_state', ['running', 'queued', 'done'])];
    assert.deepEqual(kinds(base(), actual), ['enum.values']);
  });

  test('view.missing, view.extra, view.definition; whitespace is not a change', () => {
    const actual = base();
    actual.views = [];
    assert.deepEqual(kinds(base(), actual), ['view.missing']);
    assert.deepEqual(kinds(actual, base()), ['view.extra']);
    actual.views = [view('open_jobs', "SELECT jobs.id, jobs.title FROM jobs WHERE (jobs.state <> 'done'::public.job_state)")];
    assert.deepEqual(kinds(base(), actual), []);
    actual.views = [view('open_jobs', 'SELECT jobs.id FROM jobs')];
    assert.deepEqual(kinds(base(), actual), ['view.definition']);
    actual.views = [view('open_jobs', base().views[0].definition, true)];
    assert.deepEqual(kinds(base(), actual), ['view.definition']);
  });

  test('every ChangeKind is produced by this file', () => {
    // Guards against a kind being added to schema-change.ts without the engine emitting it.
    const seen = new Set<ChangeKind>();
    const variants: Array<(s: Schema) => void> = [
      (s) => (s.tables = s.tables.filter((t) => t.name !== 'jobs')),
      (s) => s.tables.push(table('x', [])),
      (s) => jobs(s).columns.pop(),
      (s) => jobs(s).columns.push(column('y', 'text')),
      (s) => (jobs(s).columns[3].type = 'text'),
      (s) => (jobs(s).columns[3].nullable = false),
      (s) => (jobs(s).columns[3].default = "'a'"),
      (s) => (jobs(s).primaryKey = null),
      (s) => (jobs(s).foreignKeys = []),
      (s) => jobs(s).foreignKeys.push(fk('attempts', 'organizations', 'organization_id')),
      (s) => (jobs(s).foreignKeys[0].onUpdate = 'cascade'),
      (s) => (s.tables[0].uniques = []),
      (s) => s.tables[0].uniques.push(unique(['organization_id', 'name'])),
      (s) => jobs(s).indexes.pop(),
      (s) => jobs(s).indexes.push(index('z', ['title'])),
      (s) => (jobs(s).indexes[0].unique = true),
      (s) => (jobs(s).checks = []),
      (s) => jobs(s).checks.push(check('title <> \'\'')),
      (s) => (s.enums = []),
      (s) => s.enums.push(enumType('mood', ['ok'])),
      (s) => s.enums[0].values.push('x'),
      (s) => (s.views = []),
      (s) => s.views.push(view('v2', 'select 1')),
      (s) => (s.views[0].definition = 'select 2'),
      (s) => (jobs(s).triggers = []),
      (s) => jobs(s).triggers.push({ name: 'jobs_audit', definition: 'CREATE TRIGGER jobs_audit AFTER INSERT ON public.jobs FOR EACH ROW EXECUTE FUNCTION touch()' }),
      (s) => (jobs(s).triggers[0].definition = jobs(s).triggers[0].definition.replace('BEFORE', 'AFTER')),
      (s) => (jobs(s).triggers[0].enabled = 'disabled'),
      (s) => (jobs(s).rowSecurity = { enabled: true, forced: true }),
      (s) => (jobs(s).policies = []),
      (s) => jobs(s).policies!.push({ name: 'jobs_all', command: 'all', permissive: false, roles: ['public'], using: 'true', withCheck: null }),
      (s) => (jobs(s).policies![0].using = '(organization_id = 2)'),
      (s) => (s.functions = []),
      (s) => s.functions!.push({ ...s.functions![0], arguments: 'n integer' }),
      (s) => (s.functions![0].definition = s.functions![0].definition.replace('return new', 'return old')),
      (s) => s.sequences!.shift(),
      (s) => s.sequences!.push({ ...s.sequences![0], name: 'other_seq' }),
      (s) => (s.sequences![0].increment = '10'),
      (s) => (s.extensions = []),
      (s) => (s.extensions![0].version = '1.5'),
      (s) => s.extensions!.push({ name: 'citext', schema: 'public', version: '1.6' }),
      (s) => (jobs(s).options = ['strict']),
      (s) => (jobs(s).columns[3].collation = 'nocase'),
      (s) => (s.virtualTables = []),
      (s) => s.virtualTables!.push({ schema: 'public', name: 'notes_search', module: 'fts5', arguments: 'body' }),
      (s) => (s.virtualTables![0].arguments = "title, tokenize = 'porter'"),
      (s) => (jobs(s).exclusions = []),
      (s) => jobs(s).exclusions!.push({ name: 'jobs_title_excl', definition: 'EXCLUDE USING btree (title WITH =)' }),
      (s) => (jobs(s).exclusions![0].definition = 'EXCLUDE USING gist (organization_id WITH =) WHERE (attempts > 0)'),
      (s) => (s.domains = []),
      (s) => s.domains!.push({ schema: 'public', name: 'positive_int', type: 'integer', default: null, notNull: false, checks: [] }),
      (s) => (s.domains![0].notNull = true),
      (s) => (jobs(s).comment = null),
      (s) => (jobs(s).partitioning = null),
      (s) => (jobs(s).partitioning!.partitions = []),
      (s) => jobs(s).partitioning!.partitions.push({ schema: 'public', name: 'jobs_2026', bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" }),
      (s) => (jobs(s).partitioning!.partitions[0].bound = "FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')"),
      (s) => (s.compositeTypes = []),
      (s) => s.compositeTypes!.push({ schema: 'public', name: 'pair', attributes: [{ name: 'a', type: 'integer' }] }),
      (s) => (s.compositeTypes![0].attributes[1].type = 'integer'),
      (s) => s.grants!.push({ schema: 'public', name: 'jobs', objectType: 'table', grantee: 'reporting', privilege: 'INSERT', grantable: false }),
      (s) => s.grants!.shift(),
      (s) => s.defaultPrivileges!.push({ role: null, schema: 'public', objectType: 'sequences', grantee: 'reporting', privilege: 'USAGE', grantable: false }),
      (s) => s.defaultPrivileges!.shift(),
    ];
    for (const perturb of variants) {
      const actual = clone(full());
      perturb(actual);
      const found = kinds(full(), actual, false, true);
      assert.equal(found.length, 1, `one change expected, got ${found.join(', ')}`);
      seen.add(found[0]);
    }
    assert.deepEqual([...seen].sort(), [...CHANGE_KINDS].sort());
  });

  /** base() as PostgreSQL's introspector gives it: index details and key deferrability read. */
  const detailed = (): Schema => {
    const s = base();
    for (const t of s.tables) {
      for (const i of t.indexes) i.include = [];
      for (const k of [...t.foreignKeys, ...t.uniques]) k.deferrable = null;
      if (t.primaryKey) t.primaryKey.deferrable = null;
    }
    return s;
  };

  test('PostgreSQL index details: operator class, INCLUDE, nulls order, NULLS NOT DISTINCT, each an index.mismatch naming it', () => {
    const variants: Array<[(s: Schema) => void, string]> = [
      [(s) => (jobs(s).indexes[0].keys[0].opclass = 'text_pattern_ops'), 'index jobs_state_idx on jobs is (state), expected (state text_pattern_ops)'],
      [(s) => (jobs(s).indexes[0].include = ['title']), 'index jobs_state_idx on jobs is (state), expected (state) include (title)'],
      [(s) => (jobs(s).indexes[0].keys[0].nulls = 'first'), 'index jobs_state_idx on jobs is (state), expected (state nulls first)'],
      [(s) => ((jobs(s).indexes[0].unique = true), (jobs(s).indexes[0].nullsNotDistinct = true)), 'index jobs_state_idx on jobs is (state), expected unique (state) nulls not distinct'],
    ];
    for (const [perturb, message] of variants) {
      const actual = clone(detailed());
      perturb(actual);
      const changes = diffSchemas(actual, detailed()).changes;
      assert.deepEqual(changes.map((c) => [c.kind, c.message]), [['index.mismatch', message]]);
    }
    // Spelling is not a difference: an operator class in another case compares equal.
    const upper = clone(detailed());
    jobs(upper).indexes[0].keys[0].opclass = 'TEXT_PATTERN_OPS';
    const lower = clone(detailed());
    jobs(lower).indexes[0].keys[0].opclass = 'text_pattern_ops';
    assert.deepEqual(kinds(upper, lower), []);
    // Models that do not read index details (no `include`) are not compared on them.
    const live = clone(detailed());
    jobs(live).indexes[0].keys[0].nulls = 'first';
    jobs(live).indexes[0].keys[0].opclass = 'text_pattern_ops';
    assert.deepEqual(kinds(base(), live), []);
  });

  test('deferrable keys and NULLS NOT DISTINCT uniques', () => {
    const deferred = clone(detailed());
    jobs(deferred).foreignKeys[0].deferrable = 'deferred';
    const fkChange = diffSchemas(deferred, detailed()).changes;
    assert.deepEqual(fkChange.map((c) => c.kind), ['fk.mismatch']);
    assert.match(fkChange[0].message, /^foreign key on jobs\(organization_id\) is references .* on delete cascade, expected references .* on delete cascade deferrable initially deferred$/);
    const nnd = clone(detailed());
    nnd.tables[0].uniques[0].nullsNotDistinct = true;
    assert.deepEqual(kinds(nnd, detailed()), ['unique.missing', 'unique.extra']);
    assert.match(diffSchemas(nnd, detailed()).changes[0].message, /^unique nulls not distinct \(name\) on organizations is missing/);
    const pk = clone(detailed());
    jobs(pk).primaryKey!.deferrable = 'immediate';
    assert.deepEqual(kinds(pk, detailed()), ['pk.mismatch']);
    // A producer that does not read deferrability (an ORM's models, SQLite, an older
    // snapshot) leaves it out: then it is not compared, whatever the live database says.
    assert.deepEqual(kinds(base(), deferred), []);
    assert.deepEqual(kinds(base(), nnd), []);
  });

  test('domains compare their checks with the same care as expressions, by name', () => {
    const spelled = full();
    spelled.domains![0].checks[0].definition = "check (VALUE ~ '@'::text)";
    assert.deepEqual(kinds(full(), spelled), []);
    const changed = full();
    changed.domains![0].default = "'a@b'::text";
    const diff = diffSchemas(full(), changed).changes;
    assert.deepEqual(diff.map((c) => c.message), ["domain email_address is text default 'a@b'::text constraint email_address_check CHECK (VALUE ~ '@'::text), expected text constraint email_address_check CHECK (VALUE ~ '@'::text)"]);
    // Exclusions and domains are compared only when both sides read them.
    const unread = full();
    delete unread.domains;
    delete jobs(unread).exclusions;
    assert.deepEqual(kinds(full(), unread), []);
  });

  test('triggers, row-level security, policies, functions and sequences', () => {
    const expected = full();
    const actual = clone(full());
    // Spelling is not a change: whitespace and case outside literals in triggers and policies,
    // whitespace runs in a function definition.
    jobs(actual).triggers[0].definition = jobs(actual).triggers[0].definition.toLowerCase().replace(/ /g, '  ');
    jobs(actual).policies![0].using = 'organization_id = 1';
    actual.functions![0].definition = actual.functions![0].definition.replace(/\n/g, '\n\n ');
    assert.deepEqual(kinds(expected, actual), []);

    // An absent collection is "not read", never "none": nothing is reported for it.
    delete actual.functions;
    delete actual.sequences;
    delete jobs(actual).policies;
    assert.deepEqual(kinds(expected, actual), []);

    // An absent rowSecurity is off.
    const off = clone(full());
    delete jobs(off).rowSecurity;
    const rls = diffSchemas(expected, off).changes;
    assert.deepEqual(rls.map((c) => [c.kind, c.table]), [['rls.mismatch', 'jobs']]);
    assert.equal(rls[0].message, 'row-level security on jobs is disabled, expected enabled');

    const disabled = clone(full());
    jobs(disabled).triggers[0].enabled = 'disabled';
    assert.equal(diffSchemas(expected, disabled).changes[0].message, 'trigger jobs_touch on jobs is disabled, expected enabled');

    const changed = clone(full());
    changed.functions![0].volatility = 'stable';
    changed.functions![0].definition = changed.functions![0].definition.replace('LANGUAGE plpgsql', 'LANGUAGE plpgsql STABLE');
    const fn = diffSchemas(expected, changed).changes;
    assert.deepEqual(fn.map((c) => [c.kind, c.table, c.name]), [['function.definition', 'touch', 'touch()']]);
    assert.equal(fn[0].message, 'function touch() is stable, expected volatile');

    // A serial sequence whose column is missing is left to the column's change.
    const noColumn = clone(full());
    jobs(noColumn).columns = jobs(noColumn).columns.filter((c) => c.name !== 'attempts');
    noColumn.sequences = noColumn.sequences!.filter((q) => q.ownedBy === null);
    jobs(noColumn).checks = [];
    assert.deepEqual(kinds(expected, noColumn), ['column.missing', 'check.missing']);
    const seq = clone(full());
    seq.sequences![0].increment = '5';
    assert.equal(diffSchemas(expected, seq).changes[0].message, 'sequence ticket_seq has increment 5, expected 1');
  });

  test('non-default schemas are named on the change; public/main are not', () => {
    const expected = base();
    expected.tables.push(table('events', [column('id', 'integer')], { schema: 'audit' }));
    const diff = diffSchemas(expected, base());
    assert.deepEqual(diff.changes.map((c) => [c.kind, c.schema, c.table]), [['table.missing', 'audit', 'events']]);
    assert.equal(diff.changes[0].message, 'table audit.events is missing (expected 1 column)');
    const same = base();
    same.tables[0].name = 'organisations';
    assert.ok(diffSchemas(base(), same).changes.every((c) => !('schema' in c)));
  });

  test('tables are matched by schema and name', () => {
    const actual = base();
    actual.tables[0].schema = 'other';
    assert.deepEqual(kinds(base(), actual), ['table.missing', 'table.extra']);
  });

  test('order is deterministic: by table, then kind', () => {
    const actual = base();
    jobs(actual).columns[3].type = 'text';
    jobs(actual).columns.push(column('zzz', 'text'));
    jobs(actual).indexes = [];
    actual.tables[0].columns.pop();
    const diff = diffSchemas(base(), actual);
    assert.deepEqual(diff.changes.map((c) => `${c.table}:${c.kind}`), [
      'jobs:column.extra',
      'jobs:column.type',
      'jobs:index.missing',
      'jobs:index.missing',
      'organizations:column.missing',
    ]);
    const reversed = clone(actual);
    reversed.tables.reverse();
    jobs(reversed).indexes.reverse();
    assert.deepEqual(diffSchemas(base(), reversed).changes, diff.changes);
  });

  describe('equivalent spellings are not changes', () => {
    const equivalentTypes: Array<[string, string]> = [
      ['character varying(20)', 'varchar(20)'],
      ['integer', 'int4'],
      ['integer', 'INT'],
      ['bigint', 'int8'],
      ['smallint', 'int2'],
      ['boolean', 'bool'],
      ['double precision', 'float8'],
      ['timestamp with time zone', 'timestamptz'],
      ['timestamp(3) with time zone', 'timestamptz(3)'],
      ['timestamp without time zone', 'timestamp'],
      ['numeric(10,2)', 'decimal(10, 2)'],
      ['text[]', 'text[3]'],
      ['character(2)', 'char(2)'],
    ];
    for (const [a, b] of equivalentTypes) {
      test(`type ${a} = ${b}`, () => {
        assert.equal(normalizeType(a), normalizeType(b));
        const actual = base();
        jobs(actual).columns[3].type = b;
        const expected = base();
        jobs(expected).columns[3].type = a;
        assert.deepEqual(kinds(expected, actual), []);
      });
    }

    test('different lengths and types are still changes', () => {
      assert.notEqual(normalizeType('varchar(20)'), normalizeType('varchar(30)'));
      assert.notEqual(normalizeType('integer'), normalizeType('bigint'));
      assert.notEqual(normalizeType('text'), normalizeType('text[]'));
      assert.notEqual(normalizeType('timestamp'), normalizeType('timestamptz'));
    });

    const equivalentDefaults: Array<[string, string]> = [
      ["'queued'::character varying", "'queued'"],
      ["'queued'::text", "'queued'::character varying"],
      ['(0)::numeric', '0'],
      ["'0'", '0'],
      ['CURRENT_TIMESTAMP', 'now()'],
      ["('a')", "'a'"],
      ["'{}'::text[]", "'{}'"],
      ['(-1)', '-1'],
    ];
    for (const [a, b] of equivalentDefaults) {
      test(`default ${a} = ${b}`, () => {
        assert.equal(normalizeDefault(a), normalizeDefault(b));
        const expected = base();
        jobs(expected).columns[3].default = a;
        const actual = base();
        jobs(actual).columns[3].default = b;
        assert.deepEqual(kinds(expected, actual), []);
      });
    }

    test('different default values are still changes', () => {
      assert.notEqual(normalizeDefault("'Queued'"), normalizeDefault("'queued'"));
      assert.notEqual(normalizeDefault('0'), normalizeDefault('1'));
      assert.notEqual(normalizeDefault(null), normalizeDefault("''"));
    });

    test('expressions: case, quoting of simple identifiers, spacing, outer parentheses', () => {
      assert.equal(normalizeExpression('("Price" > 0)'), '"Price">0');
      assert.equal(normalizeExpression('("price" > 0)'), normalizeExpression('PRICE>0'));
      assert.equal(normalizeExpression("lower( name ) = 'Ab C'"), "lower(name)='Ab C'");
      assert.equal(normalizeExpression('(a > 0) and (b > 0)'), normalizeExpression('(a>0)AND(b>0)'));
      assert.notEqual(normalizeExpression('(a > 0) and (b > 0)'), normalizeExpression('a > 0 and b > 0 or c'));
      assert.notEqual(normalizeExpression("x = 'A'"), normalizeExpression("x = 'a'"));
    });

    test('constraint names: pk name differs only under strictNames', () => {
      const actual = base();
      jobs(actual).primaryKey = pk('id', 'pk_jobs');
      assert.deepEqual(kinds(base(), actual), []);
      assert.deepEqual(kinds(base(), actual, true), ['pk.mismatch']);
      jobs(actual).primaryKey = pk('id', null);
      assert.deepEqual(kinds(base(), actual, true), [], 'an unnamed (SQLite) key cannot differ by name');
    });

    test('check names differ: not a change; strictNames reports it', () => {
      const actual = base();
      jobs(actual).checks[0].name = 'attempts_nonnegative';
      assert.deepEqual(kinds(base(), actual), []);
      assert.deepEqual(kinds(base(), actual, true), ['check.missing', 'check.extra']);
    });

    test('index expression spelled differently', () => {
      const actual = base();
      jobs(actual).indexes[1].keys[0].expression = 'LOWER((title)::text)';
      jobs(actual).indexes[1].where = "state <> 'done'::public.job_state";
      assert.deepEqual(kinds(base(), actual), []);
    });
  });

  test('1,000 tables diff in well under a second, and report each drift once', () => {
    const build = () =>
      schema(
        Array.from({ length: 1000 }, (_, i) =>
          table(
            `t${i}`,
            Array.from({ length: 10 }, (_, c) => column(`c${c}`, c === 0 ? 'integer' : 'character varying(50)', { nullable: c !== 0 })),
            {
              primaryKey: pk('c0', `t${i}_pkey`),
              indexes: [index(`t${i}_c1_idx`, ['c1']), index(`t${i}_c2_idx`, ['c2', 'c3'])],
              foreignKeys: i === 0 ? [] : [fk('c4', `t${i - 1}`, 'c0', { name: `t${i}_c4_fkey` })],
            },
          ),
        ),
      );
    const expected = build();
    const actual = build();
    actual.tables[500].columns[5].type = 'text';
    actual.tables[999].indexes.pop();
    const started = performance.now();
    const diff = diffSchemas(expected, actual);
    const elapsed = performance.now() - started;
    assert.deepEqual(diff.changes.map((c) => `${c.table}:${c.kind}`), ['t500:column.type', 't999:index.missing']);
    assert.ok(elapsed < 1000, `diff took ${elapsed} ms`);
  });
});

describe('diffSchemas: SQLite full-fidelity kinds', () => {
  const sqlite = () => {
    const s = schema([table('notes', [column('id', 'integer', { nullable: false }), column('body', 'text', { collation: 'nocase' }), column('len', 'integer', { generated: 'length(body)' })], { primaryKey: pk('id'), options: ['strict'] })], { dialect: 'sqlite' });
    s.tables[0].schema = 'main';
    s.tables[0].triggers = [{ name: 'notes_ai', definition: 'CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO log VALUES (new.id); END' }];
    s.views = [{ schema: 'main', name: 'v', definition: 'select id from notes', materialized: false, triggers: [{ name: 'v_ins', definition: 'CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN SELECT 1; END' }] }];
    s.virtualTables = [{ schema: 'main', name: 'notes_fts', module: 'fts5', arguments: "body, content='notes'" }];
    return s;
  };
  const changes = (expected: Schema, actual: Schema) => diffSchemas(expected, actual).changes.map((c) => [c.kind, c.table, c.name ?? c.column, c.message]);

  test('equivalent spellings of triggers, virtual-table arguments, options and collations are not changes', () => {
    const actual = sqlite();
    actual.tables[0].triggers[0].definition = 'create  trigger "notes_ai" after insert on notes\nbegin insert into log values (NEW.id);\nend';
    actual.virtualTables![0].arguments = "BODY,  content = 'notes'";
    actual.tables[0].options = ['STRICT'];
    actual.tables[0].columns[1].collation = 'NOCASE';
    actual.tables[0].columns[0].collation = 'binary';
    assert.deepEqual(changes(sqlite(), actual), []);
  });

  test('a snapshot written before `collation` existed (collation in the type) compares equal', () => {
    const old = sqlite();
    old.tables[0].columns[1].type = 'text collate nocase';
    delete old.tables[0].columns[1].collation;
    assert.deepEqual(changes(sqlite(), old), []);
    old.tables[0].columns[1].type = 'text collate rtrim';
    assert.deepEqual(changes(sqlite(), old).map((c) => c[0]), ['column.collation']);
  });

  test('each kind names the object and says what differs', () => {
    const actual = sqlite();
    actual.tables[0].options = [];
    actual.tables[0].columns[1].collation = null;
    actual.tables[0].columns[2].generated = 'length(body) stored';
    actual.tables[0].triggers = [];
    actual.views[0].triggers = [{ name: 'v_ins', definition: 'CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN SELECT 2; END' }];
    actual.virtualTables![0].module = 'fts4';
    assert.deepEqual(changes(sqlite(), actual), [
      ['table.options', 'notes', undefined, 'table notes has no options, expected strict'],
      ['column.default', 'notes', 'len', 'column notes.len has default generated always as (length(body)) stored, expected default generated always as (length(body)) virtual'],
      ['column.collation', 'notes', 'body', 'column notes.body has the default collation, expected collation nocase'],
      ['trigger.missing', 'notes', 'notes_ai', 'trigger notes_ai on notes is missing'],
      ['virtual-table.definition', 'notes_fts', 'notes_fts', "virtual table notes_fts is using fts4(body, content='notes'), expected using fts5(body, content='notes')"],
      ['trigger.definition', 'v', 'v_ins', 'trigger v_ins on v is instead of insert on v begin select 2; end, expected instead of insert on v begin select 1; end'],
    ]);
  });
});
