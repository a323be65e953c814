// npm run bench:schema: builds a 1,000-table schema (10 columns, 2 indexes and 1 foreign
// key per table; on PostgreSQL also a trigger function, a trigger, row-level security and
// a policy per 10 tables) on PostgreSQL and SQLite, then times introspection of the live database
// and the pure diff of two such schemas. Targets on the 2-core machine, PostgreSQL:
// introspection ≤ 1 s, diff ≤ 100 ms for 1,000 tables. Then the same comparison side by side with
// @pgkit/migra and drizzle-kit pull (BENCH_PEERS=0 skips it; BENCH_CMP_RUNS runs, default 3;
// BENCH_PEER_TIMEOUT_MS per peer command, default 300 s; BENCH_PEER_LIBRARY=1 adds migra's library call).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/dialects/database.js';
import { connect, getDialect } from '../src/dialects/index.js';
import { diffSchemas } from '../src/core/diff-schemas.js';
import type { DialectName, Schema } from '../src/core/model.js';
import { createPgDatabase, dropPgDatabase } from '../test/helpers/databases.js';
import { resolveTestPostgres } from '../test/helpers/test-postgres.js';

const TABLES = Number(process.env.BENCH_TABLES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The DDL: t_i references t_{i-1}; columns of a few types; two indexes per table. */
function schemaSql(dialect: DialectName): string {
  const out: string[] = [];
  for (let i = 0; i < TABLES; i++) {
    const fk = i === 0 ? 'integer' : `integer references t_${i - 1} (id) on delete cascade`;
    out.push(
      `create table t_${i} (id integer primary key, parent_id ${fk}, name varchar(100) not null, code varchar(20) not null, ` +
        `amount numeric(12, 2) not null default 0, qty integer not null default 1, note text, active boolean not null default true, ` +
        `created_at timestamp not null default current_timestamp, score real);`,
      `create index t_${i}_name_idx on t_${i} (name);`,
      `create unique index t_${i}_code_key on t_${i} (code, created_at);`,
    );
    if (dialect === 'postgres' && i % 10 === 0) {
      out.push(
        `create function t_${i}_touch() returns trigger language plpgsql as $$ begin new.qty := new.qty + 1; return new; end $$;`,
        `create trigger t_${i}_touch before update on t_${i} for each row execute function t_${i}_touch();`,
        `alter table t_${i} enable row level security;`,
        `create policy t_${i}_active on t_${i} for select using (active);`,
      );
    }
  }
  return out.join('\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

async function bench(dialectName: DialectName, db: Database): Promise<void> {
  const dialect = getDialect(dialectName);
  const [, buildMs] = await timed(() => db.exec(schemaSql(dialectName)));
  const introspections: number[] = [];
  let schema: Schema | undefined;
  for (let i = 0; i < RUNS; i++) {
    const [s, t] = await timed(() => dialect.introspect(db));
    schema = s;
    introspections.push(t);
  }
  const actual = structuredClone(schema!);
  actual.tables[Math.floor(TABLES / 2)].columns[3].type = 'character varying(30)';
  actual.tables[TABLES - 1].indexes.pop();
  const diffsSame: number[] = [];
  const diffsDrift: number[] = [];
  let changes = 0;
  for (let i = 0; i < RUNS; i++) {
    const copy = structuredClone(schema!);
    diffsSame.push((await timed(() => diffSchemas(schema!, copy)))[1]);
    const [d, t] = await timed(() => diffSchemas(schema!, actual));
    changes = d.changes.length;
    diffsDrift.push(t);
  }
  const columns = schema!.tables.reduce((n, t) => n + t.columns.length, 0);
  console.log(
    `${dialectName.padEnd(8)}  ${schema!.tables.length} tables, ${columns} columns  build ${ms(buildMs)}  ` +
      `introspect median ${ms(median(introspections))} (min ${ms(Math.min(...introspections))})  ` +
      `diff identical ${ms(median(diffsSame))}  diff with ${changes} changes ${ms(median(diffsDrift))}`,
  );
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CMP_RUNS = Number(process.env.BENCH_CMP_RUNS ?? 3);

/** A peer command is stopped after this long and reported as "more than" it (ms). */
const PEER_TIMEOUT_MS = Number(process.env.BENCH_PEER_TIMEOUT_MS ?? 300_000);

/** Wall time of a whole command (ms), as a user runs it; Infinity when it ran past the timeout; fails loudly if the command does. */
function command(file: string, args: string[]): number {
  const start = performance.now();
  const run = spawnSync(file, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: PEER_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return Infinity;
  if (run.status !== 0 && run.status !== 1) throw new Error(`${file} ${args.join(' ')} failed (${run.status}): ${run.stderr.slice(0, 2000)}`);
  return performance.now() - start;
}

/**
 * Side by side on the same two PostgreSQL databases (the 1,000-table schema in both):
 * comparing them (`lockstep diff --from A --to B` against `migra A B`, @pgkit/migra) and
 * reading one into a file (`lockstep snapshot A` against `drizzle-kit pull`), each as the
 * command a user runs (process start included), and lockstep's and migra's library calls
 * in this process.
 */
async function compareWithPeers(urlA: string): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/src/cli/bin.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const urlB = await createPgDatabase('lockstep_bench_b');
  const out = mkdtempSync(join(tmpdir(), 'lockstep-bench-peers-'));
  try {
    const dbB = await connect(urlB);
    await dbB.exec(schemaSql('postgres'));
    const dialect = getDialect('postgres');
    const dbA = await connect(urlA);
    const { run: migra } = await import('@pgkit/migra');
    const lib = { lockstep: [] as number[], migra: [] as number[] };
    const cli = { lockstep: [] as number[], migra: [] as number[], snapshot: [] as number[], pull: [] as number[] };
    const bin = join(ROOT, 'bin/lockstep.js');
    // The library call cannot be stopped: it runs only when asked (BENCH_PEER_LIBRARY=1);
    // on 1,000 tables migra's catalog query alone runs for minutes.
    const library = process.env.BENCH_PEER_LIBRARY === '1';
    for (let i = 0; i < CMP_RUNS; i++) {
      if (library) {
        lib.lockstep.push((await timed(async () => diffSchemas(await dialect.introspect(dbA), await dialect.introspect(dbB))))[1]);
        lib.migra.push((await timed(() => migra(urlA, urlB, { unsafe: true })))[1]);
      }
      cli.lockstep.push(command(process.execPath, [bin, 'diff', '--from', urlA, '--to', urlB]));
      cli.migra.push(command(join(ROOT, 'node_modules/.bin/migra'), [urlA, urlB, '--unsafe']));
      cli.snapshot.push(command(process.execPath, [bin, 'snapshot', urlA, '--out', join(out, 'snapshot.json')]));
      cli.pull.push(command(join(ROOT, 'node_modules/.bin/drizzle-kit'), ['pull', '--dialect', 'postgresql', '--url', urlA, '--out', join(out, 'drizzle')]));
    }
    await dbA.close();
    await dbB.close();
    const shown = (x: number) => (Number.isFinite(x) ? ms(x) : `> ${ms(PEER_TIMEOUT_MS)}`);
    const row = (what: string, ours: number[], theirs: number[], peer: string) =>
      console.log(
        `${what.padEnd(44)} lockstep ${ms(median(ours)).padStart(9)}   ${peer.padEnd(18)} ${shown(median(theirs)).padStart(11)}   ${Number.isFinite(median(theirs)) ? '' : 'more than '}${(Math.min(median(theirs), PEER_TIMEOUT_MS) / median(ours)).toFixed(1)}x`,
      );
    console.log(`# peers, median of ${CMP_RUNS}: the same two ${TABLES}-table PostgreSQL databases (a peer command is stopped after ${PEER_TIMEOUT_MS / 1000} s)`);
    if (library) row('compare two databases, library call', lib.lockstep, lib.migra, '@pgkit/migra');
    row('compare two databases, command', cli.lockstep, cli.migra, 'migra');
    row('read one database into a file, command', cli.snapshot, cli.pull, 'drizzle-kit pull');
  } finally {
    rmSync(out, { recursive: true, force: true });
    await dropPgDatabase(urlB);
  }
}

const postgres = await resolveTestPostgres();
console.log(`# ${TABLES} tables × 10 columns, 2 indexes, 1 foreign key each (PostgreSQL: a function, trigger and policy per 10 tables); median of ${RUNS} runs. PostgreSQL: ${postgres.display} (${postgres.origin})`);
process.env.LOCKSTEP_TEST_PG_URL = postgres.url;
const pgUrl = await createPgDatabase('lockstep_bench');
try {
  const db = await connect(pgUrl);
  try {
    await bench('postgres', db);
    if (process.env.BENCH_PEERS !== '0') await compareWithPeers(pgUrl);
  } finally {
    await db.close();
  }
} finally {
  await dropPgDatabase(pgUrl);
}

const dir = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
try {
  const db = await connect(`sqlite:${join(dir, 'bench.db')}`);
  try {
    await bench('sqlite', db);
  } finally {
    await db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await postgres.stop();
}
