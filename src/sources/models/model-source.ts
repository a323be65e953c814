import type { DialectName, Schema } from '../../core/model.js';

/**
 * The code's own models as an expected schema (docs/models.md): a Prisma schema, a
 * Drizzle schema module or a TypeORM DataSource, read with the ORM's own package from
 * the user's project and converted to the neutral model.
 */
export type ModelKind = 'prisma' | 'drizzle' | 'typeorm';
export const MODEL_KINDS: readonly ModelKind[] = ['prisma', 'drizzle', 'typeorm'];

/** Where something is declared in the user's model files. */
export interface ModelLocation {
  /** Path as shown to the user (relative to the project root when inside it). */
  file: string;
  /** 1-based line, or null when the ORM does not say. */
  line: number | null;
}

/**
 * What is wrong inside the models themselves: the failures an ORM only shows at the first
 * query. Reported by `check` before any comparison, all at once, exit 1.
 */
export type ModelIssueKind =
  /** The ORM's own validation failed (Prisma's validate, a Drizzle module that throws, …). */
  | 'model.invalid'
  /** A relation names a model or entity that does not exist. */
  | 'relation.unknown-model'
  /** An entity a relation uses is not registered in the DataSource / not exported into the schema object. */
  | 'model.unregistered'
  /** A foreign key references a table no model creates. */
  | 'foreign-key.missing-table'
  /** A foreign key references columns the referenced model does not have. */
  | 'foreign-key.missing-columns'
  /** A foreign key references columns that are not a primary key or unique. */
  | 'foreign-key.not-unique'
  /** A foreign key column's type does not match the referenced key's type. */
  | 'foreign-key.type-mismatch'
  /** Two models map to one table. */
  | 'table.mapped-twice';

export interface ModelIssue {
  kind: ModelIssueKind;
  /** One line: what was expected, what was found (`Post.author → User: model User does not exist`). */
  message: string;
  location: ModelLocation;
  /** What to do next. */
  hint?: string;
}

export interface LoadedModels {
  kind: ModelKind;
  dialect: DialectName;
  /** The schema the models declare, in the neutral model's canonical spellings. */
  schema: Schema;
  /** Integrity problems; empty for a sound model set. */
  issues: ModelIssue[];
  /** Where each table (key `schema.table`) and column (key `schema.table.column`) is declared. */
  locations: Map<string, ModelLocation>;
  /** Every model file read, for messages and for lint's code references. */
  files: string[];
  /** What the reader wants the user to know (e.g. a `$defaultFn` default the database cannot see). */
  notes: string[];
}

export interface LoadModelsOptions {
  /** Project root: where the ORM package is resolved from, and paths are shown relative to. */
  cwd: string;
  /** The database the models are compared with, when the models do not say (Drizzle, TypeORM entity globs). */
  dialect?: DialectName;
  /**
   * Drizzle's `casing` (`snake_case` | `camelCase`): the database names of columns declared
   * without one (`createdAt: timestamp()`). Default: the `casing` of the project's
   * drizzle-kit config (`drizzle.config.ts` in `cwd`), else none.
   */
  casing?: 'snake_case' | 'camelCase';
}
