import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/dialects/database.js';
import { getDialect } from '../../src/dialects/index.js';
import type { Schema } from '../../src/core/model.js';

/** A temporary project folder; `files` maps relative paths to contents. */
export function makeProject(files: Record<string, string> = {}): { dir: string; write(path: string, text: string): void; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-mig-'));
  const write = (path: string, text: string) => {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  return { dir, write, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `migrations/<version>_<name>/up.sql` (and down.sql when given). */
export function writeMigration(project: { write(path: string, text: string): void }, folder: string, up: string, down?: string): void {
  project.write(`migrations/${folder}/up.sql`, up);
  if (down !== undefined) project.write(`migrations/${folder}/down.sql`, down);
}

export async function introspect(db: Database): Promise<Schema> {
  return getDialect(db.dialect).introspect(db);
}

/**
 * sha256 of every row of every user table (lockstep's own included), ordered, so two
 * fingerprints are equal only when the data is byte-identical.
 */
export async function dataFingerprint(db: Database): Promise<Record<string, string>> {
  const names =
    db.dialect === 'postgres'
      ? (await db.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' order by 1")).rows
      : (await db.query<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1")).rows;
  const out: Record<string, string> = {};
  for (const { name } of names) {
    const rows = (await db.query(`select * from "${name}"`)).rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    out[name] = createHash('sha256').update(rows.sort().join('\n')).digest('hex');
  }
  return out;
}
