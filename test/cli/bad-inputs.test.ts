import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDashboard } from '../../src/dashboard/open-dashboard.js';
import { createDashboardJobs } from '../../src/dashboard/dashboard-jobs.js';
import { loadConfig } from '../../src/core/config.js';
import { connect } from '../../src/dialects/index.js';
import { createQueue } from '../../src/jobs/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, testPgUrl } from '../helpers/databases.js';
import { startTcpProxy } from '../health/tcp-proxy.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

function project(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-bad-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** The test server's URL with another user, port or database. */
function pgUrl(change: { user?: string; password?: string; port?: string; database?: string }): string {
  const url = new URL(testPgUrl());
  if (change.user !== undefined) url.username = change.user;
  if (change.password !== undefined) url.password = change.password;
  if (change.port !== undefined) url.port = change.port;
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  return url.toString();
}

describe('lockstep dashboard fails at start like every other command', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['malformed', 'postgres://', /malformed database URL/],
    ['not a URL', 'mysql://root@localhost/app', /unsupported database URL/],
    ['unreachable', pgUrl({ port: '1' }), /cannot connect to PostgreSQL at 127\.0\.0\.1:1/],
    ['wrong user', pgUrl({ user: 'lockstep_no_such_role', password: 'pw' }), /authentication failed for user "lockstep_no_such_role"/],
    ['no such database', pgUrl({ database: 'lockstep_no_such_db' }), /database "lockstep_no_such_db" does not exist/],
  ];
  for (const [what, url, expected] of cases) {
    test(`${what}: exit 2 with the reason, no server left running`, { timeout: 60_000 }, async () => {
      const r = await runCliInProcess(['dashboard', '--port', '0', '--url', url], { cwd: project() });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stdout, /lockstep dashboard: http/);
    });
  }

  test('once running, a lost connection shows in the page data and comes back', { timeout: 90_000 }, async () => {
    const server = new URL(testPgUrl());
    const proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    cleanups.push(() => proxy.stop().catch(() => {}));
    const url = pgUrl({ port: String(proxy.port) });
    const dashboard = await openDashboard({ config: loadConfig({ cwd: project(), url, env: {} }), port: 0 });
    cleanups.push(() => dashboard.close());
    const overview = async () => (await (await fetch(`${dashboard.publicUrl}api/overview`)).json()) as { report: { probes: Array<{ name: string; status: string; message: string }> } };
    const probe = async () => (await overview()).report.probes.find((p) => p.name === 'database')!;
    // The page polls once a second and the checker shares a read for a second: poll like it.
    const pollUntil = async (done: (p: { status: string }) => boolean) => {
      let last = await probe();
      for (let i = 0; i < 40 && !done(last); i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        last = await probe();
      }
      return last;
    };
    assert.equal((await probe()).status, 'ok');
    await proxy.stop();
    const lost = await pollUntil((p) => p.status !== 'ok');
    assert.equal(lost.status, 'failing');
    assert.match(lost.message, /unreachable: cannot connect to PostgreSQL/);
    await proxy.start();
    const back = await pollUntil((p) => p.status === 'ok');
    assert.equal(back.status, 'ok', back.message);
  });
});

describe('smaller bad inputs get a clear message and exit 2', () => {
  test('--config pointing at a directory', async () => {
    const dir = project({ 'conf/lockstep.config.json': '{}' });
    for (const command of [['check'], ['migrate', 'status'], ['jobs', 'list'], ['dashboard', '--port', '0']]) {
      const r = await runCliInProcess([...command, '--config', 'conf'], { cwd: dir });
      assert.equal(r.code, 2, command.join(' '));
      assert.match(r.stderr, /--config expects a JSON file, found a directory: conf/);
      assert.match(r.stderr, /Pass --config conf\/lockstep\.config\.json/);
      assert.doesNotMatch(r.stderr, /not valid JSON/);
    }
  });

  test('a psql meta-command that stands for SQL (\\i) in a pg_dump-style schema.sql: exit 2 at file:line; \\restrict lines are skipped', { timeout: 60_000 }, async () => {
    const t = await createTestDatabase('postgres');
    cleanups.push(() => t.dispose());
    const dump = '\\restrict abc123\nSET client_encoding = \'UTF8\';\ncreate table a (id int);\n\\unrestrict abc123\n';
    const dir = project({ 'schema.sql': `${dump}\\i more.sql\n`, 'dump.sql': dump });
    const env = { LOCKSTEP_DEV_URL: testPgUrl() };
    const r = await runCliInProcess(['check', '--url', t.url], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /schema\.sql:5: \\i is a psql meta-command, not SQL, and lockstep runs SQL only/);
    assert.match(r.stderr, /Replace the line at \S*schema\.sql:5 with the SQL it stands for/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    await t.db.exec('create table a (id int)');
    const ok = await runCliInProcess(['check', '--url', t.url, '--schema', 'dump.sql'], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });

  for (const dialect of DIALECTS) {
    test(`binary garbage in schema.sql on ${dialect}: "not a text file", not a protocol error`, { timeout: 60_000 }, async () => {
      const garbage = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xfe, 0x63, 0x72]);
      const t = await createTestDatabase(dialect);
      cleanups.push(() => t.dispose());
      const dir = project({ 'schema.sql': garbage, 'latin1.sql': Buffer.from('create table caf\xe9 (id int);\n', 'latin1') });
      const env = { LOCKSTEP_DEV_URL: testPgUrl() };
      const r = await runCliInProcess(['check', '--url', t.url], { cwd: dir, env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /schema file \S*schema\.sql is not a text file: byte 0x00 at line 3 \(offset 8\), expected SQL text in UTF-8/);
      assert.doesNotMatch(r.stderr, /invalid message format/);
      const latin1 = await runCliInProcess(['check', '--url', t.url, '--schema', 'latin1.sql'], { cwd: dir, env });
      assert.equal(latin1.code, 2);
      assert.match(latin1.stderr, /latin1\.sql is not a text file: byte 0xe9 at line 1 \(offset 16\)/);
    });

    test(`job search treats % and _ literally on ${dialect} (CLI and dashboard)`, async () => {
      const t = await createTestDatabase(dialect);
      cleanups.push(() => t.dispose());
      const queue = await createQueue({ url: t.url });
      cleanups.push(() => queue.close());
      await queue.install();
      for (const key of ['100%-done', '100x-done', 'snake_case', 'snakeXcase']) await queue.enqueue('sync', null, { key });
      const keys = async (search: string) => (await queue.listJobs({ search })).map((j) => j.key).sort();
      assert.deepEqual(await keys('%'), ['100%-done']);
      assert.deepEqual(await keys('0%-'), ['100%-done']);
      assert.deepEqual(await keys('_'), ['snake_case']);
      assert.deepEqual(await keys('SNAKE'), ['snakeXcase', 'snake_case'], 'still case-insensitive');
      const db = await connect(t.url);
      cleanups.push(() => db.close());
      const jobs = createDashboardJobs(async () => db);
      cleanups.push(() => jobs.close());
      assert.deepEqual((await jobs.list({ search: '_' })).jobs.map((j) => j.key), ['snake_case']);
      const cli = await runCliInProcess(['jobs', 'list', '--search', '%', '--json', '--url', t.url], { cwd: project() });
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual((JSON.parse(cli.stdout) as Array<{ key: string }>).map((j) => j.key), ['100%-done']);
    });
  }
});
