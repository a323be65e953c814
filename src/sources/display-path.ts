import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { LockstepError } from '../core/errors.js';

/** A path as messages show it: relative to the working directory when that is shorter. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('../../') && rel.length < path.length ? rel : path;
}

/**
 * Reads a text file a source needs, with an error that names it and what it was for.
 *
 * @example
 * const sql = readSourceFile('schema.sql', 'schema file', 'Point --schema (or "schema" in lockstep.config.json) at your schema file.');
 */
export function readSourceFile(path: string, what: string, hint: string): string {
  if (!existsSync(path)) throw new LockstepError(`${what} not found: ${displayPath(path)}`, { hint });
  if (statSync(path).isDirectory()) throw new LockstepError(`${what} ${displayPath(path)} is a folder, expected a file`, { hint });
  return readFileSync(path, 'utf8');
}
