/**
 * The expected-schema file (`lockstep build`, default `lockstep.expected.json`): what this
 * build of the code needs from its database, written at build time and committed, so a
 * worker or a readiness probe can compare the live database against it without a SQL
 * parser, a compiler or a scratch server. It is a schema snapshot (readable wherever a
 * snapshot is) plus the migrations this build ships:
 *
 * ```json
 * { "lockstep": "schema-snapshot", "version": 1, "dialect": "sqlite", "schema": { … },
 *   "build": { "source": "schema.sql", "migrations": [{ "version": "001", "name": "init", "checksum": "…" }] } }
 * ```
 */
import { LockstepError } from './errors.js';
import type { DialectName, Schema } from './model.js';
import { formatSnapshot, parseSnapshot } from './snapshot.js';

export const EXPECTED_SCHEMA_FILE = 'lockstep.expected.json';

export interface BuiltMigration {
  version: string;
  name: string;
  /** sha256 of up.sql, as the migration history records it. */
  checksum: string;
}

export interface ExpectedSchema {
  dialect: DialectName;
  schema: Schema;
  /** What the schema was built from, for messages (`schema.sql`, `migrations/`). */
  source: string;
  /** The migrations this build ships, in order. */
  migrations: BuiltMigration[];
}

/**
 * Serializes an expected schema (stable, so a rebuild of unchanged sources is byte-equal).
 *
 * @example
 * writeFileSync('lockstep.expected.json', formatExpectedSchema({ dialect: 'sqlite', schema, source: 'schema.sql', migrations: [] }));
 */
export function formatExpectedSchema(expected: ExpectedSchema): string {
  const snapshot = JSON.parse(formatSnapshot(expected.schema)) as Record<string, unknown>;
  snapshot.build = { source: expected.source, migrations: expected.migrations.map(({ version, name, checksum }) => ({ version, name, checksum })) };
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/** Parses and validates an expected-schema file; `file` is only used in messages. */
export function parseExpectedSchema(text: string, file: string): ExpectedSchema {
  const schema = parseSnapshot(text, file);
  const build = (JSON.parse(text) as { build?: unknown }).build;
  const rebuild = 'Write it again with lockstep build.';
  if (typeof build !== 'object' || build === null) {
    throw new LockstepError(`${file}: build: expected the build section of lockstep build, found ${build === undefined ? 'nothing' : typeof build}`, {
      hint: `${rebuild} (A plain snapshot has no migrations list.)`,
    });
  }
  const { source, migrations } = build as { source?: unknown; migrations?: unknown };
  if (typeof source !== 'string') throw new LockstepError(`${file}: build.source: expected a string, found ${typeof source}`, { hint: rebuild });
  if (!Array.isArray(migrations)) throw new LockstepError(`${file}: build.migrations: expected an array, found ${typeof migrations}`, { hint: rebuild });
  const list = migrations.map((m: unknown, i) => {
    const row = m as Partial<BuiltMigration> | null;
    for (const key of ['version', 'name', 'checksum'] as const) {
      if (typeof row?.[key] !== 'string') {
        throw new LockstepError(`${file}: build.migrations[${i}].${key}: expected a string, found ${typeof row?.[key]}`, { hint: rebuild });
      }
    }
    return { version: row!.version!, name: row!.name!, checksum: row!.checksum! };
  });
  return { dialect: schema.dialect, schema, source, migrations: list };
}
