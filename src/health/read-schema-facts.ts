import { existsSync, statSync } from 'node:fs';
import { checkRuntimeSchema, readExpectedSchemaFile } from '../check/runtime-check.js';
import type { LockstepConfig } from '../core/config.js';
import type { Database } from '../dialects/database.js';
import { getDialect } from '../dialects/index.js';
import { readMigrationsFolder } from '../migrations/migration-folder.js';
import { migrationStatus } from '../migrations/migration-status.js';
import { withFixes } from '../check/check.js';
import { diffSchemas } from '../core/diff-schemas.js';
import type { Schema } from '../core/model.js';
import { displayPath } from '../sources/display-path.js';
import { replayMigrations } from '../sources/migrations-source.js';
import { loadSchemaFile } from '../sources/schema-file-source.js';
import type { HealthSettings } from './health-settings.js';
import type { SchemaFacts } from './ops-facts.js';

/** What a long-lived checker keeps: the expected schema (costly: a scratch database) and the last result. */
export interface SchemaFactsCache {
  expected?: { key: string; schema: Schema; source: string };
  last?: { at: number; facts: Omit<SchemaFacts, 'durationMs'> };
}

/**
 * Drift between the live database and what it should be. With a `schema.sql`, that file
 * is the reference. With only a migrations folder, the reference is the replay of the
 * migrations *applied so far*: a pending migration is the migrations probe's business,
 * and drift then means one thing only, that the database was changed behind lockstep's back.
 */
export async function readSchemaFacts(db: Database, config: LockstepConfig, settings: HealthSettings, cache: SchemaFactsCache): Promise<Omit<SchemaFacts, 'durationMs'>> {
  const hasExpectedFile = existsSync(config.expected);
  if (!config.schema && !config.migrations && !hasExpectedFile) return { configured: false, changes: [] };
  if (cache.last && Date.now() - cache.last.at < settings.driftCacheMs) return cache.last.facts;
  if (hasExpectedFile) {
    // The build's own file: introspection and a pure diff, classified by what this build
    // needs (compatibility, not equality); no parser and no scratch database in a probe.
    const runtime = await checkRuntimeSchema(db, readExpectedSchemaFile(config.expected), { allow: config.guardAllow, source: displayPath(config.expected) });
    const facts = { configured: true, expectedSource: runtime.source, changes: runtime.blocking.map((c) => c.change), notes: runtime.notes.map((c) => c.change.message) };
    cache.last = { at: Date.now(), facts };
    return facts;
  }
  const dialect = getDialect(db.dialect);
  if (!config.devUrl && dialect.scratchStartsServer) {
    return { configured: false, changes: [], notes: [`no ${displayPath(config.expected)}: run lockstep build so the schema probe can compare without a scratch database`] };
  }
  const expected = await expectedSchema(db, config, cache);
  const actual = await dialect.introspect(db);
  const changes = withFixes(dialect, diffSchemas(expected.schema, actual).changes, expected.schema, actual);
  const facts = { configured: true, expectedSource: expected.source, changes };
  cache.last = { at: Date.now(), facts };
  return facts;
}

async function expectedSchema(db: Database, config: LockstepConfig, cache: SchemaFactsCache): Promise<{ schema: Schema; source: string }> {
  const dialect = getDialect(db.dialect);
  const scratch = config.devUrl ? { devUrl: config.devUrl } : {};
  let key: string;
  let build: () => Promise<Schema>;
  let source: string;
  if (config.schema) {
    const file = config.schema;
    key = `schema:${file}:${statSync(file).mtimeMs}`;
    source = displayPath(file);
    build = () => loadSchemaFile(dialect, file, scratch);
  } else {
    const migrations = readMigrationsFolder(config.migrations!);
    const status = await migrationStatus(db, migrations);
    const applied = migrations.filter((m) => status.migrations.some((s) => s.version === m.version && s.state === 'applied'));
    const last = applied.at(-1);
    key = `migrations:${config.migrations}:${applied.map((m) => `${m.version}=${m.checksum}`).join(',')}`;
    source = `${displayPath(config.migrations!)} (up to ${last ? `${last.version}_${last.name}` : 'no migration'})`;
    build = () => replayMigrations(dialect, applied, scratch);
  }
  if (cache.expected?.key !== key) cache.expected = { key, schema: await build(), source };
  return cache.expected;
}
