import type { LintRule } from '../lint-rule.js';
import { addUnique } from './add-unique.js';
import { codeReference } from './code-reference.js';
import { deployedCode } from './deployed-code.js';
import { concurrentInTransaction } from './concurrent-in-transaction.js';
import { dropColumn } from './drop-column.js';
import { dropTable } from './drop-table.js';
import { fkMissingTable } from './fk-missing-table.js';
import { fkNotValid } from './fk-not-valid.js';
import { fkTypeMismatch } from './fk-type-mismatch.js';
import { indexNotConcurrent } from './index-not-concurrent.js';
import { migrationFails } from './migration-fails.js';
import { narrowingType } from './narrowing-type.js';
import { notNullWithoutDefault } from './not-null-without-default.js';
import { renameColumn } from './rename-column.js';
import { renameTable } from './rename-table.js';
import { repartitionTable } from './repartition-table.js';
import { transactionControl } from './transaction-control.js';
import { typeRewrite } from './type-rewrite.js';

/** Every lint rule, in the order docs/lint.md lists them. */
export const RULES: readonly LintRule[] = [
  codeReference,
  deployedCode,
  dropTable,
  repartitionTable,
  dropColumn,
  notNullWithoutDefault,
  narrowingType,
  addUnique,
  fkMissingTable,
  fkTypeMismatch,
  renameTable,
  renameColumn,
  indexNotConcurrent,
  fkNotValid,
  typeRewrite,
  concurrentInTransaction,
  transactionControl,
  migrationFails,
];

/** `-- lockstep:ignore` without a reason, or naming no known rule. */
export const INVALID_IGNORE: Pick<LintRule, 'id' | 'severity' | 'summary'> = {
  id: 'invalid-ignore',
  severity: 'error',
  summary: 'A -- lockstep:ignore comment without a reason, or naming an unknown rule.',
};
