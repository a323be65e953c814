import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/core/config.js';
import { createHealthChecker, type HealthChecker } from '../../src/health/health-checker.js';
import type { ProbeResult } from '../../src/health/health-report.js';
import { openJobStore } from '../../src/jobs/open-job-store.js';
import { migrateUp, readMigrationsFolder } from '../../src/migrations/migrator.js';
import { createTestDatabase, DIALECTS, testPgUrl, urlWithPassword } from '../helpers/databases.js';
import { startTcpProxy } from './tcp-proxy.js';

/** A project folder with a migrations folder and health thresholds small enough for a test. */
function makeProject(url: string, devUrl?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-health-'));
  mkdirSync(join(dir, 'migrations', '001_items'), { recursive: true });
  writeFileSync(join(dir, 'migrations', '001_items', 'up.sql'), 'create table items (id integer primary key, sku varchar(40) not null);\n');
  writeFileSync(join(dir, 'migrations', '001_items', 'down.sql'), 'drop table items;\n');
  writeFileSync(
    join(dir, 'lockstep.config.json'),
    JSON.stringify({
      url,
      ...(devUrl ? { devUrl } : {}),
      migrations: 'migrations',
      health: { driftCacheMs: 0, workers: { staleAfterSeconds: 1 }, queueLagSeconds: { degraded: 1, failing: 2 } },
    }),
  );
  return dir;
}

async function probe(checker: HealthChecker, name: string): Promise<ProbeResult> {
  const { report } = await checker.snapshot({ fresh: true });
  const found = report.probes.find((p) => p.name === name);
  assert.ok(found, `probe ${name} missing`);
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of DIALECTS) {
  describe(`health probes on ${dialect}`, () => {
    test('each probe flips to failing under its condition and back', async () => {
      const t = await createTestDatabase(dialect);
      const dir = makeProject(t.url, dialect === 'postgres' ? testPgUrl() : undefined);
      const config = loadConfig({ cwd: dir, env: {} });
      const checker = createHealthChecker({ config });
      const { store, close } = await openJobStore({ db: t.db });
      try {
        await migrateUp(t.db, readMigrationsFolder(join(dir, 'migrations')));
        await store.install();
        await checker.snapshot({ fresh: true }); // builds the expected schema once (a scratch database)
        await store.registerWorker({ id: 'w1', hostname: 'test', pid: 1, queues: null, tasks: ['sync'], concurrency: 1 });

        const first = await checker.snapshot({ fresh: true });
        assert.deepEqual(
          first.report.probes.map((p) => [p.name, p.status]),
          [
            ['database', 'ok'],
            ['migrations', 'ok'],
            ['schema', 'ok'],
            ['jobs-schema', 'ok'],
            ['workers', 'ok'],
            ['queue-lag', 'ok'],
            ['expired-leases', 'ok'],
            ['dead-jobs', 'ok'],
          ],
          JSON.stringify(first.report.probes, null, 2),
        );
        assert.equal(first.report.ok, true);

        // Pending migration.
        mkdirSync(join(dir, 'migrations', '002_price'));
        writeFileSync(join(dir, 'migrations', '002_price', 'up.sql'), 'alter table items add column price integer;\n');
        let p = await probe(checker, 'migrations');
        assert.equal(p.status, 'failing');
        assert.match(p.message, /1 pending: 002_price/);
        await migrateUp(t.db, readMigrationsFolder(join(dir, 'migrations')));
        assert.equal((await probe(checker, 'migrations')).status, 'ok');
        // The new migration is part of the expected schema now: still no drift.
        assert.equal((await probe(checker, 'schema')).status, 'ok');

        // Drift introduced behind lockstep's back.
        await t.db.exec('alter table items add column note text');
        p = await probe(checker, 'schema');
        assert.equal(p.status, 'failing');
        assert.match(p.message, /1 difference .*1 column\.extra/);
        await t.db.exec('alter table items drop column note');
        assert.equal((await probe(checker, 'schema')).status, 'ok');

        // Worker killed: its heartbeat stops.
        await sleep(1300);
        p = await probe(checker, 'workers');
        assert.equal(p.status, 'failing');
        assert.match(p.message, /0 live workers, at least 1 expected; 1 stopped heartbeating/);
        await store.registerWorker({ id: 'w2', hostname: 'test', pid: 2, queues: null, tasks: ['sync'], concurrency: 1 });
        p = await probe(checker, 'workers');
        assert.equal(p.status, 'degraded', p.message); // one live again, one still silent
        assert.match(p.message, /^1 live/);

        // Lease expired: a claimed job whose worker never heartbeats.
        const [job] = await store.enqueue([{ task: 'sync', queue: 'default', payload: {}, key: null, runAt: null, priority: 0, maxAttempts: 3 }]);
        const claimed = await store.claim({ workerId: 'w2', queues: null, tasks: ['sync'], limit: 1, leaseMs: 100 });
        assert.equal(claimed[0]?.id, job.id);
        await sleep(250);
        p = await probe(checker, 'expired-leases');
        assert.equal(p.status, 'failing');
        assert.match(p.message, /1 running job has an expired lease/);
        await store.rescueExpired('w2');
        assert.equal((await probe(checker, 'expired-leases')).status, 'ok');

        // Old queued job: the rescued job is ready; make it old.
        await store.cancelJob(job.id);
        await store.enqueue([{ task: 'sync', queue: 'default', payload: {}, key: 'old', runAt: new Date(Date.now() - 10_000), priority: 0, maxAttempts: 3 }]);
        p = await probe(checker, 'queue-lag');
        assert.equal(p.status, 'failing');
        assert.match(p.message, /oldest ready job has waited 1\d(\.\d)?s/);
        const [old] = await store.listJobs({ search: 'old' });
        await store.cancelJob(old.id);
        assert.equal((await probe(checker, 'queue-lag')).status, 'ok');

        // The cached statistics the elected worker keeps are read while fresh (statsCacheMs,
        // default 15 s): a job that became old after the refresh is seen at the next one.
        await store.refreshStats();
        await store.enqueue([{ task: 'sync', queue: 'default', payload: {}, key: 'old2', runAt: new Date(Date.now() - 10_000), priority: 0, maxAttempts: 3 }]);
        const cached = await checker.snapshot({ fresh: true });
        assert.equal(cached.report.probes.find((x) => x.name === 'queue-lag')!.status, 'ok', 'read from the cached copy');
        assert.ok(cached.facts.jobs.statsAgeMs >= 0 && cached.facts.jobs.statsAgeMs < 15_000);
        await store.refreshStats();
        p = await probe(checker, 'queue-lag');
        assert.equal(p.status, 'failing', 'the refreshed copy sees the old job');
      } finally {
        await close();
        await checker.close();
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('database probe', () => {
  test('fails while the PostgreSQL server is unreachable, and recovers when it is back', async () => {
    const { url, secret } = urlWithPassword();
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(proxy.port);
    const checker = createHealthChecker({ url: url.toString(), cwd: tmpdir(), settings: { timeoutMs: 2000 } });
    try {
      assert.equal((await probe(checker, 'database')).status, 'ok');
      await proxy.stop();
      const down = await checker.snapshot({ fresh: true });
      const db = down.report.probes.find((p) => p.name === 'database')!;
      assert.equal(db.status, 'failing');
      assert.equal(down.report.status, 'failing');
      assert.match(db.message, /unreachable/);
      assert.ok(!JSON.stringify(down.report).includes(secret), 'the password is never printed');
      await proxy.start();
      assert.equal((await probe(checker, 'database')).status, 'ok');
    } finally {
      await checker.close();
      await proxy.stop().catch(() => {});
    }
  });

  test('a SQLite file that cannot be opened is reported, not thrown', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'lockstep-health-')), 'a-file');
    writeFileSync(blocker, '');
    const checker = createHealthChecker({ url: `sqlite:${blocker}/app.db`, cwd: tmpdir() });
    try {
      const { report } = await checker.snapshot();
      assert.equal(report.probes[0].status, 'failing');
      assert.equal(report.ok, false);
    } finally {
      await checker.close();
    }
  });
});

test('a config with a bad health section names the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-health-'));
  writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url: 'sqlite::memory:', health: { queueLagSeconds: { failing: 'soon' } } }));
  try {
    assert.throws(() => createHealthChecker({ config: loadConfig({ cwd: dir, env: {} }) }), /health\.queueLagSeconds\.failing must be a non-negative number, found "soon"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
