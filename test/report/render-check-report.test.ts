import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStyle, wantsColor } from '../../src/report/style.js';
import { renderCheckText, renderGithubAnnotations } from '../../src/report/render-check-report.js';
import type { CheckReport } from '../../src/check/check.js';

const report: CheckReport = {
  ok: false,
  dialect: 'postgres',
  expected: { source: 'schema.sql' },
  actual: { source: 'postgres://app:***@db/app' },
  changes: [
    { kind: 'column.missing', table: 'jobs', column: 'job_uuid', expected: null, actual: null, message: 'column jobs.job_uuid is missing (expected uuid not null)', fix: 'ALTER TABLE "jobs" ADD COLUMN "job_uuid" uuid NOT NULL;' },
    { kind: 'enum.values', table: 'mood', name: 'mood', expected: null, actual: null, message: "enum mood has values ('a'), expected ('a', 'b')", fix: "ALTER TYPE \"mood\" ADD VALUE 'b';" },
  ],
  unmigrated: [{ kind: 'table.missing', schema: 'audit', table: 'events', expected: null, actual: null, message: 'table audit.events is missing (expected 2 columns)' }],
};

describe('renderCheckText', () => {
  test('groups by object, shows fixes, a summary and the unmigrated section', () => {
    const text = renderCheckText(report, createStyle(false));
    assert.match(text, /^table jobs\n  ✗ column jobs\.job_uuid is missing \(expected uuid not null\) \[column\.missing\]\n    fix: ALTER TABLE "jobs" ADD COLUMN "job_uuid" uuid NOT NULL;$/m);
    assert.match(text, /^enum mood$/m);
    assert.match(text, /✗ 2 changes in 2 objects: postgres:\/\/app:\*\*\*@db\/app differs from schema\.sql \(1 column\.missing, 1 enum\.values\)/);
    assert.match(text, /schema\.sql changed but no migration was written[\s\S]*^table audit\.events$/m);
    assert.doesNotMatch(text, /\u001b\[/);
  });

  test('a long fix shows its first line and a count; short ones in full', () => {
    const rebuild = ['-- rebuild "jobs" for its 2 changes', 'PRAGMA foreign_keys=OFF;', 'CREATE TABLE "_lockstep_new_jobs" (\n  "id" integer\n);', 'INSERT INTO "_lockstep_new_jobs" ("id") SELECT "id" FROM "jobs";', 'DROP TABLE "jobs";', 'ALTER TABLE "_lockstep_new_jobs" RENAME TO "jobs";', 'PRAGMA foreign_keys=ON;'].join('\n');
    const long: CheckReport = {
      ...report,
      dialect: 'sqlite',
      unmigrated: undefined,
      changes: [
        { kind: 'column.type', table: 'jobs', column: 'id', expected: 'integer', actual: 'text', message: 'column jobs.id has type text, expected integer', fix: rebuild },
        { kind: 'column.missing', table: 'jobs', column: 'a', expected: null, actual: null, message: 'column jobs.a is missing', fix: '-- done by the rebuild of "jobs" above' },
        { kind: 'index.mismatch', table: 'jobs', name: 'i', expected: null, actual: null, message: 'index i on jobs differs', fix: 'DROP INDEX "i";\nCREATE INDEX "i" ON "jobs" ("a");' },
      ],
    };
    const text = renderCheckText(long, createStyle(false));
    assert.match(text, /^    fix: -- rebuild "jobs" for its 2 changes\n         … \(6 statements; full SQL in --json, or run lockstep generate\)$/m);
    assert.doesNotMatch(text, /_lockstep_new_jobs/);
    assert.match(text, /^    fix: -- done by the rebuild of "jobs" above$/m);
    assert.match(text, /^    fix: DROP INDEX "i";\n         CREATE INDEX "i" ON "jobs" \("a"\);$/m);
  });

  test('objects lockstep cannot model are listed as not compared, by name; a virtual table is its own group', () => {
    const sqlite: CheckReport = {
      ok: false,
      dialect: 'sqlite',
      expected: { source: 'schema.sql' },
      actual: { source: 'sqlite:app.db' },
      changes: [{ kind: 'virtual-table.missing', table: 'docs', name: 'docs', expected: null, actual: null, message: 'virtual table docs is missing (expected using fts5(body))', fix: 'CREATE VIRTUAL TABLE "docs" USING fts5(body);' }],
      notCompared: [{ schema: 'main', name: 'vec_chunks', type: 'table', reason: 'probably a shadow table of virtual table vec, whose module vec0 is not loaded here', side: 'actual' }],
    };
    const text = renderCheckText(sqlite, createStyle(false));
    assert.match(text, /^  not compared: table vec_chunks \(actual\): probably a shadow table of virtual table vec, whose module vec0 is not loaded here$/m);
    assert.match(text, /^virtual table docs\n  ✗ virtual table docs is missing/m);
  });

  test('colour only on a TTY without NO_COLOR', () => {
    assert.equal(wantsColor({ isTTY: true }, {}), true);
    assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(wantsColor({ isTTY: false }, {}), false);
    assert.match(renderCheckText(report, createStyle(true)), /\u001b\[31m✗\u001b\[39m/);
  });
});

describe('renderGithubAnnotations', () => {
  test('one ::error per change with escaped properties and body', () => {
    const out = renderGithubAnnotations(report, (c) => (c.table === 'jobs' ? { file: 'db/schema.sql', line: 4 } : undefined)).split('\n');
    assert.equal(out[0], '::error file=db/schema.sql,line=4,title=lockstep%3A column.missing::column jobs.job_uuid is missing (expected uuid not null)%0Afix: ALTER TABLE "jobs" ADD COLUMN "job_uuid" uuid NOT NULL;');
    assert.match(out[1], /^::error title=lockstep%3A enum\.values::enum mood has values/);
    assert.match(out[2], /^::error title=lockstep%3A no migration for table\.missing::table audit\.events is missing/);
    assert.match(out[3], /^::notice title=lockstep::2 change\(s\)/);
  });
});
