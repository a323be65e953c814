import type { MigrateOutcome, MigrationResult } from '../../migrations/migration-result.js';
import type { CommandContext, OptionSpec } from '../command.js';

/**
 * `--json` for every command that reports something. The pattern: declare
 * `json: JSON_OPTION` in the command's options, build one plain object, print it with
 * `printJson` instead of the text lines (no progress or prompts in between), keep the exit
 * code of the text mode, and document the shape in the command's docs page. Errors that
 * stop the command (exit 2) stay messages on stderr.
 */
export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print the result as JSON (the format is in the docs of the command)' };

/** Prints `value` as indented JSON on stdout. */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One migration of a `migrate up/down` run, as JSON. */
export function migrationResultJson(result: MigrationResult) {
  return {
    version: result.version,
    name: result.name,
    direction: result.direction,
    status: result.status,
    durationMs: result.durationMs,
    error: result.error ? result.error.message : null,
  };
}

/** The JSON of `migrate up --json` and `migrate down --json`. */
export function migrateOutcomeJson(outcome: MigrateOutcome, db: { dialect: string; displayUrl: string }, direction: 'up' | 'down') {
  return {
    ok: outcome.ok && outcome.problems.length === 0,
    dialect: db.dialect,
    database: db.displayUrl,
    direction,
    results: outcome.results.map(migrationResultJson),
    problems: outcome.problems,
  };
}
