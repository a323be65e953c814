/** Actual schema from a live database URL. */
import { existsSync } from 'node:fs';
import { parseConnectionUrl } from '../dialects/connection-url.js';
import { getDialect } from '../dialects/index.js';
import { emptySchema, type Schema } from '../core/model.js';
import { displayPath } from './display-path.js';

export interface LiveSchema {
  schema: Schema;
  /** The URL, password redacted. */
  source: string;
  /** Set when the database does not exist yet (a SQLite file not created): the schema is empty. */
  note?: string;
}

/**
 * Connects, introspects and disconnects. Connection problems are LockstepErrors that
 * name the server (never the password). A SQLite file that does not exist is read as an
 * empty database and is not created: `check` on a fresh project should report the tables
 * to create, not leave an empty file behind.
 *
 * @example
 * const { schema } = await introspectUrl('postgres://app@localhost/app');
 */
export async function introspectUrl(url: string): Promise<LiveSchema> {
  const parsed = parseConnectionUrl(url);
  const file = parsed.filename && parsed.filename !== ':memory:' ? parsed.filename : undefined;
  const source = file ? `sqlite:${displayPath(file)}` : parsed.display;
  if (file && !existsSync(file)) {
    return {
      schema: emptySchema(parsed.dialect),
      source,
      note: `${source} does not exist yet, so it was read as an empty database (lockstep migrate up creates it)`,
    };
  }
  const dialect = getDialect(parsed.dialect);
  const db = await dialect.connect(parsed, { maxConnections: 2, applicationName: 'lockstep' });
  try {
    return { schema: await dialect.introspect(db), source };
  } finally {
    await db.close();
  }
}
