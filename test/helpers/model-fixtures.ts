import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchemaChange } from '../../src/core/schema-change.js';

/** Where the ORM model fixtures live (test/fixtures/models/<orm>/). */
export const MODEL_FIXTURES = fileURLToPath(new URL('../fixtures/models/', import.meta.url));

/** The repository root: ORM packages resolve from its node_modules, as from a user's project. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The seven columns the post-mortem's init SQL was missing. */
export const SEVEN_MISSING = [
  'job_execution_branches.branch_serial',
  'job_execution_branches.branch_uuid',
  'job_execution_branches.target_serial_ref',
  'job_executions.execution_serial',
  'job_executions.execution_uuid',
  'jobs.job_serial',
  'jobs.job_uuid',
];

/** The stale init SQL of the post-mortem, per dialect. */
export function staleJobsSql(dialect: 'postgres' | 'sqlite'): string {
  return readFileSync(join(REPO_ROOT, 'test/fixtures/schemas/jobs', `${dialect}-init.sql`), 'utf8');
}

/** `kind table.column-or-name` of each change, sorted: what a test compares. */
export function changeKeys(changes: SchemaChange[]): string[] {
  return changes.map((c) => `${c.kind} ${c.table}${c.column ? `.${c.column}` : c.name ? ` ${c.name}` : ''}`).sort();
}
