/**
 * The runtime guard's classifier on the kinds issue 13 added: an extra object on the live
 * database is a note, a missing or different one is blocking. Each case comes from a real
 * diff of two schemas (not a hand-made change), so a kind that the diff renames or stops
 * reporting fails here too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyChanges } from '../../src/check/compatibility.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { Schema, Table } from '../../src/core/model.js';
import { CHANGE_KINDS, type ChangeKind } from '../../src/core/schema-change.js';
import { clone, column, schema, table } from '../helpers/schema-builders.js';

function base(): Schema {
  const rooms = table('rooms', [column('id', 'integer', { nullable: false }), column('code', 'text', { nullable: false })], {
    triggers: [{ name: 'rooms_touch', definition: 'CREATE TRIGGER rooms_touch BEFORE UPDATE ON public.rooms FOR EACH ROW EXECUTE FUNCTION touch()', enabled: 'origin' }],
    rowSecurity: { enabled: true, forced: false },
    policies: [{ name: 'rooms_read', command: 'select', permissive: true, roles: ['public'], using: 'true', withCheck: null }],
  });
  rooms.partitioning = { key: 'LIST (code)', partitions: [{ schema: 'public', name: 'rooms_a', bound: "FOR VALUES IN ('a')" }] };
  rooms.exclusions = [{ name: 'rooms_no_overlap', definition: 'EXCLUDE USING gist (id WITH =)' }];
  const s = schema([rooms]);
  s.functions = [
    { schema: 'public', name: 'touch', arguments: '', kind: 'function', returns: 'trigger', language: 'plpgsql', volatility: 'volatile', security: 'invoker', definition: 'CREATE FUNCTION touch() … $$ begin return new; end $$' },
  ];
  s.sequences = [{ schema: 'public', name: 'ticket_seq', type: 'bigint', start: '1', increment: '1', min: '1', max: '9223372036854775807', cycle: false, ownedBy: null }];
  s.extensions = [{ name: 'pg_trgm', schema: 'public', version: '1.6' }];
  s.domains = [{ schema: 'public', name: 'email_address', type: 'text', default: null, notNull: false, checks: [{ name: 'email_address_check', definition: "CHECK (VALUE ~ '@'::text)" }] }];
  s.compositeTypes = [{ schema: 'public', name: 'money_amount', attributes: [{ name: 'currency', type: 'character(3)' }, { name: 'cents', type: 'bigint' }] }];
  s.virtualTables = [{ schema: 'public', name: 'room_search', module: 'fts5', arguments: 'code' }];
  return s;
}

const rooms = (s: Schema): Table => s.tables[0]!;

/** One live-database change per kind, and the verdict the guard must give. */
const CASES: Array<[ChangeKind, 'note' | 'blocking', (live: Schema) => void]> = [
  ['trigger.extra', 'note', (s) => rooms(s).triggers.push({ name: 'rooms_audit', definition: 'CREATE TRIGGER rooms_audit AFTER INSERT ON public.rooms FOR EACH ROW EXECUTE FUNCTION touch()' })],
  ['trigger.missing', 'blocking', (s) => (rooms(s).triggers = [])],
  ['trigger.definition', 'blocking', (s) => (rooms(s).triggers[0]!.definition = rooms(s).triggers[0]!.definition.replace('BEFORE', 'AFTER'))],
  ['trigger.enabled', 'blocking', (s) => (rooms(s).triggers[0]!.enabled = 'disabled')],
  ['rls.mismatch', 'blocking', (s) => (rooms(s).rowSecurity = { enabled: false, forced: false })],
  ['policy.extra', 'note', (s) => rooms(s).policies!.push({ name: 'rooms_all', command: 'all', permissive: true, roles: ['public'], using: 'true', withCheck: null })],
  ['policy.missing', 'blocking', (s) => (rooms(s).policies = [])],
  ['policy.definition', 'blocking', (s) => (rooms(s).policies![0]!.using = 'false')],
  ['function.extra', 'note', (s) => s.functions!.push({ ...s.functions![0]!, name: 'other' })],
  ['function.missing', 'blocking', (s) => (s.functions = [])],
  ['function.definition', 'blocking', (s) => (s.functions![0]!.definition = s.functions![0]!.definition.replace('new', 'old'))],
  ['sequence.extra', 'note', (s) => s.sequences!.push({ ...s.sequences![0]!, name: 'other_seq' })],
  ['sequence.missing', 'blocking', (s) => (s.sequences = [])],
  ['sequence.mismatch', 'blocking', (s) => (s.sequences![0]!.increment = '10')],
  ['extension.extra', 'note', (s) => s.extensions!.push({ name: 'citext', schema: 'public', version: '1.6' })],
  ['extension.missing', 'blocking', (s) => (s.extensions = [])],
  ['domain.extra', 'note', (s) => s.domains!.push({ schema: 'public', name: 'positive_int', type: 'integer', default: null, notNull: false, checks: [] })],
  ['domain.missing', 'blocking', (s) => (s.domains = [])],
  ['domain.definition', 'blocking', (s) => (s.domains![0]!.checks = [])],
  ['composite-type.extra', 'note', (s) => s.compositeTypes!.push({ schema: 'public', name: 'pair', attributes: [{ name: 'a', type: 'integer' }] })],
  ['composite-type.missing', 'blocking', (s) => (s.compositeTypes = [])],
  ['composite-type.definition', 'blocking', (s) => s.compositeTypes![0]!.attributes.pop()],
  ['exclusion.extra', 'note', (s) => rooms(s).exclusions!.push({ name: 'rooms_code_excl', definition: 'EXCLUDE USING btree (code WITH =)' })],
  ['exclusion.missing', 'blocking', (s) => (rooms(s).exclusions = [])],
  ['exclusion.definition', 'blocking', (s) => (rooms(s).exclusions![0]!.definition = 'EXCLUDE USING gist (id WITH =) WHERE (id > 0)')],
  ['virtual-table.extra', 'note', (s) => s.virtualTables!.push({ schema: 'public', name: 'notes_search', module: 'fts5', arguments: 'body' })],
  ['virtual-table.missing', 'blocking', (s) => (s.virtualTables = [])],
  ['virtual-table.definition', 'blocking', (s) => (s.virtualTables![0]!.arguments = "code, tokenize = 'porter'")],
  ['table.partitioning', 'blocking', (s) => (rooms(s).partitioning = null)],
  ['partition.extra', 'note', (s) => rooms(s).partitioning!.partitions.push({ schema: 'public', name: 'rooms_b', bound: "FOR VALUES IN ('b')" })],
  ['partition.missing', 'blocking', (s) => (rooms(s).partitioning!.partitions = [])],
  ['partition.bound', 'blocking', (s) => (rooms(s).partitioning!.partitions[0]!.bound = "FOR VALUES IN ('a', 'c')")],
  ['table.options', 'blocking', (s) => (rooms(s).options = ['unlogged'])],
  ['column.collation', 'blocking', (s) => (rooms(s).columns[1]!.collation = '"C"')],
];

describe('compatibility of the issue-13 kinds', () => {
  for (const [kind, verdict, perturb] of CASES) {
    test(`${kind} → ${verdict}`, () => {
      const live = clone(base());
      perturb(live);
      const classified = classifyChanges(diffSchemas(base(), live).changes);
      assert.deepEqual(
        classified.map((c) => [c.change.kind, c.compatibility]),
        [[kind, verdict]],
      );
      assert.ok(classified[0]!.reason.length > 5, 'a reason');
    });
  }

  test('every kind that is not an old one is covered above, each extra a note and each missing one blocking', () => {
    const covered = new Set(CASES.map(([kind]) => kind));
    const older = new Set<string>(['table', 'column', 'pk', 'fk', 'unique', 'index', 'check', 'enum', 'view']);
    const newer = CHANGE_KINDS.filter((kind) => !older.has(kind.split('.')[0]!) || kind === 'table.options' || kind === 'table.partitioning' || kind === 'column.collation');
    // extension.version, comment.mismatch, the grant and default-privilege kinds are compared only on request: checked below.
    assert.deepEqual(newer.filter((kind) => !covered.has(kind) && kind !== 'extension.version' && kind !== 'comment.mismatch' && !kind.startsWith('grant.') && !kind.startsWith('default-privilege.')), []);
    for (const [kind, verdict] of CASES) assert.equal(verdict, kind.endsWith('.extra') ? 'note' : 'blocking', kind);
  });

  test('comment.mismatch, compared on request, is a note on purpose: a comment changes nothing the code does', () => {
    const expected = base();
    rooms(expected).comment = 'Rooms';
    const live = clone(expected);
    rooms(live).comment = null;
    const classified = classifyChanges(diffSchemas(expected, live, { comments: true }).changes);
    assert.deepEqual(classified.map((c) => [c.change.kind, c.compatibility]), [['comment.mismatch', 'note']]);
  });

  test('grant.missing, compared on request, is blocking; grant.extra a note', () => {
    const expected = base();
    expected.grants = [{ schema: 'public', name: 'rooms', objectType: 'table', grantee: 'reporting', privilege: 'SELECT', grantable: false }];
    const live = clone(expected);
    live.grants = [{ schema: 'public', name: 'rooms', objectType: 'table', grantee: 'reporting', privilege: 'DELETE', grantable: false }];
    const classified = classifyChanges(diffSchemas(expected, live, { grants: true }).changes);
    assert.deepEqual(classified.map((c) => [c.change.kind, c.compatibility]).sort(), [['grant.extra', 'note'], ['grant.missing', 'blocking']]);
    assert.deepEqual(classifyChanges(diffSchemas(expected, live).changes), [], 'not compared unless asked');
  });

  test('default privileges, compared on request, are notes: they change only objects created later', () => {
    const expected = base();
    expected.defaultPrivileges = [{ role: null, schema: null, objectType: 'tables', grantee: 'reporting', privilege: 'SELECT', grantable: false }];
    const live = clone(expected);
    live.defaultPrivileges = [{ role: null, schema: null, objectType: 'tables', grantee: 'reporting', privilege: 'DELETE', grantable: false }];
    const classified = classifyChanges(diffSchemas(expected, live, { grants: true }).changes);
    assert.deepEqual(classified.map((c) => [c.change.kind, c.compatibility]).sort(), [['default-privilege.extra', 'note'], ['default-privilege.missing', 'note']]);
    assert.deepEqual(classifyChanges(diffSchemas(expected, live).changes), [], 'not compared unless asked');
  });

  test('extension.version, compared on request, is blocking', () => {
    const live = clone(base());
    live.extensions![0]!.version = '1.5';
    const classified = classifyChanges(diffSchemas(base(), live, { extensionVersions: true }).changes);
    assert.deepEqual(classified.map((c) => [c.change.kind, c.compatibility]), [['extension.version', 'blocking']]);
  });
});
