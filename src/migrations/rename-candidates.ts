import type { RenameHint } from '../dialects/dialect.js';
import { LockstepError } from '../core/errors.js';
import { type Column, qualifiedName, type Table } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';

/**
 * A disappearing column (or table) with a compatible newcomer next to it: maybe a rename,
 * maybe a drop plus an add. Only a person can tell, and guessing wrong loses data, so
 * `generate` asks or refuses; it never picks drop-and-add silently.
 */
export interface RenameCandidate {
  kind: 'column' | 'table';
  /** Table holding the column (column renames) or the old table name (table renames). */
  table: string;
  from: string;
  to: string;
  /** The flag that confirms it, e.g. `--rename users.name=full_name`. */
  flag: string;
}

/**
 * Rename candidates in a diff of declared (`expected`) against replayed (`actual`):
 * in one table, a column that is only in `actual` and one of the same base type only in
 * `expected`; a table only in `actual` and one only in `expected` sharing at least half
 * of the old table's columns (name and type).
 *
 * @example
 * findRenameCandidates(diffSchemas(declared, replayed).changes);
 * // [{ kind: 'column', table: 'users', from: 'name', to: 'full_name', flag: '--rename users.name=full_name' }]
 */
export function findRenameCandidates(changes: SchemaChange[]): RenameCandidate[] {
  const candidates: RenameCandidate[] = [];
  const gone = changes.filter((c) => c.kind === 'column.extra');
  const added = changes.filter((c) => c.kind === 'column.missing');
  for (const old of gone) {
    for (const fresh of added) {
      if (old.table !== fresh.table || old.schema !== fresh.schema) continue;
      if (!compatible(old.actual as Column, fresh.expected as Column)) continue;
      candidates.push({ kind: 'column', table: old.table, from: old.column!, to: fresh.column!, flag: `--rename ${old.table}.${old.column}=${fresh.column}` });
    }
  }
  const goneTables = changes.filter((c) => c.kind === 'table.extra').map((c) => c.actual as Table);
  const addedTables = changes.filter((c) => c.kind === 'table.missing').map((c) => c.expected as Table);
  for (const old of goneTables) {
    for (const fresh of addedTables) {
      if (old.schema !== fresh.schema) continue;
      const shared = old.columns.filter((c) => fresh.columns.some((f) => f.name === c.name && compatible(c, f))).length;
      if (old.columns.length === 0 || shared * 2 < old.columns.length) continue;
      const from = qualifiedName(old);
      candidates.push({ kind: 'table', table: from, from, to: fresh.name, flag: `--rename ${from}=${fresh.name}` });
    }
  }
  return candidates;
}

/** `--rename users.name=full_name` (a column) or `--rename users=customers` (a table). */
export function parseRenameFlag(value: string): { table: string; from: string; to: string; kind: 'column' | 'table' } {
  const match = /^([^=]+)=([^=.]+)$/.exec(value.trim());
  if (!match) {
    throw new LockstepError(`--rename ${value}: expected table.old_column=new_column or old_table=new_table`, {
      hint: 'Example: --rename users.name=full_name (a column) or --rename users=customers (a table).',
    });
  }
  const left = match[1];
  const dot = left.lastIndexOf('.');
  if (dot < 0) return { kind: 'table', table: left, from: left, to: match[2] };
  return { kind: 'column', table: left.slice(0, dot), from: left.slice(dot + 1), to: match[2] };
}

/**
 * Decides every candidate: confirmed by a `--rename` flag, by `ask` (a TTY prompt), or
 * declined by `dropAndAdd`. Throws (exit 2) when a flag names no candidate, or when a
 * candidate is left undecided, listing the exact flags to pass.
 */
export async function resolveRenames(
  candidates: RenameCandidate[],
  options: { flags?: string[]; ask?: (candidate: RenameCandidate) => Promise<boolean>; dropAndAdd?: boolean },
): Promise<RenameCandidate[]> {
  const confirmed: RenameCandidate[] = [];
  for (const flag of options.flags ?? []) {
    const parsed = parseRenameFlag(flag);
    const match = candidates.find((c) => c.kind === parsed.kind && c.table === parsed.table && c.from === parsed.from && c.to === parsed.to);
    if (!match) {
      throw new LockstepError(`--rename ${flag} does not match a rename candidate`, {
        hint: candidates.length === 0 ? 'The declared schema shows no disappearing column or table with a compatible replacement.' : `Candidates: ${candidates.map((c) => c.flag).join('  ')}`,
      });
    }
    confirmed.push(match);
  }
  const taken = (c: RenameCandidate) => confirmed.some((d) => d.kind === c.kind && d.table === c.table && (d.from === c.from || d.to === c.to));
  const undecided: RenameCandidate[] = [];
  for (const candidate of candidates) {
    if (taken(candidate) || options.dropAndAdd) continue;
    if (options.ask) {
      if (await options.ask(candidate)) confirmed.push(candidate);
    } else {
      undecided.push(candidate);
    }
  }
  if (undecided.length > 0) {
    const lines = undecided.map((c) => `  ${c.kind} ${c.kind === 'column' ? `${c.table}.${c.from} → ${c.table}.${c.to}` : `${c.from} → ${c.to}`}:  ${c.flag}`);
    throw new LockstepError(`possible rename${undecided.length === 1 ? '' : 's'}: lockstep will not guess between a rename and a drop plus add\n${lines.join('\n')}`, {
      hint: 'Pass the --rename flag of each real rename, or --drop-and-add to drop and add instead (the old data is lost). On a terminal lockstep asks.',
    });
  }
  return confirmed;
}

/** The RenameHints for planMigration(replayed → declared), and the inverse for down.sql. */
export function toRenameHints(confirmed: RenameCandidate[]): { up: RenameHint[]; down: RenameHint[] } {
  const up: RenameHint[] = [];
  const down: RenameHint[] = [];
  for (const c of confirmed) {
    if (c.kind === 'table') {
      up.push({ table: c.from, from: c.from, to: c.to, isTable: true });
      down.push({ table: c.to, from: c.to, to: c.from, isTable: true });
    } else {
      up.push({ table: c.table, from: c.from, to: c.to });
      down.push({ table: c.table, from: c.to, to: c.from });
    }
  }
  return { up, down };
}

function compatible(a: Column, b: Column): boolean {
  return a.typeParts.base === b.typeParts.base && a.typeParts.arrayDimensions === b.typeParts.arrayDimensions;
}
