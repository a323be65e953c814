// npm run bench:lint: lints 200 migrations against a generated 500-file src/ tree, on
// SQLite and PostgreSQL, and reports the total, the code scan (one ts.Program for the
// whole tree, built once) and the per-migration cost (scratch replay, two introspections,
// diff, parse, rules).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDialect } from '../src/dialects/index.js';
import { CodeIndex, loadCodeTools } from '../src/lint/code-references.js';
import { lintMigrations } from '../src/lint/lint.js';
import { readMigrationsFolder } from '../src/migrations/migration-folder.js';
import type { DialectName } from '../src/core/model.js';
import { resolveTestPostgres } from '../test/helpers/test-postgres.js';

const MIGRATIONS = Number(process.env.BENCH_MIGRATIONS ?? 200);
const FILES = Number(process.env.BENCH_FILES ?? 500);
const TABLES = 40;

const isAdd = (i: number): boolean => i > TABLES && !(i % 5 === 0 && isAdd(i - TABLES)) && i % 7 !== 0;

/** 40 tables created first, then column adds, indexes, drops (which make lint scan the code) and renames. */
function writeMigrations(dir: string): void {
  const write = (i: number, name: string, sql: string) => {
    const folder = join(dir, `${String(i).padStart(4, '0')}_${name}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'up.sql'), sql);
  };
  for (let i = 1; i <= MIGRATIONS; i++) {
    const t = (i - 1) % TABLES;
    if (i <= TABLES) write(i, `create_t${t}`, `create table t${t} (id integer primary key, name varchar(100) not null, c1 text, c2 text, c3 integer, c4 integer);\ncreate index t${t}_name on t${t} (name);\n`);
    // Drops the column added to the same table one round earlier (when that one was an add).
    else if (i % 5 === 0 && isAdd(i - TABLES)) write(i, `drop_t${t}_x${i - TABLES}`, `alter table t${t} drop column x${i - TABLES};\n`);
    else if (i % 7 === 0) write(i, `index_t${t}_${i}`, `create index t${t}_c3_${i} on t${t} (c3);\n`);
    else write(i, `add_t${t}_x${i}`, `alter table t${t} add column x${i} text;\n`);
  }
}

/** 500 modules: row interfaces, SQL in template literals, typed reads, unrelated locals. */
function writeSource(dir: string): void {
  for (let f = 0; f < FILES; f++) {
    const t = f % TABLES;
    const sub = join(dir, `module${Math.floor(f / 50)}`);
    mkdirSync(sub, { recursive: true });
    const columns = Array.from({ length: 6 }, (_, k) => `x${TABLES + 1 + ((f * 7 + k * 13) % (MIGRATIONS - TABLES))}`);
    writeFileSync(
      join(sub, `file${f}.ts`),
      `export interface T${t}Row { id: number; name: string; c1: string | null; ${columns.map((c) => `${c}: string | null;`).join(' ')} }
interface Db { query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> }

export async function load${f}(db: Db, id: number): Promise<T${t}Row | undefined> {
  const { rows } = await db.query<T${t}Row>(\`select id, name, ${columns.slice(0, 3).join(', ')} from t${t} where id = \${id}\`);
  return rows[0];
}

export function describe${f}(row: T${t}Row): string {
  const config = { verbose: false, label: 'row' };
  return [row.name, row.${columns[3]}, row.${columns[4]}, config.label].join(' ');
}

export async function update${f}(db: Db, row: T${t}Row): Promise<void> {
  await db.query('update t${t} set ${columns[5]} = $1 where id = $2', [row.${columns[5]}, row.id]);
}
`,
    );
  }
}

async function benchDialect(dialect: DialectName, root: string, devUrl: string | undefined): Promise<void> {
  const migrations = readMigrationsFolder(join(root, 'migrations'));
  await loadCodeTools();
  const index = new CodeIndex(join(root, 'src'));
  const scanStart = performance.now();
  index.find({ table: 't0', column: 'name' });
  const scanMs = performance.now() - scanStart;
  const start = performance.now();
  const report = await lintMigrations({ dialect: getDialect(dialect), migrations, srcDir: join(root, 'src'), codeIndex: index, devUrl, cwd: root });
  const lintMs = performance.now() - start;
  const byRule = new Map<string, number>();
  for (const f of report.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  console.log(
    `${dialect.padEnd(8)}  ${migrations.length} migrations, ${index.fileCount} files: total ${Math.round(scanMs + lintMs)} ms ` +
      `(code scan ${Math.round(scanMs)} ms once, migrations ${Math.round(lintMs)} ms = ${(lintMs / migrations.length).toFixed(1)} ms each); ` +
      `findings: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(', ')}`,
  );
}

console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
const root = mkdtempSync(join(tmpdir(), 'lockstep-bench-lint-'));
const postgres = await resolveTestPostgres();
try {
  writeMigrations(join(root, 'migrations'));
  writeSource(join(root, 'src'));
  await benchDialect('sqlite', root, undefined);
  await benchDialect('postgres', root, postgres.url);
} finally {
  rmSync(root, { recursive: true, force: true });
  await postgres.stop();
}
