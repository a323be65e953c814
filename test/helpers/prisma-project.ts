/**
 * A temporary service folder with Prisma models, as a user has it: `schema.prisma`,
 * `lockstep.config.json`, and `@prisma/prisma-schema-wasm` installed in its own
 * node_modules (linked to the copy the tests run with), so lockstep resolves the
 * package from the project, not from itself.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from '../../src/dialects/index.js';
import type { DialectName } from '../../src/core/model.js';
import { createPgDatabase, dropPgDatabase, testPgUrl } from './databases.js';
import { prismaMigrationSql } from './prisma-engine.js';

export interface PrismaProject {
  dir: string;
  url: string;
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

const WASM_DIR = dirname(createRequire(import.meta.url).resolve('@prisma/prisma-schema-wasm/package.json'));

/**
 * @example
 * const p = await prismaProject('sqlite', { schema: text, liveFrom: staleText });
 */
export async function prismaProject(
  dialect: DialectName,
  options: { schema: string; liveFrom?: string; installPackage?: boolean; config?: Record<string, unknown>; file?: string },
): Promise<PrismaProject> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-prisma-'));
  const file = options.file ?? 'schema.prisma';
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), options.schema);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'service', private: true }));
  if (options.installPackage !== false) {
    mkdirSync(join(dir, 'node_modules', '@prisma'), { recursive: true });
    symlinkSync(WASM_DIR, join(dir, 'node_modules', '@prisma', 'prisma-schema-wasm'), 'dir');
  }
  const url = dialect === 'sqlite' ? `sqlite:${join(dir, 'live.db')}` : await createPgDatabase();
  if (options.liveFrom !== undefined) {
    const db = await connect(url);
    try {
      await db.exec(await prismaMigrationSql(options.liveFrom, dialect));
    } finally {
      await db.close();
    }
  }
  writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url: dialect === 'sqlite' ? 'sqlite:live.db' : url, schema: file, ...options.config }));
  return {
    dir,
    url,
    env: { LOCKSTEP_DEV_URL: testPgUrl() },
    dispose: async () => {
      if (dialect === 'postgres') await dropPgDatabase(url);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
