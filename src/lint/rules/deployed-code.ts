import type { CheckConstraint, ForeignKey, Index, UniqueConstraint } from '../../core/model.js';
import type { CodeReference, ReferenceTarget } from '../code-references.js';
import { columnIn, type DeployedCode, existedBefore, type LintContext, type LintRule, lineOf, type RuleFinding } from '../lint-rule.js';
import { objectName, removedObjects } from './removed-objects.js';

/**
 * During a rolling deploy the release that is running keeps serving while the migration
 * runs: it must survive the new schema. With `lint --deployed <ref>`, its code (read from
 * git) is checked against what each migration takes away (drops, renames) and against
 * what it makes stricter for writers (a new NOT NULL column without a default, SET NOT
 * NULL, UNIQUE, CHECK, a foreign key).
 */
export const deployedCode: LintRule = {
  id: 'deployed-code',
  severity: 'error',
  summary: 'The deployed release (lint --deployed REF) still reads or writes what the migration drops, renames or makes stricter.',
  check(ctx) {
    const deployed = ctx.deployed;
    if (!deployed) return [];
    const contract = isContract(ctx);
    const findings: RuleFinding[] = [];
    for (const removed of removedObjects(ctx)) {
      const references = deployed.references(removed);
      if (references.length === 0) continue;
      const name = objectName(removed);
      if (removed.how === 'retyped') {
        findings.push(finding(deployed, removed, removed.line, references, `${verb(references)} ${name} at ${where(references)} (this migration replaces it with a column of type ${removed.toType}; it is ${removed.fromType} now); ${contract ? 'hold this contract migration back ' : 'apply it '}until the deployed release reads ${name} as ${removed.toType}, then say so with -- lockstep:ignore deployed-code <why the running release copes>.`));
        continue;
      }
      const what = removed.how === 'dropped' ? 'drop it' : `rename it to ${removed.newName}`;
      findings.push(finding(deployed, removed, removed.line, references, `${verb(references)} ${name} at ${where(references)}${removed.how === 'renamed' ? ` (this migration renames it to ${removed.newName})` : ' (this migration drops it)'}; ${contract ? 'hold this contract migration back: ' : ''}${what} in a later release, once no deployed code uses ${name}${removed.how === 'renamed' ? ' (lockstep generate --expand-contract writes the steps)' : ''}.`));
    }
    for (const stricter of stricterForWriters(ctx)) {
      const writers = (stricter.columns.length > 0 && !stricter.wholeTable ? stricter.columns.flatMap((column) => deployed.references({ table: stricter.table, column })) : deployed.references({ table: stricter.table })).filter((r) => r.access === 'write');
      if (writers.length === 0) continue;
      const target: ReferenceTarget = { table: stricter.table, ...(stricter.columns.length === 1 ? { column: stricter.columns[0] } : {}) };
      findings.push(finding(deployed, target, stricter.line, writers, `writes ${stricter.wholeTable ? stricter.table : stricter.columns.map((c) => `${stricter.table}.${c}`).join(', ')} at ${where(writers)}, and this migration ${stricter.what}: its writes can fail until it is gone. ${stricter.advice}`));
    }
    return findings;
  },
};

function finding(deployed: DeployedCode, target: ReferenceTarget, line: number, references: CodeReference[], rest: string): RuleFinding {
  const sorted = [...references].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { line, table: target.table, column: target.column, references: sorted, referencesRef: deployed.ref, message: `deployed code at ${deployed.ref} still ${rest}` };
}

function verb(references: CodeReference[]): string {
  const writes = references.some((r) => r.access === 'write');
  const reads = references.some((r) => r.access === 'read');
  return writes && reads ? 'reads and writes' : writes ? 'writes' : 'reads';
}

function where(references: CodeReference[]): string {
  const first = references[0]!;
  return `${first.file}:${first.line}${references.length > 1 ? ` (and ${references.length - 1} more)` : ''}`;
}

function isContract(ctx: LintContext): boolean {
  return ctx.facts.contract === true;
}

interface Stricter {
  table: string;
  columns: string[];
  /** Any write of the table breaks (a new NOT NULL column old code does not fill, a CHECK on rows). */
  wholeTable: boolean;
  line: number;
  what: string;
  advice: string;
}

/** What the migration makes stricter for the code that writes an existing table. */
function stricterForWriters(ctx: LintContext): Stricter[] {
  const out: Stricter[] = [];
  for (const change of ctx.changes) {
    if (!existedBefore(ctx, change.table)) continue;
    const after = change.column ? columnIn(ctx.after, change.table, change.column) : undefined;
    if (change.kind === 'column.missing' && after && !after.nullable && after.default === null && after.identity === null && after.generated === null && !after.autoincrement) {
      out.push({ table: change.table, columns: [change.column!], wholeTable: true, line: lineOf(ctx, change.table, change.column, ['add-column', 'set-not-null']), what: `adds ${change.table}.${change.column} as NOT NULL without a default, which its inserts do not fill`, advice: 'Give the column a DEFAULT, or add it nullable now and make it NOT NULL in a later release.' });
    } else if (change.kind === 'column.nullable' && after && !after.nullable) {
      out.push({ table: change.table, columns: [change.column!], wholeTable: false, line: lineOf(ctx, change.table, change.column, ['set-not-null']), what: `makes ${change.table}.${change.column} NOT NULL`, advice: 'Make it NOT NULL in a later release, once every running release writes a value.' });
    } else if (change.kind === 'unique.missing' || (change.kind === 'index.missing' && (change.expected as Index).unique)) {
      const columns = change.kind === 'unique.missing' ? (change.expected as UniqueConstraint).columns : (change.expected as Index).keys.flatMap((k) => (k.column ? [k.column] : []));
      out.push({ table: change.table, columns, wholeTable: false, line: lineOf(ctx, change.table, columns[0], (f) => f.kind === 'add-unique' || (f.kind === 'create-index' && f.unique)), what: `adds a unique constraint on ${change.table}(${columns.join(', ')})`, advice: 'Add it in a later release, once the deployed code no longer writes duplicates.' });
    } else if (change.kind === 'fk.missing') {
      const fk = change.expected as ForeignKey;
      out.push({ table: change.table, columns: fk.columns, wholeTable: false, line: lineOf(ctx, change.table, fk.columns[0], ['add-foreign-key']), what: `adds a foreign key ${change.table}(${fk.columns.join(', ')}) → ${fk.referencedTable}`, advice: 'Add it in a later release, once every running release writes only existing keys.' });
    } else if (change.kind === 'check.missing') {
      const check = change.expected as CheckConstraint;
      out.push({ table: change.table, columns: [], wholeTable: true, line: lineOf(ctx, change.table, undefined, ['add-check']), what: `adds CHECK (${check.expression}) on ${change.table}`, advice: 'Add it in a later release, once every running release writes rows that pass it.' });
    }
  }
  return out;
}
