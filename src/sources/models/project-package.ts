import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { LockstepError } from '../../core/errors.js';

/**
 * Loads a package from the user's project (`cwd/node_modules`, then its parents), never
 * lockstep's own copy: the models must be read by the ORM version the service runs.
 *
 * @example
 * const wasm = loadProjectPackage<PrismaSchemaWasm>('@prisma/prisma-schema-wasm', process.cwd(), 'reading schema.prisma');
 */
export function loadProjectPackage<T>(name: string, cwd: string, purpose: string): T {
  const anchor = join(cwd, existsSync(join(cwd, 'package.json')) ? 'package.json' : 'noop.js');
  const require = createRequire(anchor);
  let resolved: string;
  try {
    resolved = require.resolve(name);
  } catch (error) {
    throw new LockstepError(`${purpose} needs the package ${name}, which is not installed in ${cwd}`, {
      hint: `Install it in your project (npm install --save-dev ${name}); lockstep uses your project's copy so the models are read the way your ORM reads them.`,
      cause: error,
    });
  }
  return require(resolved) as T;
}
