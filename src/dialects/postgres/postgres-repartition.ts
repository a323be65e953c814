import type { Table } from '../../core/model.js';
import { qualify, quoteLiteral, quotePostgresIdentifier as q } from './postgres-ddl.js';

/**
 * PostgreSQL cannot partition a plain table, unpartition one or change a partition key in
 * place: the table is dropped and created again. Its rows are kept by copying them to a
 * holding table first (`CREATE TABLE … AS TABLE …`, partitions included) and back after
 * the new table and its partitions exist; the holding table is dropped only once the copy
 * back succeeded, so a row that no new partition takes stops the script with its rows
 * still there. Shared by `check`'s fix and the migration planner.
 */

type TableRef = { schema: string; name: string };

/** `invoices` → `invoices_lockstep_rows` (cut to PostgreSQL's 63-byte identifiers). */
export function holdingTableOf(table: TableRef): TableRef {
  const suffix = '_lockstep_rows';
  let base = table.name;
  while (Buffer.byteLength(base + suffix) > 63) base = base.slice(0, -1);
  return { schema: table.schema, name: base + suffix };
}

/**
 * The leading comment (a `-- WARNING: data loss` line, so `check` marks the fix
 * destructive: the table is dropped, and what lockstep does not model goes with it) and
 * the copy of the rows aside.
 *
 * @example
 * repartitionBeforeSql(live, want)
 * // → ['-- WARNING: data loss: PostgreSQL cannot change the partitioning of "invoices" in place: …',
 * //    'CREATE TABLE "invoices_lockstep_rows" AS TABLE "invoices";']
 */
export function repartitionBeforeSql(live: Table, want: Table): string[] {
  const name = commentName(want);
  const to = want.partitioning ? `PARTITION BY ${want.partitioning.key}` : 'as a plain table';
  const holding = holdingTableOf(want);
  const dropped = live.columns.filter((c) => c.generated === null && !want.columns.some((w) => w.name === c.name)).map((c) => commentName({ schema: live.schema, name: `${live.name}.${c.name}` }));
  const lost = dropped.length > 0 ? `; the values of ${dropped.join(', ')} are not kept (not in the expected table)` : '';
  return [
    `-- WARNING: data loss: PostgreSQL cannot change the partitioning of ${name} in place: it is dropped and created again ${to.replace(/[\r\n]+/g, ' ')}, ` +
      `its rows copied to ${commentName(holding)} and back (a row no partition takes stops the copy back and stays there); what lockstep does not read (statistics, storage options) is not kept${lost}`,
    `CREATE TABLE ${qualify(holding.schema, holding.name)} AS TABLE ${qualify(live.schema, live.name)};`,
  ];
}

/**
 * The copy back into the new table (its columns that the old one had, generated ones
 * left to the database), the identity and serial sequences moved past the copied
 * values, and the holding table dropped.
 */
export function repartitionAfterSql(live: Table, want: Table): string[] {
  const holding = qualify(holdingTableOf(want).schema, holdingTableOf(want).name);
  const target = qualify(want.schema, want.name);
  const had = new Set(live.columns.filter((c) => c.generated === null).map((c) => c.name));
  const columns = want.columns.filter((c) => c.generated === null && had.has(c.name));
  const list = columns.map((c) => q(c.name)).join(', ');
  const overriding = columns.some((c) => c.identity === 'always') ? ' OVERRIDING SYSTEM VALUE' : '';
  const sequenced = columns.filter((c) => c.identity !== null || (c.default !== null && /^nextval\(/.test(c.default)));
  return [
    ...(columns.length > 0 ? [`INSERT INTO ${target} (${list})${overriding} SELECT ${list} FROM ${holding};`] : []),
    ...sequenced.map(
      (c) => `SELECT setval(pg_get_serial_sequence(${quoteLiteral(target)}, ${quoteLiteral(c.name)}), max(${q(c.name)})) FROM ${target} HAVING max(${q(c.name)}) IS NOT NULL;`,
    ),
    `DROP TABLE ${holding};`,
  ];
}

function commentName(table: TableRef): string {
  return `"${qualify(table.schema, table.name).replace(/"/g, '').replace(/[\r\n]+/g, ' ')}"`;
}
