import type { Queryable } from '../dialects/database.js';
import type { Dialect } from '../dialects/dialect.js';
import type { StatementFact } from '../lint/statement-facts.js';
import { canonicalBase, INTEGER_RANGES, type TypeLike } from '../lint/type-compat.js';
import type { Schema } from '../core/model.js';

/**
 * Turns a failed migration into data terms by querying the data it failed on (read-only):
 * `gam_inventory.inventory_type: 3 rows are longer than 20 characters (e.g. id=17 'ad_unit_placement_group')`.
 * The queries are plain SQL both dialects run (count, length, group by, not exists).
 */
export interface DataProbe {
  conn: Queryable;
  dialect: Dialect;
  /** Schema the failing migration ran on (for primary keys to show in examples). */
  schema: Schema;
}

const EXAMPLES = 3;

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']);

/** `'text'` for strings, bare for numbers (PostgreSQL returns bigint and numeric as strings). */
function quoteValue(value: unknown, numericColumn = false): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint' || numericColumn) return String(value);
  if (value instanceof Date) return `'${value.toISOString()}'`;
  const text = String(value);
  return `'${(text.length > 60 ? `${text.slice(0, 57)}...` : text).replace(/'/g, "''")}'`;
}

/** Rows of `table` matching `where`, counted, with a few examples shown as `id=17 'value'`. */
async function rowsWhere(probe: DataProbe, table: string, where: string, params: unknown[], shown: string[]): Promise<{ count: number; examples: string[] }> {
  const q = (n: string) => probe.dialect.quoteIdentifier(n);
  const count = Number((await probe.conn.query<{ n: unknown }>(`select count(*) as n from ${q(table)} where ${where}`, params)).rows[0]?.n ?? 0);
  if (count === 0) return { count, examples: [] };
  const pk = probe.schema.tables.find((t) => t.name === table)?.primaryKey?.columns ?? [];
  const columns = [...pk, ...shown.filter((c) => !pk.includes(c))];
  const order = pk.length > 0 ? ` order by ${pk.map(q).join(', ')}` : '';
  const rows = (await probe.conn.query<Record<string, unknown>>(`select ${columns.map(q).join(', ')} from ${q(table)} where ${where}${order} limit ${EXAMPLES}`, params)).rows;
  const types = new Map(probe.schema.tables.find((t) => t.name === table)?.columns.map((c) => [c.name, canonicalBase(c.typeParts.base)]));
  const examples = rows.map((row) => [...pk.map((c) => `${c}=${row[c] === null ? 'NULL' : String(row[c])}`), ...shown.filter((c) => !pk.includes(c)).map((c) => quoteValue(row[c], NUMERIC.has(types.get(c) ?? '')))].join(' '));
  return { count, examples };
}

const eg = (examples: string[]) => (examples.length > 0 ? ` (e.g. ${examples.join(', ')})` : '');
const rows = (n: number) => `${formatCount(n)} row${n === 1 ? '' : 's'}`;

/** Rows that do not fit a new column type: too long, out of integer range, too many digits. */
export async function explainTypeChange(probe: DataProbe, table: string, column: string, type: TypeLike): Promise<string | undefined> {
  const q = (n: string) => probe.dialect.quoteIdentifier(n);
  const base = canonicalBase(type.base);
  if ((base === 'character varying' || base === 'character') && type.length !== null) {
    const found = await rowsWhere(probe, table, `length(${q(column)}) > $1`, [type.length], [column]);
    if (found.count > 0) return `${table}.${column}: ${rows(found.count)} ${found.count === 1 ? 'is' : 'are'} longer than ${type.length} characters${eg(found.examples)}`;
  }
  if (base in INTEGER_RANGES) {
    const [min, max] = INTEGER_RANGES[base];
    // Constants inlined: a bound passed as a string compares as text on SQLite.
    const found = await rowsWhere(probe, table, `(${q(column)} < ${min} or ${q(column)} > ${max})`, [], [column]);
    if (found.count > 0) return `${table}.${column}: ${rows(found.count)} ${found.count === 1 ? 'is' : 'are'} outside the ${base} range (${min} to ${max})${eg(found.examples)}`;
  }
  if (base === 'numeric' && type.precision !== null) {
    const digits = type.precision - (type.scale ?? 0);
    const found = await rowsWhere(probe, table, `abs(${q(column)}) >= $1`, [10 ** digits], [column]);
    if (found.count > 0) return `${table}.${column}: ${rows(found.count)} ${found.count === 1 ? 'has' : 'have'} more than ${digits} digits before the decimal point${eg(found.examples)}`;
  }
  return undefined;
}

/** A new NOT NULL column with no default: every existing row would be NULL. */
export async function explainNewNotNull(probe: DataProbe, table: string, column: string): Promise<string | undefined> {
  const found = await rowsWhere(probe, table, '1 = 1', [], []);
  return found.count > 0 ? `${table}.${column}: ${formatCount(found.count)} existing row${found.count === 1 ? '' : 's'} would be NULL` : undefined;
}

/** SET NOT NULL on a column that holds NULLs. */
export async function explainNulls(probe: DataProbe, table: string, column: string): Promise<string | undefined> {
  const found = await rowsWhere(probe, table, `${probe.dialect.quoteIdentifier(column)} is null`, [], []);
  return found.count > 0 ? `${table}.${column}: ${rows(found.count)} ${found.count === 1 ? 'is' : 'are'} NULL${eg(found.examples)}` : undefined;
}

/** A unique constraint over duplicate values: the duplicates with their counts. */
export async function explainDuplicates(probe: DataProbe, table: string, columns: string[]): Promise<string | undefined> {
  const q = (n: string) => probe.dialect.quoteIdentifier(n);
  const list = columns.map(q).join(', ');
  const notNull = columns.map((c) => `${q(c)} is not null`).join(' and ');
  const groups = `select ${list}, count(*) as n from ${q(table)} where ${notNull} group by ${list} having count(*) > 1`;
  const total = Number((await probe.conn.query<{ n: unknown }>(`select count(*) as n from (${groups}) d`)).rows[0]?.n ?? 0);
  if (total === 0) return undefined;
  const top = (await probe.conn.query<Record<string, unknown>>(`${groups} order by count(*) desc, ${list} limit ${EXAMPLES}`)).rows;
  const shown = top.map((row) => `${columns.map((c) => quoteValue(row[c])).join(', ')} (${formatCount(Number(row.n))} rows)`);
  const target = columns.length === 1 ? `${table}.${columns[0]}` : `${table}(${columns.join(', ')})`;
  return `${target}: ${formatCount(total)} value${total === 1 ? ' occurs' : 's occur'} more than once: ${shown.join(', ')}${total > EXAMPLES ? ', …' : ''}`;
}

/** A foreign key over rows whose parent does not exist. */
export async function explainOrphans(probe: DataProbe, table: string, columns: string[], parent: string, parentColumns: string[]): Promise<string | undefined> {
  const q = (n: string) => probe.dialect.quoteIdentifier(n);
  if (!probe.schema.tables.some((t) => t.name === parent)) return undefined;
  const targets = parentColumns.length > 0 ? parentColumns : (probe.schema.tables.find((t) => t.name === parent)?.primaryKey?.columns ?? []);
  if (targets.length !== columns.length) return undefined;
  const join = columns.map((c, i) => `p.${q(targets[i])} = ${q(table)}.${q(c)}`).join(' and ');
  const where = `${columns.map((c) => `${q(table)}.${q(c)} is not null`).join(' and ')} and not exists (select 1 from ${q(parent)} p where ${join})`;
  const found = await rowsWhere(probe, table, where, [], columns);
  return found.count > 0 ? `${table}.${columns.join(', ')}: ${rows(found.count)} reference${found.count === 1 ? 's' : ''} ${parent} rows that do not exist${eg(found.examples)}` : undefined;
}

/**
 * A CHECK constraint that existing rows violate, named by the columns it reads:
 * `gam_inventory.inventory_type: 3 rows violate CHECK (length(inventory_type) <= 20) (e.g. id=4 'mobile_app_interstitial', …)`.
 */
export async function explainCheck(probe: DataProbe, table: string, expression: string): Promise<string | undefined> {
  const columns = columnsIn(probe, table, expression);
  const found = await rowsWhere(probe, table, `not (${expression})`, [], columns);
  if (found.count === 0) return undefined;
  const target = columns.length === 1 ? `${table}.${columns[0]}` : columns.length > 1 ? `${table}(${columns.join(', ')})` : table;
  return `${target}: ${rows(found.count)} violate${found.count === 1 ? 's' : ''} CHECK (${expression})${eg(found.examples)}`;
}

/** Columns of `table` that `expression` names (bare or double-quoted), in table order. */
function columnsIn(probe: DataProbe, table: string, expression: string): string[] {
  const words = new Set<string>();
  for (const match of expression.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][\w$]*)/g)) words.add(match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2].toLowerCase());
  const columns = probe.schema.tables.find((t) => t.name === table)?.columns ?? [];
  return columns.filter((c) => words.has(c.name) || words.has(c.name.toLowerCase())).map((c) => c.name);
}

/**
 * Runs a probe under a savepoint (both dialects speak the same syntax): on PostgreSQL a
 * failed query would otherwise abort the rehearsal's transaction. A probe that cannot run
 * (a column the statement was about to create, an expression this dialect cannot
 * evaluate) explains nothing; the database's own message stands.
 */
export async function guardedProbe(conn: Queryable, probe: () => Promise<string | undefined>): Promise<string | undefined> {
  await conn.exec('savepoint lockstep_probe');
  try {
    const text = await probe();
    await conn.exec('release savepoint lockstep_probe');
    return text;
  } catch {
    await conn.exec('rollback to savepoint lockstep_probe');
    await conn.exec('release savepoint lockstep_probe');
    return undefined;
  }
}

/** Explanations for every fact of the failing statement that the data contradicts. */
export async function explainFacts(probe: DataProbe, facts: StatementFact[]): Promise<string[]> {
  const out: string[] = [];
  for (const fact of facts) {
    const text = await guardedProbe(probe.conn, async () => {
      if (fact.kind === 'alter-column-type' && fact.type) return explainTypeChange(probe, fact.table, fact.column, fact.type);
      if (fact.kind === 'add-column' && fact.notNull && !fact.hasDefault) return explainNewNotNull(probe, fact.table, fact.column);
      if (fact.kind === 'set-not-null') return explainNulls(probe, fact.table, fact.column);
      if (fact.kind === 'create-index' && fact.unique && fact.columns.length > 0) return explainDuplicates(probe, fact.table, fact.columns);
      if (fact.kind === 'add-unique') return explainDuplicates(probe, fact.table, fact.columns);
      if (fact.kind === 'add-foreign-key' && !fact.onNewRows && !fact.notValid) return explainOrphans(probe, fact.table, fact.columns, fact.referencedTable, fact.referencedColumns);
      if (fact.kind === 'add-check' && fact.expression && !fact.notValid) return explainCheck(probe, fact.table, fact.expression);
      return undefined;
    });
    if (text) out.push(text);
  }
  return out;
}
