/**
 * Expected schema from a declarative `schema.sql`: applied to a scratch database (SQLite
 * in memory; PostgreSQL on the dev server or an embedded one) and introspected, so the
 * database itself decides what the DDL means. Then every foreign key is validated, which
 * matters on SQLite: it accepts a reference to a table that does not exist.
 */
import type { Dialect } from '../dialects/dialect.js';
import type { Schema } from '../core/model.js';
import { validateForeignKeys } from '../core/validate-foreign-keys.js';
import { applyScript } from './apply-script.js';
import { displayPath, readSourceFile } from './display-path.js';
import { foreignKeyError } from './foreign-key-errors.js';

export interface ScratchSourceOptions {
  /** PostgreSQL server for the scratch database (else an embedded server is started). */
  devUrl?: string;
}

/**
 * Materializes `file` and returns its schema. Errors are `schema.sql:LINE: message`.
 *
 * @example
 * const expected = await loadSchemaFile(getDialect('sqlite'), 'schema.sql');
 */
export async function loadSchemaFile(dialect: Dialect, file: string, options: ScratchSourceOptions = {}): Promise<Schema> {
  const script = readSourceFile(file, 'schema file', 'Point --schema (or "schema" in lockstep.config.json) at your declarative schema file.');
  const shown = displayPath(file);
  const scratch = await dialect.createScratch(options.devUrl ? { devUrl: options.devUrl } : {});
  try {
    // One connection for the script and the introspection: session settings the script
    // leaves behind (a `pg_dump -s` file sets search_path) are then the ones the
    // introspector resets.
    const schema = await scratch.db.withConnection(async (conn) => {
      await applyScript(conn, dialect, script, shown);
      return dialect.introspect(conn);
    });
    const error = foreignKeyError(dialect, validateForeignKeys(schema, dialect.typesCompatible), [{ file: shown, script }]);
    if (error) throw error;
    return schema;
  } finally {
    await scratch.dispose();
  }
}
