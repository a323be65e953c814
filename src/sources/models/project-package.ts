import { createRequire } from 'node:module';
import { join } from 'node:path';
import { LockstepError } from '../../core/errors.js';

/**
 * Loads a package (or a subpath of one) the way the user's project resolves it
 * (`cwd/node_modules`, then its parents), never lockstep's own copy: the models must be read
 * by the ORM version the service runs. A clear error names the package when the project
 * does not have it. The one loader for every ORM package (Prisma's WebAssembly build,
 * drizzle-orm, typeorm, reflect-metadata).
 *
 * @example
 * const wasm = loadProjectPackage<PrismaSchemaWasm>('@prisma/prisma-schema-wasm', '/app', 'reading schema.prisma');
 * const pgCore = loadProjectPackage<Record<string, unknown>>('drizzle-orm/pg-core', '/app');
 */
export function loadProjectPackage<T>(specifier: string, cwd: string, purpose?: string): T {
  // createRequire wants a file path; it need not exist.
  const require = createRequire(join(cwd, 'package.json'));
  let resolved: string;
  try {
    resolved = require.resolve(specifier);
  } catch (error) {
    const name = packageName(specifier);
    throw new LockstepError(`${name} is not installed in ${cwd}: lockstep reads the models with the project's own copy${purpose ? ` (${purpose} needs the package ${name})` : ''}`, {
      hint: `Install it in your project (npm install ${name}), or run lockstep from the folder whose node_modules has it.`,
      cause: error,
    });
  }
  return require(resolved) as T;
}

/** `drizzle-orm/pg-core` → `drizzle-orm`; `@scope/pkg/x` → `@scope/pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
