import type { Dialect, DialectCapability } from '../dialects/dialect.js';
import type { Migration } from '../migrations/migration-folder.js';
import type { Column, Schema, Table } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';
import type { CodeReference, ReferenceTarget } from './code-references.js';
import type { MigrationFacts, StatementFact, StatementInfo } from './statement-facts.js';

export type Severity = 'error' | 'warning';

/** A place in `src/` that uses what a migration removes, as it appears in the JSON output. */
export interface FindingReference {
  file: string;
  line: number;
  column: number;
  text: string;
  /** The git ref whose code this is (`lint --deployed`); absent for the working tree. */
  ref?: string;
}

/** One finding, in the shape of `lockstep lint --json`. */
export interface LintFinding {
  rule: string;
  severity: Severity;
  /** `<version>_<name>` of the migration. */
  migration: string;
  /** The migration's file, relative to the working directory. */
  file: string;
  line: number;
  table?: string;
  column?: string;
  message: string;
  references?: FindingReference[];
}

/** A statement of the migration that the scratch database rejected. */
export interface StatementFailure {
  line: number;
  statement: StatementInfo | undefined;
  message: string;
  /** SQLSTATE on PostgreSQL. */
  code?: string;
  detail?: string;
}

/** What a rule sees of one migration. */
export interface LintContext {
  dialect: Dialect;
  migration: Migration;
  /** Schema before this migration (replay of the earlier ones). */
  before: Schema;
  /** Schema after it, as the scratch database reports it. */
  after: Schema;
  /**
   * diffSchemas(after, before with this migration's column renames applied): "missing" =
   * added by the migration, "extra" = removed by it; a rename alone changes nothing here.
   */
  changes: SchemaChange[];
  facts: MigrationFacts;
  failures: StatementFailure[];
  /** Code in `src/` that uses the table (or column); empty when no src folder is configured. */
  references(target: ReferenceTarget): CodeReference[];
  /** The deployed release's code (`lint --deployed <ref>`), when given. */
  deployed?: DeployedCode;
}

/** The code of the release running in production while the migration is applied. */
export interface DeployedCode {
  /** The git ref as given, e.g. `HEAD~1` or `v1.4.0`. */
  ref: string;
  references(target: ReferenceTarget): CodeReference[];
}

/** A finding as a rule returns it; lint.ts adds migration, file and severity. */
export interface RuleFinding {
  line: number;
  table?: string;
  column?: string;
  message: string;
  references?: CodeReference[];
  /** The git ref the references were read at (deployed code). */
  referencesRef?: string;
  /** Overrides the rule's severity (e.g. code-reference is always an error). */
  severity?: Severity;
}

export interface LintRule {
  id: string;
  severity: Severity;
  /** One line for docs and SARIF. */
  summary: string;
  /** Capability flags the dialect must have for the rule to apply; every dialect when absent. */
  requires?: DialectCapability[];
  check(ctx: LintContext): RuleFinding[];
}

/**
 * Whether `rule` applies to `dialect`: it has every capability the rule requires.
 *
 * @example
 * RULES.filter((r) => ruleApplies(r, getDialect('sqlite'))).map((r) => r.id);
 */
export function ruleApplies(rule: Pick<LintRule, 'requires'>, dialect: Dialect): boolean {
  return (rule.requires ?? []).every((capability) => dialect[capability]);
}

// ---- helpers the rules share ----

export function tableIn(schema: Schema, name: string): Table | undefined {
  return schema.tables.find((t) => t.name === name);
}

export function columnIn(schema: Schema, table: string, column: string): Column | undefined {
  return tableIn(schema, table)?.columns.find((c) => c.name === column);
}

/** "On an existing table" = the table existed before this migration. */
export function existedBefore(ctx: LintContext, table: string): boolean {
  return tableIn(ctx.before, table) !== undefined;
}

export function allFacts(ctx: LintContext): { fact: StatementFact; statement: StatementInfo }[] {
  return ctx.facts.statements.flatMap((statement) => statement.facts.map((fact) => ({ fact, statement })));
}

/**
 * The line of the statement a change comes from. With `kinds` (fact kinds, or a test), a
 * statement whose facts of one of those kinds name the table and column wins (SET NOT NULL on line 4 is not the
 * CREATE INDEX on line 3 that names the same column); then one whose facts name the table
 * and column, else the table, else whose text names the table, else line 1.
 */
export function lineOf(ctx: LintContext, table: string, column?: string, kinds?: readonly StatementFact['kind'][] | ((fact: StatementFact) => boolean)): number {
  const facts = allFacts(ctx);
  // A SQLite rebuild creates `x_new` and renames it to `x`: `x_new` stands for `x`.
  const names = new Set([table, ...facts.flatMap(({ fact }) => (fact.kind === 'rename-table' && fact.newName === table ? [fact.table] : []))]);
  const mentions = (f: StatementFact) => 'table' in f && names.has(f.table);
  if (kinds) {
    const wanted = typeof kinds === 'function' ? kinds : (f: StatementFact) => kinds.includes(f.kind);
    const ofKind = facts.find(({ fact }) => wanted(fact) && mentions(fact) && (column === undefined || factColumns(fact).includes(column)));
    if (ofKind) return ofKind.statement.line;
  }
  if (column !== undefined) {
    const withColumn = facts.find(({ fact }) => mentions(fact) && factColumns(fact).includes(column));
    if (withColumn) return withColumn.statement.line;
    const columnPattern = wordPattern(column);
    const created = facts.find(({ fact, statement }) => fact.kind === 'create-table' && names.has(fact.table) && columnPattern.test(statement.sql));
    if (created) return created.statement.line;
  }
  const withTable = facts.find(({ fact }) => mentions(fact));
  if (withTable) return withTable.statement.line;
  const pattern = wordPattern(table);
  const byText = ctx.facts.statements.find((s) => (column === undefined || wordPattern(column).test(s.sql)) && pattern.test(s.sql)) ?? ctx.facts.statements.find((s) => pattern.test(s.sql));
  return byText?.line ?? 1;
}

function wordPattern(name: string): RegExp {
  return new RegExp(`(?<![\\w$])"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?(?![\\w$])`, 'i');
}

function factColumns(fact: StatementFact): string[] {
  if ('column' in fact) return [fact.column];
  if ('columns' in fact) return fact.columns;
  return [];
}

/** `a, b` / `a` for messages. */
export function columnList(columns: string[]): string {
  return columns.join(', ');
}
