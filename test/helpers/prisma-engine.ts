/**
 * The SQL Prisma's own schema engine writes for a schema (`prisma migrate diff
 * --from-empty --to-schema … --script`), from `@prisma/schema-engine-wasm`. The engine
 * talks to a database through a Prisma driver adapter; for a diff from empty it only asks
 * PostgreSQL for its version, so a small adapter over `pg` (a real server) is enough.
 * SQLite asks nothing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { DialectName } from '../../src/core/model.js';
import { testPgUrl } from './databases.js';

interface SchemaEngine {
  diff(params: unknown): Promise<{ stdout: string | null }>;
  free(): void;
}

let engineModule: Promise<{ SchemaEngine: { new: (options: unknown, log: () => void, adapter: unknown) => Promise<SchemaEngine> } }> | undefined;

/** The package ships an ES module that imports its `.wasm` directly; Node needs it instantiated by hand. */
function loadEngine() {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bg = await import(join(dir, 'schema_engine_bg.js'));
    const module = await WebAssembly.compile(readFileSync(join(dir, 'schema_engine_bg.wasm')));
    const imports: Record<string, WebAssembly.ModuleImports> = {};
    for (const i of WebAssembly.Module.imports(module)) imports[i.module] ??= bg;
    const instance = await WebAssembly.instantiate(module, imports);
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return bg;
  })();
  return engineModule;
}

const ok = <T>(value: T) => ({ ok: true, value });

/**
 * @example
 * const sql = await prismaMigrationSql(schemaText, 'postgres');
 */
export async function prismaMigrationSql(schema: string, dialect: DialectName): Promise<string> {
  const { SchemaEngine } = await loadEngine();
  const provider = dialect === 'postgres' ? 'postgres' : 'sqlite';
  const client = dialect === 'postgres' ? new pg.Client({ connectionString: testPgUrl() }) : undefined;
  await client?.connect();
  try {
    const connection = {
      provider,
      adapterName: 'lockstep-test',
      async queryRaw(query: { sql: string; args: unknown[] }) {
        if (!client) throw new Error(`unexpected query on SQLite: ${query.sql}`);
        const result = await client.query({ text: query.sql, values: query.args, rowMode: 'array' });
        // ColumnTypeEnum of @prisma/driver-adapter-utils: Int32 0, Int64 1, Boolean 5, Text 7.
        const types: Record<number, number> = { 16: 5, 21: 0, 23: 0, 20: 1 };
        return ok({ columnNames: result.fields.map((f) => f.name), columnTypes: result.fields.map((f) => types[f.dataTypeID] ?? 7), rows: result.rows });
      },
      async executeRaw(query: { sql: string }) {
        throw new Error(`the schema engine tried to change the database: ${query.sql}`);
      },
      async executeScript(script: string) {
        throw new Error(`the schema engine tried to change the database: ${script}`);
      },
      async startTransaction() {
        throw new Error('the schema engine tried to open a transaction');
      },
      async dispose() {
        return ok(undefined);
      },
    };
    const adapter = { provider, adapterName: 'lockstep-test', connect: async () => ok(connection), connectToShadowDb: async () => ok(connection) };
    const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
    try {
      const result = await engine.diff({
        from: { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      return (result.stdout ?? '').replace(/^CREATE SCHEMA IF NOT EXISTS "public";$/m, '');
    } finally {
      engine.free();
    }
  } finally {
    await client?.end();
  }
}
