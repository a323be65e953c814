import type { Dialect } from '../dialects/dialect.js';
import type { TypeLike } from './type-compat.js';
import { statementFactsFor } from './facts/index.js';

/**
 * What a statement of a migration does, as read by a parser: the change set from the
 * scratch replay says WHAT changed, these facts say HOW (CONCURRENTLY, NOT VALID, USING,
 * a RENAME rather than drop + add). One statement can yield several facts.
 */
export type StatementFact =
  | { kind: 'create-table'; table: string }
  | { kind: 'drop-table'; table: string }
  | { kind: 'create-index'; table: string; index: string | null; unique: boolean; concurrently: boolean; columns: string[] }
  | { kind: 'add-column'; table: string; column: string; type: TypeLike | null; notNull: boolean; hasDefault: boolean }
  | { kind: 'drop-column'; table: string; column: string }
  | { kind: 'alter-column-type'; table: string; column: string; type: TypeLike | null; using: boolean }
  | { kind: 'set-not-null'; table: string; column: string }
  | {
      kind: 'add-foreign-key';
      table: string;
      columns: string[];
      referencedTable: string;
      referencedColumns: string[];
      notValid: boolean;
      /** true for a key declared inside CREATE TABLE (or on a new column), which validates no old rows. */
      onNewRows: boolean;
    }
  | { kind: 'add-unique'; table: string; columns: string[]; name: string | null; primaryKey: boolean }
  | { kind: 'add-check'; table: string; name: string | null; expression: string | null; notValid: boolean }
  | { kind: 'rename-table'; table: string; newName: string }
  | { kind: 'rename-column'; table: string; column: string; newName: string };

export interface StatementInfo {
  /** Statement text as written. */
  sql: string;
  /** 1-based line of the statement's first token in the migration file. */
  line: number;
  /** Character offset of the statement in the file. */
  offset: number;
  facts: StatementFact[];
  /** The statement uses CONCURRENTLY (index create/drop, reindex, matview refresh). */
  concurrently: boolean;
}

/** A `-- lockstep:ignore <rule> <reason>` comment. */
export interface IgnoreDirective {
  rule: string;
  /** Empty when the comment gave none (itself a finding). */
  reason: string;
  line: number;
}

/** What a dialect's parser reads from a script (`lint/facts/<dialect>.ts`). */
export interface ScriptFacts {
  statements: StatementInfo[];
  /** Set when the parser rejected the script; statements is then empty. */
  syntaxError?: { line: number; message: string };
}

export interface MigrationFacts extends ScriptFacts {
  ignores: IgnoreDirective[];
  /** The script carries the `-- lockstep:contract` header: the contract step of an expand/contract change. */
  contract: boolean;
}

const IGNORE = /--\s*lockstep:ignore\b[ \t]*(\S*)[ \t]*(.*)$/;

/** Reads every `-- lockstep:ignore` comment of a script, with its line. */
export function readIgnoreDirectives(script: string): IgnoreDirective[] {
  const out: IgnoreDirective[] = [];
  script.split('\n').forEach((text, index) => {
    const match = IGNORE.exec(text);
    if (match) out.push({ rule: match[1], reason: match[2].trim(), line: index + 1 });
  });
  return out;
}

/**
 * Whether the script's leading comments carry `-- lockstep:contract`: the step of an
 * expand/contract change that removes the old shape, held back while code still uses it.
 *
 * @example
 * isContractMigration('-- lockstep:contract\nalter table t drop column old;'); // true
 */
export function isContractMigration(script: string): boolean {
  const header = /^(?:\s*--[^\n]*\n?)*/.exec(script)?.[0] ?? '';
  return /^\s*--\s*lockstep:contract\b/m.test(header);
}

/**
 * Parses a migration script into statements and facts with the dialect's parser
 * (`<dialect>-statement-facts.ts`: libpg-query on PostgreSQL, a tokenizer on SQLite),
 * plus the `-- lockstep:ignore` comments, which read the same on every dialect.
 *
 * @example
 * extractStatementFacts(getDialect('postgres'), 'create index i on t (a);').statements[0].facts;
 * // [{ kind: 'create-index', table: 't', index: 'i', unique: false, concurrently: false, columns: ['a'] }]
 */
export function extractStatementFacts(dialect: Pick<Dialect, 'name'>, script: string): MigrationFacts {
  return { ...statementFactsFor(dialect.name, script), ignores: readIgnoreDirectives(script), contract: isContractMigration(script) };
}

/**
 * The statement of `facts` that holds `line` (the one starting at or before it). Facts are
 * located with the dialect's own splitter, the one migrate, rehearse and lint run, so the
 * line of a failing statement finds its facts on every dialect.
 *
 * @example
 * statementAt(extractStatementFacts(dialect, 'select 1;\nalter table t drop column c;'), 2)?.facts;
 * // [{ kind: 'drop-column', table: 't', column: 'c' }]
 */
export function statementAt(facts: ScriptFacts, line: number): StatementInfo | undefined {
  return facts.statements.filter((s) => s.line <= line).at(-1);
}
