import type { ForeignKey } from '../../core/model.js';
import { validateForeignKeys } from '../../core/validate-foreign-keys.js';
import type { LintContext, StatementFailure } from '../lint-rule.js';

/** A foreign key the migration adds (as a new table's key or an added constraint). */
export interface AddedForeignKey {
  table: string;
  fk: ForeignKey;
}

export function addedForeignKeys(ctx: LintContext): AddedForeignKey[] {
  const out: AddedForeignKey[] = [];
  for (const change of ctx.changes) {
    if (change.kind === 'fk.missing') out.push({ table: change.table, fk: change.expected as ForeignKey });
    if (change.kind === 'table.missing') {
      const table = ctx.after.tables.find((t) => t.name === change.table);
      for (const fk of table?.foreignKeys ?? []) out.push({ table: change.table, fk });
    }
  }
  return out;
}

/** Problems of the added keys on the schema after the migration (SQLite accepts broken keys). */
export function addedForeignKeyProblems(ctx: LintContext) {
  const added = addedForeignKeys(ctx);
  return validateForeignKeys(ctx.after, ctx.dialect.typesCompatible).filter((p) => added.some((a) => a.table === p.table && a.fk.columns.join() === p.columns.join() && a.fk.referencedTable === p.foreignKey.referencedTable));
}

/** Statements the scratch database rejected that add a foreign key, with the SQLSTATE class. */
export function failedForeignKeyStatements(ctx: LintContext, codes: string[], pattern: RegExp): StatementFailure[] {
  return ctx.failures.filter((f) => f.statement?.facts.some((fact) => fact.kind === 'add-foreign-key') && ((f.code !== undefined && codes.includes(f.code)) || pattern.test(f.message)));
}
