/**
 * Databases built by the ORMs' own tooling, for "models vs a database the ORM made"
 * tests: drizzle-kit's generated SQL, TypeORM's schema builder (`synchronize()`).
 */
import type { DialectName } from '../../src/core/model.js';
import { expandGlob } from '../../src/sources/models/expand-glob.js';
import { withModelModules } from '../../src/sources/models/load-model-module.js';
import type { TestDatabase } from './databases.js';
import { REPO_ROOT } from './model-fixtures.js';

/** The SQL drizzle-kit itself generates for a schema module (what `drizzle-kit generate` writes). */
export async function drizzleKitSql(dialect: DialectName, file: string, casing?: 'snake_case' | 'camelCase'): Promise<string[]> {
  const kit = await import('drizzle-kit/api');
  const schema = (await import(file)) as Record<string, unknown>;
  if (dialect === 'postgres') return kit.generateMigration(await kit.generateDrizzleJson({}, undefined, undefined, casing), await kit.generateDrizzleJson(schema, undefined, undefined, casing));
  return kit.generateSQLiteMigration(await kit.generateSQLiteDrizzleJson({}, undefined, casing), await kit.generateSQLiteDrizzleJson(schema, undefined, casing));
}

interface DataSourceLike {
  options: { entities?: unknown[] };
  initialize(): Promise<unknown>;
  synchronize(): Promise<void>;
  destroy(): Promise<void>;
}

/** Builds `t`'s database with TypeORM's own schema builder (`synchronize()`), from the DataSource module. */
export async function synchronizeWithTypeorm(t: TestDatabase, file: string): Promise<void> {
  await withModelModules(REPO_ROOT, async (load) => {
    const exports = await load(file);
    const source = Object.values(exports).find((v) => typeof (v as DataSourceLike | null)?.synchronize === 'function') as DataSourceLike;
    const entities: unknown[] = [];
    for (const entry of source.options.entities ?? []) {
      if (typeof entry !== 'string') entities.push(entry);
      else for (const f of expandGlob(entry, REPO_ROOT)) entities.push(...Object.values(await load(f)).filter((v) => typeof v === 'function'));
    }
    const { DataSource } = (await import('typeorm')) as unknown as { DataSource: new (o: object) => DataSourceLike };
    const target = t.dialect === 'postgres' ? { url: t.url } : { database: t.url.slice('sqlite:'.length) };
    const real = new DataSource({ ...source.options, ...target, entities });
    await real.initialize();
    try {
      await real.synchronize();
    } finally {
      await real.destroy();
    }
  });
}
