/**
 * Integrity of a model set, generic over the neutral schema every reader produces: the
 * failures an ORM only shows at the first query (a foreign key to a table no model
 * creates, to columns that do not exist or are not a key, of another type; two models
 * on one table). ORM-specific checks (a relation naming an unknown model, an entity that
 * is not registered) stay in each reader. Pure.
 */
import type { Schema } from '../../core/model.js';
import { type TypesCompatible, validateForeignKeys } from '../../core/validate-foreign-keys.js';
import type { ModelIssue, ModelIssueKind, ModelLocation } from './model-source.js';

/** One model (entity, table object) and the table it maps to. */
export interface ModelDeclaration {
  /** The ORM's name for it: `User`, `users` (Drizzle variable), `UserEntity`. */
  model: string;
  schema: string;
  table: string;
  location: ModelLocation;
}

export interface ModelIntegrityInput {
  schema: Schema;
  /** `schema.table` / `schema.table.column` → declaration (LoadedModels.locations). */
  locations: Map<string, ModelLocation>;
  /** `Dialect.typesCompatible` of the models' dialect. */
  typesCompatible: TypesCompatible;
  /** Every model with its table, to find two models mapped to one table. */
  models?: ModelDeclaration[];
}

const KINDS: Record<string, ModelIssueKind> = {
  'missing-table': 'foreign-key.missing-table',
  'missing-column': 'foreign-key.missing-columns',
  'column-count': 'foreign-key.missing-columns',
  'not-unique': 'foreign-key.not-unique',
  'type-mismatch': 'foreign-key.type-mismatch',
};

const HINTS: Record<ModelIssueKind, string> = {
  'foreign-key.missing-table': 'Declare a model for the referenced table (and register it), or fix the reference.',
  'foreign-key.missing-columns': 'Reference columns the target model declares.',
  'foreign-key.not-unique': 'A foreign key must reference the primary key or a unique key of the target model.',
  'foreign-key.type-mismatch': 'Give the foreign key column the type of the column it references.',
  'table.mapped-twice': 'Map each model to its own table (or remove the duplicate model).',
  'model.invalid': '',
  'relation.unknown-model': '',
  'model.unregistered': '',
};

/**
 * Every integrity problem of a model set, in table order.
 *
 * @example
 * const issues = checkModelIntegrity({ schema, locations, typesCompatible: getDialect('postgres').typesCompatible });
 */
export function checkModelIntegrity(input: ModelIntegrityInput): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const where = (schema: string, table: string, column?: string): ModelLocation =>
    (column !== undefined ? input.locations.get(`${schema}.${table}.${column}`) : undefined) ?? input.locations.get(`${schema}.${table}`) ?? { file: '(models)', line: null };

  const byTable = new Map<string, ModelDeclaration[]>();
  for (const model of input.models ?? []) {
    const key = `${model.schema}.${model.table}`;
    const list = byTable.get(key);
    if (list) list.push(model);
    else byTable.set(key, [model]);
  }
  const twice = new Set<string>();
  for (const [key, models] of byTable) {
    if (models.length < 2) continue;
    twice.add(key);
    const [first, ...rest] = models;
    for (const model of rest) {
      issues.push({
        kind: 'table.mapped-twice',
        message: `${model.model} maps to table ${models[0]!.table}, which ${first!.model} (${describe(first!.location)}) maps to as well`,
        location: model.location,
        hint: HINTS['table.mapped-twice'],
      });
    }
  }

  for (const problem of validateForeignKeys(input.schema, input.typesCompatible)) {
    const schema = problem.schema ?? input.schema.tables.find((t) => t.name === problem.table)?.schema ?? '';
    if (twice.has(`${schema}.${problem.table}`)) continue;
    const kind = KINDS[problem.kind] ?? 'foreign-key.missing-columns';
    issues.push({ kind, message: problem.message, location: where(schema, problem.table, problem.columns[0]), hint: HINTS[kind] });
  }
  return issues;
}

function describe(location: ModelLocation): string {
  return location.line === null ? location.file : `${location.file}:${location.line}`;
}
