/**
 * The fixture schemas under test/fixtures/schemas/<name>/<dialect>.sql, and helpers to
 * materialize them on a test database and perturb them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../src/dialects/database.js';
import { getDialect } from '../../src/dialects/index.js';
import type { DialectName } from '../../src/core/model.js';
import { applyScript } from '../../src/sources/apply-script.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));

/** Every fixture with the dialects it is written for. */
export const FIXTURE_SCHEMAS: Array<{ name: string; dialect: DialectName; file: string }> = ['rich', 'jobs', 'chinook', 'pagila', 'supabase-auth', 'audit-trigger', 'sakila', 'bookings', 'pagila-dump', 'sakila-dump'].flatMap((name) =>
  (['postgres', 'sqlite'] as const)
    .map((dialect) => ({ name, dialect, file: `${FIXTURES_DIR}${name}/${dialect}.sql` }))
    .filter((f) => existsSync(f.file)),
);

export async function applyFixture(db: Database, file: string): Promise<void> {
  await applyScript(db, getDialect(db.dialect), readFileSync(file, 'utf8'), file);
}

/**
 * SQLite cannot alter most column properties: rebuild `table` from its own CREATE TABLE
 * text with `replace` applied (the documented 12-step procedure: new table, copy, drop,
 * rename; views dropped around it because RENAME re-checks them; indexes and triggers
 * recreated). Used to perturb a live SQLite database the way a hand edit would.
 */
export async function rebuildSqliteTable(db: Database, table: string, replace: [string, string]): Promise<void> {
  const { rows } = await db.query<{ type: string; name: string; tbl_name: string; sql: string | null }>(
    "select type, name, tbl_name, sql from sqlite_master where sql is not null and (tbl_name = $1 or type in ('view', 'trigger'))",
    [table],
  );
  const create = rows.find((r) => r.type === 'table' && r.name === table)!.sql!;
  if (!create.includes(replace[0])) throw new Error(`rebuildSqliteTable: ${JSON.stringify(replace[0])} is not in ${create}`);
  const changed = create.replace(replace[0], replace[1]).replace(/^(\s*create\s+table\s+)("[^"]+"|\[[^\]]+\]|`[^`]+`|\w+)/i, `$1"${table}__new"`);
  const views = rows.filter((r) => r.type === 'view');
  const viewNames = new Set(views.map((v) => v.name));
  const extras = rows.filter((r) => (r.type === 'index' || r.type === 'trigger') && r.tbl_name === table);
  // Dropping a view drops its INSTEAD OF triggers: they come back with it.
  const viewTriggers = rows.filter((r) => r.type === 'trigger' && viewNames.has(r.tbl_name));
  const { rows: columns } = await db.query<{ name: string; hidden: number }>(`select name, hidden from pragma_table_xinfo('${table}')`);
  const copy = columns.filter((c) => c.hidden === 0).map((c) => `"${c.name}"`).join(', ');
  await db.exec('PRAGMA foreign_keys = OFF');
  try {
    for (const v of views) await db.exec(`DROP VIEW "${v.name}"`);
    await db.exec(changed);
    await db.exec(`INSERT INTO "${table}__new" (${copy}) SELECT ${copy} FROM "${table}"`);
    await db.exec(`DROP TABLE "${table}"`);
    // Triggers of other tables that name this one would fail the rename's re-check while it is missing.
    await db.exec('PRAGMA legacy_alter_table = ON');
    await db.exec(`ALTER TABLE "${table}__new" RENAME TO "${table}"`);
    await db.exec('PRAGMA legacy_alter_table = OFF');
    for (const x of extras) await db.exec(x.sql!);
    for (const v of views) await db.exec(v.sql!);
    for (const t of viewTriggers) await db.exec(t.sql!);
  } finally {
    await db.exec('PRAGMA foreign_keys = ON');
  }
}
