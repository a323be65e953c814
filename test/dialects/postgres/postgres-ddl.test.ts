import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixForPostgres } from '../../../src/dialects/postgres/postgres-fix.js';
import { introspectPostgres } from '../../../src/dialects/postgres/postgres-introspector.js';
import { diffSchemas } from '../../../src/schema/diff-schemas.js';
import type { ChangeKind } from '../../../src/schema/schema-change.js';
import { createTestDatabase } from '../../helpers/databases.js';

const BASE = `
create type mood as enum ('sad', 'ok');
create table org (id int primary key, name varchar(100) not null unique);
create table person (
  id int primary key,
  org_id int references org (id) on delete cascade,
  email varchar(200) not null,
  status text default 'new',
  age int check (age > 0),
  feeling mood default 'ok',
  constraint person_email_key unique (email)
);
create index person_status_idx on person (status);
create index person_org_idx on person (org_id, id desc);
create table audit (id int primary key, person_id int references person (id));
create view adults as select id, email from person where age >= 18;
`;

/**
 * Builds BASE twice, perturbs the second copy, and checks that the diff reports exactly
 * the expected kinds and that running every change's fix makes the diff empty.
 */
async function fixesRepair(perturb: string, kinds: ChangeKind[]): Promise<string[]> {
  const expectedDb = await createTestDatabase('postgres');
  const actualDb = await createTestDatabase('postgres');
  try {
    await expectedDb.db.exec(BASE);
    await actualDb.db.exec(BASE);
    await actualDb.db.exec(perturb);
    const expected = await introspectPostgres(expectedDb.db);
    const actual = await introspectPostgres(actualDb.db);
    const diff = diffSchemas(expected, actual);
    assert.deepEqual(diff.changes.map((c) => c.kind).sort(), [...kinds].sort());
    const fixes = diff.changes.map((change) => {
      const fix = fixForPostgres(change, expected, actual);
      assert.ok(fix, `no fix for ${change.kind}: ${change.message}`);
      return fix;
    });
    // Fixes are applied most-structural first, as a user following `check` output would.
    const rank = (sql: string) => (/^(CREATE TYPE|ALTER TYPE)/.test(sql) ? 0 : /^CREATE TABLE/.test(sql) ? 1 : /^(DROP VIEW|CREATE VIEW|CREATE OR REPLACE)/.test(sql) ? 3 : 2);
    for (const fix of [...fixes].sort((a, b) => rank(a) - rank(b))) await actualDb.db.exec(fix);
    const after = diffSchemas(expected, await introspectPostgres(actualDb.db));
    assert.deepEqual(after.changes.map((c) => c.message), [], fixes.join('\n'));
    return fixes;
  } finally {
    await expectedDb.dispose();
    await actualDb.dispose();
  }
}

describe('fixForPostgres: each fix repairs its change on a real server', () => {
  test('columns: missing, extra, type, nullable, default', async () => {
    const fixes = await fixesRepair(
      `alter table person drop column age cascade;
       alter table person add column nickname text;
       alter table person alter column email type varchar(100);
       alter table org alter column name drop not null;
       alter table person alter column status set default 'old';`,
      ['column.missing', 'check.missing', 'column.extra', 'column.type', 'column.nullable', 'column.default', 'view.missing'],
    );
    assert.ok(fixes.includes('ALTER TABLE "org" ALTER COLUMN "name" SET NOT NULL;'));
    assert.ok(fixes.includes('ALTER TABLE "person" DROP COLUMN "nickname";'));
  });

  test('keys: primary key, foreign keys, uniques, checks, indexes', async () => {
    await fixesRepair(
      `alter table audit drop constraint audit_pkey;
       alter table audit drop constraint audit_person_id_fkey;
       alter table audit add constraint audit_self_fk foreign key (id) references org (id);
       alter table person drop constraint person_org_id_fkey, add constraint person_org_id_fkey foreign key (org_id) references org (id) on delete set null;
       alter table person drop constraint person_email_key;
       alter table person add constraint person_status_key unique (status);
       alter table person drop constraint person_age_check;
       alter table person add constraint person_status_check check (status <> '');
       drop index person_status_idx;
       create index person_extra_idx on person (email);
       drop index person_org_idx; create index person_org_idx on person (org_id);`,
      ['pk.mismatch', 'fk.missing', 'fk.extra', 'fk.mismatch', 'unique.missing', 'unique.extra', 'check.missing', 'check.extra', 'index.missing', 'index.extra', 'index.mismatch'],
    );
  });

  test('tables, enums and views', async () => {
    await fixesRepair(
      `drop table audit;
       create table extra_table (id int);
       alter type mood add value 'glad';
       create type unused as enum ('x');
       drop view adults;
       create view adults as select id from person;
       create view stray as select 1 as one;`,
      ['table.missing', 'table.extra', 'enum.values', 'enum.extra', 'view.definition', 'view.extra'],
    );
  });

  test('identity and generated columns are fixed through their default', async () => {
    const fixes = await fixesRepair(
      `alter table person alter column id add generated by default as identity;
       alter table org alter column id add generated always as identity;`,
      ['column.default', 'column.default'],
    );
    assert.ok(fixes.includes('ALTER TABLE "person" ALTER COLUMN "id" DROP IDENTITY;'));
  });
});
