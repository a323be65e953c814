/**
 * The opt-in comparison of privileges (PostgreSQL `GRANT`), on the bookings fixture with
 * grants to two roles of its own: each single perturbation of a privilege is reported as
 * exactly that change (and nothing when the opt-in is off), its fix converges, `diff --sql`
 * plans it, and `check --compare` turns it (and comments) on from the command line.
 * The roles are created with unique names for this file and dropped afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { withFixes } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { Grant, Schema } from '../../src/core/model.js';
import type { ChangeKind } from '../../src/core/schema-change.js';
import { formatSnapshot, parseSnapshot } from '../../src/core/snapshot.js';
import { connect, getDialect } from '../../src/dialects/index.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, createTestDatabase, dropPgDatabase, testPgUrl } from '../helpers/databases.js';
import { applyFixture, FIXTURES_DIR } from '../helpers/fixture-schemas.js';

const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
// Mixed case: every statement must quote them.
const READER = `lockstep_g_${tag}_Reader`;
const WRITER = `lockstep_g_${tag}_Writer`;
const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

const dir = mkdtempSync(join(tmpdir(), 'lockstep-grants-'));
const schemaFile = join(dir, 'schema.sql');

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPgUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
before(async () => {
  await admin(`create role ${q(READER)} nologin; create role ${q(WRITER)} nologin`);
  writeFileSync(
    schemaFile,
    `${readFileSync(`${FIXTURES_DIR}bookings/postgres.sql`, 'utf8')}
grant select on rooms, guests to ${q(READER)};
grant select, insert, update on bookings to ${q(WRITER)};
grant update (capacity) on rooms to ${q(WRITER)};
grant select on buildings to public;
grant select on room_usage to ${q(WRITER)};
grant usage on sequence bookings_booking_id_seq to ${q(WRITER)};
create schema reports;
grant usage, create on schema reports to ${q(WRITER)};
create function room_capacity(p_room integer) returns integer language sql stable as 'select capacity from rooms where room_id = p_room';
revoke execute on function room_capacity(integer) from public;
grant execute on function room_capacity(integer) to ${q(READER)};
create procedure close_room(p_room integer) language sql as 'update rooms set capacity = 1 where room_id = p_room';
grant execute on procedure close_room(integer) to ${q(WRITER)};
grant usage on type money_amount to ${q(WRITER)};
revoke usage on type geo_point from public;
grant usage on domain email_address to ${q(READER)};
alter default privileges grant select on tables to ${q(READER)};
alter default privileges in schema public grant usage on sequences to ${q(WRITER)};
alter default privileges revoke execute on functions from public;
`,
  );
});
after(async () => {
  try {
    for (const fn of cleanups.reverse()) await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    // The databases that held their privileges are gone: the roles drop cleanly.
    await admin(`drop role if exists ${q(READER)}; drop role if exists ${q(WRITER)}`);
  }
});

const CASES: Array<{ what: string; apply: () => string; kind: ChangeKind; table: string; column?: string; fix: RegExp }> = [
  { what: 'revoke a table grant', apply: () => `revoke select on rooms from ${q(READER)}`, kind: 'grant.missing', table: 'rooms', fix: /^GRANT SELECT ON TABLE "rooms" TO "lockstep_g_\w+_Reader";$/ },
  { what: 'grant an extra privilege', apply: () => `grant delete on guests to ${q(READER)}`, kind: 'grant.extra', table: 'guests', fix: /^REVOKE DELETE ON TABLE "guests" FROM "lockstep_g_\w+_Reader";$/ },
  { what: 'revoke a column grant', apply: () => `revoke update (capacity) on rooms from ${q(WRITER)}`, kind: 'grant.missing', table: 'rooms', column: 'capacity', fix: /^GRANT UPDATE \("capacity"\) ON TABLE "rooms" TO "lockstep_g_\w+_Writer";$/ },
  { what: 'add the grant option', apply: () => `grant select on rooms to ${q(READER)} with grant option`, kind: 'grant.extra', table: 'rooms', fix: /^REVOKE GRANT OPTION FOR SELECT ON TABLE "rooms" FROM "lockstep_g_\w+_Reader";$/ },
  { what: 'revoke a sequence grant', apply: () => `revoke usage on sequence bookings_booking_id_seq from ${q(WRITER)}`, kind: 'grant.missing', table: 'bookings_booking_id_seq', fix: /^GRANT USAGE ON SEQUENCE "bookings_booking_id_seq" TO "lockstep_g_\w+_Writer";$/ },
  { what: 'revoke a grant to PUBLIC', apply: () => 'revoke select on buildings from public', kind: 'grant.missing', table: 'buildings', fix: /^GRANT SELECT ON TABLE "buildings" TO PUBLIC;$/ },
  { what: 'revoke a schema grant', apply: () => `revoke usage on schema reports from ${q(WRITER)}`, kind: 'grant.missing', table: 'reports', fix: /^GRANT USAGE ON SCHEMA "reports" TO "lockstep_g_\w+_Writer";$/ },
  { what: 'grant an extra schema privilege', apply: () => `grant create on schema public to ${q(READER)}`, kind: 'grant.extra', table: 'public', fix: /^REVOKE CREATE ON SCHEMA "public" FROM "lockstep_g_\w+_Reader";$/ },
  { what: 'revoke a function grant', apply: () => `revoke execute on function room_capacity(integer) from ${q(READER)}`, kind: 'grant.missing', table: 'room_capacity', fix: /^GRANT EXECUTE ON FUNCTION "room_capacity"\(p_room integer\) TO "lockstep_g_\w+_Reader";$/ },
  { what: 'give PUBLIC back EXECUTE on a function the schema revokes it from', apply: () => 'grant execute on function room_capacity(integer) to public', kind: 'grant.extra', table: 'room_capacity', fix: /^REVOKE EXECUTE ON FUNCTION "room_capacity"\(p_room integer\) FROM PUBLIC;$/ },
  { what: 'revoke PUBLIC EXECUTE on a procedure the schema leaves it on', apply: () => 'revoke execute on procedure close_room(integer) from public', kind: 'grant.missing', table: 'close_room', fix: /^GRANT EXECUTE ON PROCEDURE "close_room"\(IN p_room integer\) TO PUBLIC;$/ },
  { what: 'revoke a procedure grant', apply: () => `revoke execute on procedure close_room(integer) from ${q(WRITER)}`, kind: 'grant.missing', table: 'close_room', fix: /^GRANT EXECUTE ON PROCEDURE "close_room"\(IN p_room integer\) TO "lockstep_g_\w+_Writer";$/ },
  { what: 'revoke a type grant', apply: () => `revoke usage on type money_amount from ${q(WRITER)}`, kind: 'grant.missing', table: 'money_amount', fix: /^GRANT USAGE ON TYPE "money_amount" TO "lockstep_g_\w+_Writer";$/ },
  { what: 'revoke a domain grant', apply: () => `revoke usage on domain email_address from ${q(READER)}`, kind: 'grant.missing', table: 'email_address', fix: /^GRANT USAGE ON TYPE "email_address" TO "lockstep_g_\w+_Reader";$/ },
  { what: 'give PUBLIC back USAGE on a type the schema revokes it from', apply: () => 'grant usage on type geo_point to public', kind: 'grant.extra', table: 'geo_point', fix: /^REVOKE USAGE ON TYPE "geo_point" FROM PUBLIC;$/ },
  { what: 'revoke a default privilege', apply: () => `alter default privileges revoke select on tables from ${q(READER)}`, kind: 'default-privilege.missing', table: 'tables', fix: /^ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO "lockstep_g_\w+_Reader";$/ },
  { what: 'revoke a default privilege in one schema', apply: () => `alter default privileges in schema public revoke usage on sequences from ${q(WRITER)}`, kind: 'default-privilege.missing', table: 'sequences', fix: /^ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO "lockstep_g_\w+_Writer";$/ },
  { what: 'grant an extra default privilege', apply: () => `alter default privileges grant delete on tables to ${q(WRITER)}`, kind: 'default-privilege.extra', table: 'tables', fix: /^ALTER DEFAULT PRIVILEGES REVOKE DELETE ON TABLES FROM "lockstep_g_\w+_Writer";$/ },
  { what: 'give new functions back PUBLIC EXECUTE (the schema revokes it by default)', apply: () => 'alter default privileges grant execute on functions to public', kind: 'default-privilege.missing', table: 'functions', fix: /^ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;$/ },
  { what: 'take PUBLIC USAGE away from new types (the schema leaves it)', apply: () => 'alter default privileges revoke usage on types from public', kind: 'default-privilege.extra', table: 'types', fix: /^ALTER DEFAULT PRIVILEGES GRANT USAGE ON TYPES TO PUBLIC;$/ },
];

describe('opt-in comparisons on bookings (postgres): grants', () => {
  let expected: Schema;
  before(async () => {
    expected = await loadSchemaFile(getDialect('postgres'), schemaFile, { devUrl: testPgUrl() });
  });

  test('the expected schema reads the grants, not the owner\'s own privileges', () => {
    const mine = (expected.grants ?? []).filter((g) => g.grantee === READER || g.grantee === WRITER || g.grantee === 'PUBLIC');
    assert.deepEqual(
      mine.map((g) => [g.objectType, g.name, g.column ?? g.arguments ?? null, g.grantee, g.privilege, g.grantable]),
      [
        ['table', 'bookings', null, WRITER, 'INSERT', false],
        ['table', 'bookings', null, WRITER, 'SELECT', false],
        ['table', 'bookings', null, WRITER, 'UPDATE', false],
        ['sequence', 'bookings_booking_id_seq', null, WRITER, 'USAGE', false],
        ['table', 'buildings', null, 'PUBLIC', 'SELECT', false],
        ['procedure', 'close_room', 'IN p_room integer', 'PUBLIC', 'EXECUTE', false],
        ['procedure', 'close_room', 'IN p_room integer', WRITER, 'EXECUTE', false],
        ['type', 'email_address', null, 'PUBLIC', 'USAGE', false],
        ['type', 'email_address', null, READER, 'USAGE', false],
        ['table', 'guests', null, READER, 'SELECT', false],
        ['type', 'money_amount', null, 'PUBLIC', 'USAGE', false],
        ['type', 'money_amount', null, WRITER, 'USAGE', false],
        ['schema', 'public', null, 'PUBLIC', 'USAGE', false],
        ['function', 'room_capacity', 'p_room integer', READER, 'EXECUTE', false],
        ['view', 'room_usage', null, WRITER, 'SELECT', false],
        ['table', 'rooms', null, READER, 'SELECT', false],
        ['table', 'rooms', 'capacity', WRITER, 'UPDATE', false],
        ['schema', 'reports', null, WRITER, 'CREATE', false],
        ['schema', 'reports', null, WRITER, 'USAGE', false],
      ],
    );
    assert.equal(mine.length, expected.grants!.length, 'no other grant (the owner\'s are implicit)');
    assert.deepEqual(
      expected.defaultPrivileges!.map((d) => [d.role, d.schema, d.objectType, d.grantee, d.privilege, d.revoked ?? false]),
      [
        [null, null, 'functions', 'PUBLIC', 'EXECUTE', true],
        [null, null, 'tables', READER, 'SELECT', false],
        [null, 'public', 'sequences', WRITER, 'USAGE', false],
      ],
      'the connecting role\'s default privileges, with no role name',
    );
  });

  test('an identical database: no change with grants compared', async () => {
    const live = await createTestDatabase('postgres');
    try {
      await applyFixture(live.db, schemaFile);
      assert.deepEqual(diffSchemas(expected, await getDialect('postgres').introspect(live.db), { grants: true }).changes, []);
    } finally {
      await live.dispose();
    }
  });

  for (const c of CASES) {
    test(`${c.what} → ${c.kind}, only with grants: true; the fix converges`, async () => {
      const dialect = getDialect('postgres');
      const live = await createTestDatabase('postgres');
      try {
        await applyFixture(live.db, schemaFile);
        await live.db.exec(c.apply());
        const actual = await dialect.introspect(live.db);
        assert.deepEqual(diffSchemas(expected, actual).changes, [], 'grants are not compared by default');
        const changes = withFixes(dialect, diffSchemas(expected, actual, { grants: true }).changes, expected, actual);
        assert.deepEqual(changes.map((x) => [x.kind, x.table, x.column]), [[c.kind, c.table, c.column]], changes.map((x) => x.message).join('\n'));
        assert.match(changes[0]!.fix!, c.fix);
        await live.db.exec(changes[0]!.fix!);
        assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { grants: true }).changes, []);
        // The planner (diff --sql) writes the same statement.
        const plan = dialect.planMigration(actual, expected, { compare: { grants: true } });
        assert.deepEqual(plan.statements, [changes[0]!.fix!]);
        assert.deepEqual(dialect.planMigration(actual, expected).statements, [], 'no grant statement unless asked');
      } finally {
        await live.dispose();
      }
    });
  }

  test('a view that a fix or a plan drops and recreates gets its privileges back', async () => {
    const dialect = getDialect('postgres');
    const retype = `drop materialized view room_usage; alter table bookings alter column room_id type bigint;
      create materialized view room_usage as select r.room_id, count(b.booking_id) as bookings from rooms r left join bookings b on b.room_id = r.room_id group by r.room_id;
      create unique index room_usage_room_idx on room_usage (room_id); grant select on room_usage to ${q(WRITER)}; revoke select on room_usage from ${q(READER)}`;
    for (const via of ['fix', 'plan'] as const) {
      const live = await createTestDatabase('postgres');
      try {
        await applyFixture(live.db, schemaFile);
        await live.db.exec(retype);
        const actual = await dialect.introspect(live.db);
        const changes = withFixes(dialect, diffSchemas(expected, actual, { grants: true }).changes, expected, actual);
        assert.deepEqual(changes.map((x) => x.kind), ['column.type']);
        const sql = via === 'fix' ? changes[0]!.fix! : dialect.planMigration(actual, expected, { compare: { grants: true } }).statements.join(';\n');
        assert.match(sql, /GRANT SELECT ON TABLE "room_usage" TO "lockstep_g_\w+_Writer"/, via);
        // The live database's default privileges give the recreated view SELECT for the reader, which the schema does not grant on it.
        assert.match(sql, /REVOKE SELECT ON TABLE "room_usage" FROM "lockstep_g_\w+_Reader"/, via);
        await live.db.exec(sql);
        assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { grants: true }).changes.map((x) => x.message), [], via);
      } finally {
        await live.dispose();
      }
    }
  });

  test('from an empty database, the fixes and the plan converge with grants compared (PUBLIC\'s EXECUTE and USAGE revoked from what they create)', async () => {
    const dialect = getDialect('postgres');
    for (const via of ['fix', 'plan'] as const) {
      const live = await createTestDatabase('postgres');
      try {
        const empty = await dialect.introspect(live.db);
        let sql: string;
        if (via === 'fix') {
          const changes = withFixes(dialect, diffSchemas(expected, empty, { grants: true }).changes, expected, empty);
          sql = changes.map((c) => c.fix).filter(Boolean).join('\n');
        } else {
          sql = dialect.planMigration(empty, expected, { compare: { grants: true } }).statements.join('\n');
        }
        assert.match(sql, /REVOKE EXECUTE ON FUNCTION "room_capacity"\(p_room integer\) FROM PUBLIC;/, via);
        assert.match(sql, /REVOKE USAGE ON TYPE "geo_point" FROM PUBLIC;/, via);
        assert.match(sql, /ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;/, via);
        await live.db.exec(sql);
        assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { grants: true }).changes.map((x) => x.message), [], `${via}:\n${sql}`);
      } finally {
        await live.dispose();
      }
    }
  });

  test('a function or type recreated by a fix keeps its privileges', async () => {
    const dialect = getDialect('postgres');
    const live = await createTestDatabase('postgres');
    try {
      await applyFixture(live.db, schemaFile);
      // money_amount's attributes reordered: the fix recreates the type (its grant to the writer goes with the old one).
      await live.db.exec(`drop view room_rate_list; alter table room_rates drop column rate; drop type money_amount; create type money_amount as (cents bigint, currency char(3));
        grant usage on type money_amount to ${q(WRITER)}; alter table room_rates add column rate money_amount;
        create view room_rate_list as select rate_id, (rate).currency, (rate).cents from room_rates; grant select on room_rate_list to ${q(READER)}`);
      const actual = await dialect.introspect(live.db);
      const changes = withFixes(dialect, diffSchemas(expected, actual, { grants: true }).changes, expected, actual);
      assert.deepEqual(changes.map((x) => x.kind), ['grant.extra', 'composite-type.definition'], changes.map((x) => x.message).join('\n'));
      assert.match(changes[1]!.fix!, /GRANT USAGE ON TYPE "money_amount" TO "lockstep_g_\w+_Writer";$/);
      for (const c of changes) await live.db.exec(c.fix!);
      assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { grants: true }).changes.map((x) => x.message), []);
    } finally {
      await live.dispose();
    }
  });

  test('a column renamed by a plan keeps its privileges', async () => {
    const dialect = getDialect('postgres');
    const live = await createTestDatabase('postgres');
    try {
      await applyFixture(live.db, schemaFile);
      await live.db.exec('alter table rooms rename column capacity to seats');
      const actual = await dialect.introspect(live.db);
      const plan = dialect.planMigration(actual, expected, { renames: [{ table: 'rooms', from: 'seats', to: 'capacity' }], compare: { grants: true } });
      assert.equal(plan.statements[0], 'ALTER TABLE "rooms" RENAME COLUMN "seats" TO "capacity";');
      assert.deepEqual(plan.statements.filter((x) => /^(GRANT|REVOKE)/.test(x)), [], 'the column privilege moves with the column');
      await live.db.exec(plan.statements.join('\n'));
      assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { grants: true, comments: true }).changes, []);
    } finally {
      await live.dispose();
    }
  });

  test('the message names the table, the role and the privilege', async () => {
    const dialect = getDialect('postgres');
    const live = await createTestDatabase('postgres');
    try {
      await applyFixture(live.db, schemaFile);
      await live.db.exec(`revoke select on rooms from ${q(READER)}`);
      const [change] = diffSchemas(expected, await dialect.introspect(live.db), { grants: true }).changes;
      assert.equal(change!.message, `table rooms: role ${READER} lacks SELECT (expected by the schema)`);
    } finally {
      await live.dispose();
    }
  });

  test('a grant to a role the server does not have: said in the message and the fix', () => {
    const ghost: Grant = { schema: 'public', name: 'rooms', objectType: 'table', grantee: 'nobody_here', privilege: 'SELECT', grantable: false };
    const actual: Schema = { ...expected, grants: expected.grants!, roles: [READER, WRITER] };
    const want: Schema = { ...expected, grants: [...expected.grants!, ghost] };
    const changes = withFixes(getDialect('postgres'), diffSchemas(want, actual, { grants: true }).changes, want, actual);
    assert.equal(changes.length, 1);
    assert.match(changes[0]!.message, /role nobody_here lacks SELECT .*role nobody_here does not exist on this server: create it first/);
    assert.match(changes[0]!.fix!, /^-- role "nobody_here" does not exist on this server: create it first.*\nGRANT SELECT ON TABLE "rooms" TO "nobody_here";$/s);
  });

  test('a default privilege for a role the server does not have: said in the message and the fix', () => {
    const ghost = { role: 'ghost_owner', schema: null, objectType: 'tables' as const, grantee: 'nobody_here', privilege: 'SELECT', grantable: false };
    const actual: Schema = { ...expected, roles: [READER, WRITER] };
    const want: Schema = { ...expected, defaultPrivileges: [...expected.defaultPrivileges!, ghost] };
    const changes = withFixes(getDialect('postgres'), diffSchemas(want, actual, { grants: true }).changes, want, actual);
    assert.deepEqual(changes.map((c) => c.kind), ['default-privilege.missing']);
    assert.equal(changes[0]!.message, 'default privileges for role ghost_owner: new tables do not give role nobody_here SELECT (expected by the schema); role nobody_here does not exist on this server: create it first');
    assert.equal(
      changes[0]!.fix,
      '-- role "ghost_owner" does not exist on this server: create it first (CREATE ROLE "ghost_owner" …)\n-- role "nobody_here" does not exist on this server: create it first (CREATE ROLE "nobody_here" …)\nALTER DEFAULT PRIVILEGES FOR ROLE "ghost_owner" GRANT SELECT ON TABLES TO "nobody_here";',
    );
  });

  test('a snapshot without default privileges (older) compares only the grants on relations', () => {
    const older: Schema = { ...expected, grants: expected.grants!.filter((g) => ['table', 'view', 'sequence'].includes(g.objectType)) };
    delete older.defaultPrivileges;
    assert.deepEqual(diffSchemas(older, expected, { grants: true }).changes, []);
    assert.ok(diffSchemas({ ...older, defaultPrivileges: [] }, expected, { grants: true }).changes.length > 0, 'with both read, the other grants count');
  });

  test('a snapshot keeps the grants, not the server\'s role names; an older snapshot without grants compares none', () => {
    const back = parseSnapshot(formatSnapshot(expected), 'schema.json');
    assert.deepEqual(back.grants, expected.grants);
    assert.equal(back.roles, undefined);
    const older: Schema = { ...back };
    delete older.grants;
    const live: Schema = { ...expected, grants: [] };
    assert.deepEqual(diffSchemas(older, live, { grants: true }).changes, []);
  });
});

describe('lockstep check --compare', () => {
  async function project(init: (db: string) => string) {
    const projectDir = mkdtempSync(join(tmpdir(), 'lockstep-compare-'));
    const url = await createPgDatabase();
    cleanups.push(() => dropPgDatabase(url));
    cleanups.push(() => rmSync(projectDir, { recursive: true, force: true }));
    writeFileSync(join(projectDir, 'schema.sql'), readFileSync(schemaFile, 'utf8'));
    const db = await connect(url);
    try {
      await applyFixture(db, schemaFile);
      await db.exec(init(url));
    } finally {
      await db.close();
    }
    return { dir: projectDir, url, env: { LOCKSTEP_DEV_URL: testPgUrl() } };
  }

  test('grants and comments are compared only when asked, by the flag or the config (the flag wins)', async () => {
    const p = await project(() => `revoke select on guests from ${q(READER)}; comment on table rooms is 'Rooms'`);
    writeFileSync(join(p.dir, 'lockstep.config.json'), JSON.stringify({ url: p.url }));
    const off = await runCli(['check'], { cwd: p.dir, env: p.env });
    assert.equal(off.code, 0, off.stdout + off.stderr);

    const on = await runCli(['check', '--json', '--compare', 'comments,grants'], { cwd: p.dir, env: p.env });
    assert.equal(on.code, 1, on.stderr);
    const report = JSON.parse(on.stdout) as { changes: Array<{ kind: string; table: string; fix: string }> };
    assert.deepEqual(report.changes.map((c) => [c.kind, c.table]).sort(), [['comment.mismatch', 'rooms'], ['grant.missing', 'guests']]);

    writeFileSync(join(p.dir, 'lockstep.config.json'), JSON.stringify({ url: p.url, check: { compare: ['grants'] } }));
    const configured = await runCli(['check', '--json'], { cwd: p.dir, env: p.env });
    assert.equal(configured.code, 1, configured.stderr);
    assert.deepEqual((JSON.parse(configured.stdout) as typeof report).changes.map((c) => c.kind), ['grant.missing']);
    const flagWins = await runCli(['check', '--json', '--compare', 'comments'], { cwd: p.dir, env: p.env });
    assert.deepEqual((JSON.parse(flagWins.stdout) as typeof report).changes.map((c) => c.kind), ['comment.mismatch']);

    // Applying the printed fixes converges.
    const db = await connect(p.url);
    try {
      for (const c of report.changes) await db.exec(c.fix);
    } finally {
      await db.close();
    }
    const again = await runCli(['check', '--compare', 'comments,grants'], { cwd: p.dir, env: p.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);

    const diff = await runCli(['diff', '--from', p.url, '--to', 'schema.sql', '--compare', 'grants', '--sql'], { cwd: p.dir, env: p.env });
    assert.equal(diff.code, 0, diff.stderr);
    assert.equal(diff.stdout, '-- no changes\n');
  });

  test('generate --compare grants (or check.compare in the config) writes the privileges into the migration; without it there is nothing to do', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'lockstep-generate-compare-'));
    const url = await createPgDatabase();
    cleanups.push(() => dropPgDatabase(url));
    cleanups.push(() => rmSync(projectDir, { recursive: true, force: true }));
    const full = readFileSync(schemaFile, 'utf8');
    writeFileSync(join(projectDir, 'schema.sql'), full);
    // The first migration: everything but the privileges.
    const withoutPrivileges = full.split('\n').filter((line) => !/^(grant|revoke|alter default privileges)\b/.test(line)).join('\n');
    mkdirSync(join(projectDir, 'migrations', '20260101000000_init'), { recursive: true });
    writeFileSync(join(projectDir, 'migrations', '20260101000000_init', 'up.sql'), withoutPrivileges);
    writeFileSync(join(projectDir, 'lockstep.config.json'), JSON.stringify({ url }));
    const env = { LOCKSTEP_DEV_URL: testPgUrl() };

    const off = await runCli(['generate', 'privileges'], { cwd: projectDir, env });
    assert.equal(off.code, 0, off.stdout + off.stderr);
    assert.match(off.stdout, /nothing to do/);

    const on = await runCli(['generate', 'privileges', '--compare', 'grants', '--json'], { cwd: projectDir, env });
    assert.equal(on.code, 0, on.stdout + on.stderr);
    const result = JSON.parse(on.stdout) as { status: string; files: string[]; changes: Array<{ kind: string }> };
    assert.equal(result.status, 'written');
    assert.ok(result.changes.length > 0 && result.changes.every((c) => c.kind.startsWith('grant.') || c.kind.startsWith('default-privilege.')), JSON.stringify(result.changes));
    const up = readFileSync(join(projectDir, result.files[0]!), 'utf8');
    assert.match(up, new RegExp(`GRANT SELECT ON TABLE "rooms" TO ${q(READER)};`));
    assert.match(up, /REVOKE EXECUTE ON FUNCTION "room_capacity"\(p_room integer\) FROM PUBLIC;/);
    assert.match(up, /ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;/);
    const down = readFileSync(join(projectDir, result.files[1]!), 'utf8');
    assert.match(down, new RegExp(`REVOKE SELECT ON TABLE "rooms" FROM ${q(READER)};`));

    // Applied, the database matches schema.sql with grants compared; a second generate with the config key has nothing to do.
    const up2 = await runCli(['migrate', 'up'], { cwd: projectDir, env });
    assert.equal(up2.code, 0, up2.stdout + up2.stderr);
    const check = await runCli(['check', '--compare', 'grants'], { cwd: projectDir, env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    writeFileSync(join(projectDir, 'lockstep.config.json'), JSON.stringify({ url, check: { compare: ['grants'] } }));
    const again = await runCli(['generate', 'more'], { cwd: projectDir, env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /nothing to do/);
    const bad = await runCli(['generate', 'x', '--compare', 'owners'], { cwd: projectDir, env });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /--compare: "owners" is not a comparison lockstep can turn on/);
  });

  test('a bad value: exit 2 naming the allowed values, from the flag and from the config', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'lockstep-compare-'));
    cleanups.push(() => rmSync(projectDir, { recursive: true, force: true }));
    writeFileSync(join(projectDir, 'schema.sql'), 'create table a (id int);\n');
    writeFileSync(join(projectDir, 'lockstep.config.json'), JSON.stringify({ url: 'sqlite:live.db' }));
    const bad = await runCli(['check', '--compare', 'grants,owners'], { cwd: projectDir });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /--compare: "owners" is not a comparison lockstep can turn on; expected one of comments, grants, extension-versions/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const diff = await runCli(['diff', '--from', 'schema.sql', '--to', 'schema.sql', '--compare', 'owner'], { cwd: projectDir });
    assert.equal(diff.code, 2, diff.stdout + diff.stderr);
    writeFileSync(join(projectDir, 'lockstep.config.json'), JSON.stringify({ url: 'sqlite:live.db', check: { compare: ['grant'] } }));
    const config = await runCli(['check'], { cwd: projectDir });
    assert.equal(config.code, 2, config.stdout + config.stderr);
    assert.match(config.stderr, /check\.compare: "grant" is not a comparison lockstep can turn on; expected one of comments, grants, extension-versions/);
  });
});
