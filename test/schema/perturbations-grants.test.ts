/**
 * The opt-in comparison of privileges (PostgreSQL `GRANT`), on the bookings fixture with
 * grants to two roles of its own: each single perturbation of a privilege is reported as
 * exactly that change (and nothing when the opt-in is off), its fix converges, `diff --sql`
 * plans it, and `check --compare` turns it (and comments) on from the command line.
 * The roles are created with unique names for this file and dropped afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
grant select on room_usage to ${q(READER)};
grant usage on sequence bookings_booking_id_seq to ${q(WRITER)};
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
];

describe('opt-in comparisons on bookings (postgres): grants', () => {
  let expected: Schema;
  before(async () => {
    expected = await loadSchemaFile(getDialect('postgres'), schemaFile, { devUrl: testPgUrl() });
  });

  test('the expected schema reads the grants, not the owner\'s own privileges', () => {
    const mine = (expected.grants ?? []).filter((g) => g.grantee === READER || g.grantee === WRITER || g.grantee === 'PUBLIC');
    assert.deepEqual(
      mine.map((g) => [g.name, g.column ?? null, g.grantee, g.privilege, g.grantable]),
      [
        ['bookings', null, WRITER, 'INSERT', false],
        ['bookings', null, WRITER, 'SELECT', false],
        ['bookings', null, WRITER, 'UPDATE', false],
        ['bookings_booking_id_seq', null, WRITER, 'USAGE', false],
        ['buildings', null, 'PUBLIC', 'SELECT', false],
        ['guests', null, READER, 'SELECT', false],
        ['room_usage', null, READER, 'SELECT', false],
        ['rooms', null, READER, 'SELECT', false],
        ['rooms', 'capacity', WRITER, 'UPDATE', false],
      ],
    );
    assert.equal(mine.length, expected.grants!.length, 'no other grant (the owner\'s are implicit)');
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
      create unique index room_usage_room_idx on room_usage (room_id); grant select on room_usage to ${q(READER)}`;
    for (const via of ['fix', 'plan'] as const) {
      const live = await createTestDatabase('postgres');
      try {
        await applyFixture(live.db, schemaFile);
        await live.db.exec(retype);
        const actual = await dialect.introspect(live.db);
        const changes = withFixes(dialect, diffSchemas(expected, actual, { grants: true }).changes, expected, actual);
        assert.deepEqual(changes.map((x) => x.kind), ['column.type']);
        const sql = via === 'fix' ? changes[0]!.fix! : dialect.planMigration(actual, expected, { compare: { grants: true } }).statements.join(';\n');
        assert.match(sql, /GRANT SELECT ON TABLE "room_usage" TO "lockstep_g_\w+_Reader"/, via);
        await live.db.exec(sql);
        assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { grants: true }).changes.map((x) => x.message), [], via);
      } finally {
        await live.dispose();
      }
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
