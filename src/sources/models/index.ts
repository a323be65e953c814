import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { LockstepError } from '../../core/errors.js';
import type { LoadedModels, LoadModelsOptions, ModelKind } from './model-source.js';

export type { LoadedModels, LoadModelsOptions, ModelIssue, ModelIssueKind, ModelKind, ModelLocation } from './model-source.js';
export { MODEL_KINDS } from './model-source.js';

/**
 * Which ORM a schema path holds, from the file itself: `.prisma` (or a folder of them),
 * a module that imports `drizzle-orm`, or one that imports `typeorm`. undefined when
 * it is none of them (a `.sql` file, a snapshot, a migrations folder).
 */
export function detectModelKind(path: string): ModelKind | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    const entries = readdirSync(path);
    if (entries.some((e) => e.endsWith('.prisma'))) return 'prisma';
    for (const entry of entries) {
      if (/\.(ts|mts|js|mjs|cjs)$/.test(entry) && !entry.endsWith('.d.ts')) {
        const kind = moduleKind(join(path, entry));
        if (kind) return kind;
      }
    }
    return undefined;
  }
  if (extname(path) === '.prisma') return 'prisma';
  if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(path)) return moduleKind(path);
  return undefined;
}

function moduleKind(file: string): ModelKind | undefined {
  const text = readFileSync(file, 'utf8');
  if (/from\s+['"]drizzle-orm(\/[^'"]*)?['"]|require\(\s*['"]drizzle-orm/.test(text)) return 'drizzle';
  if (/from\s+['"]typeorm['"]|require\(\s*['"]typeorm['"]/.test(text)) return 'typeorm';
  return undefined;
}

/**
 * Reads a model set with the ORM's own package, loaded lazily from the user's project.
 *
 * @example
 * const models = await loadModels('prisma/schema.prisma', { cwd: process.cwd() });
 * if (models.issues.length > 0) console.log(models.issues.map((i) => i.message));
 */
export async function loadModels(path: string, options: LoadModelsOptions & { kind?: ModelKind }): Promise<LoadedModels> {
  const full = resolve(options.cwd, path);
  const kind = options.kind ?? detectModelKind(full);
  if (!kind) {
    throw new LockstepError(`${path} is not a Prisma schema, a Drizzle schema module or a TypeORM DataSource`, {
      hint: 'Pass --schema-kind prisma|drizzle|typeorm|sql to say what it is.',
    });
  }
  switch (kind) {
    case 'prisma':
      return (await import('./prisma.js')).readPrismaModels(full, options);
    case 'drizzle':
      return (await import('./drizzle.js')).readDrizzleModels(full, options);
    case 'typeorm':
      return (await import('./typeorm.js')).readTypeormModels(full, options);
  }
}
