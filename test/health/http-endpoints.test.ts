import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/core/config.js';
import { connect } from '../../src/dialects/index.js';
import type { Database } from '../../src/dialects/database.js';
import { createHealthChecker, type HealthChecker } from '../../src/health/health-checker.js';
import { createHealthHandler } from '../../src/http/health-handler.js';
import { closeServer, listen } from '../../src/http/listen.js';
import { renderPrometheus } from '../../src/http/prometheus.js';
import { createQueue } from '../../src/jobs/queue.js';
import { migrateUp, readMigrationsFolder } from '../../src/migrations/migrator.js';

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format 0.0.4: every line is a HELP, a TYPE or a
 * sample; a family is typed once, before its samples; label values use only the three
 * escapes the format allows. Throws on the first line that breaks a rule.
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: ParsedSample[] } {
  assert.ok(text.endsWith('\n'), 'exposition must end with a newline');
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: ParsedSample[] = [];
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const value = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|NaN|[+-]Inf)';
  const labelValue = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(`^(${name})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})(?:,[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})*,?)?\\})? (${value})(?: -?\\d+)?$`);
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${line}`;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${name}) (.*)$`).exec(line))) {
      assert.ok(!helped.has(m[1]), `second HELP for ${m[1]}`);
      helped.add(m[1]);
    } else if ((m = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      assert.ok(!types.has(m[1]), `second TYPE for ${m[1]}`);
      types.set(m[1], m[2]);
    } else if ((m = sample.exec(line))) {
      assert.ok(types.has(m[1]), `sample before TYPE (${where})`);
      const labels: Record<string, string> = {};
      for (const pair of (m[2] ?? '').matchAll(new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)=(${labelValue})`, 'g'))) {
        labels[pair[1]] = JSON.parse(pair[2]); // the format's three escapes are JSON's too
      }
      samples.push({ name: m[1], labels, value: Number(m[3].replace('Inf', 'Infinity')) });
    } else {
      assert.fail(`not Prometheus text format (${where})`);
    }
  }
  return { types, samples };
}

const find = (samples: ParsedSample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('health HTTP endpoints', () => {
  let dir: string;
  let db: Database;
  let checker: HealthChecker;
  let server: Server;
  let base: string;
  let probeCalls = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-http-'));
    mkdirSync(join(dir, 'migrations', '001_items'), { recursive: true });
    writeFileSync(join(dir, 'migrations', '001_items', 'up.sql'), 'create table items (id integer primary key);\n');
    const url = `sqlite:${join(dir, 'app.db')}`;
    writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url, migrations: 'migrations', health: { driftCacheMs: 0, workers: { min: 0 } } }));
    db = await connect(url);
    await migrateUp(db, readMigrationsFolder(join(dir, 'migrations')));
    const queue = await createQueue({ db });
    await queue.install();
    await queue.enqueue('send-mail', { to: 'a"b\\c' }, { queue: 'mail "quoted"' });
    await queue.enqueue('send-mail', {}, { queue: 'mail "quoted"' });
    await queue.enqueue('report', {}, { runAt: new Date(Date.now() + 60_000) });
    await queue.close();
    checker = createHealthChecker({ config: loadConfig({ cwd: dir, env: {} }), maxAgeMs: 0 });
    const original = checker.snapshot.bind(checker);
    checker.snapshot = (options) => {
      probeCalls++;
      return original(options);
    };
    server = createServer(createHealthHandler(checker));
    base = await listen(server, 0, '127.0.0.1');
  });

  after(async () => {
    await closeServer(server);
    await checker.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/livez answers without touching the database', async () => {
    const before = probeCalls;
    const res = await fetch(`${base}/livez`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, 'ok');
    assert.equal(probeCalls, before);
  });

  test('/readyz is 200 with the report when healthy, 503 when a probe fails', async () => {
    let res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 200);
    const report = await res.json();
    assert.equal(report.status, 'ok');
    assert.equal(report.probes.length, 8);
    await db.exec('create table sneaky (id integer)');
    res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 503);
    const failing = (await res.json()).probes.filter((p: { status: string }) => p.status === 'failing');
    assert.deepEqual(failing.map((p: { name: string }) => p.name), ['schema']);
    await db.exec('drop table sneaky');
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  test('/metrics parses as Prometheus text format and carries the queue numbers', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(await res.text());
    for (const family of ['lockstep_jobs', 'lockstep_queue_lag_seconds', 'lockstep_workers', 'lockstep_schema_drift_changes', 'lockstep_migrations_pending', 'lockstep_jobs_finished_last_minute', 'lockstep_job_failures_last_minute']) {
      assert.equal(types.get(family), 'gauge', family);
    }
    assert.equal(find(samples, 'lockstep_jobs', { queue: 'mail "quoted"', state: 'queued' })?.value, 2);
    assert.equal(find(samples, 'lockstep_jobs', { queue: 'default', state: 'scheduled' })?.value, 1, 'a job due in a minute is scheduled');
    assert.equal(find(samples, 'lockstep_jobs', { queue: 'default', state: 'queued' })?.value, 0);
    assert.equal(find(samples, 'lockstep_jobs', { queue: 'default', state: 'dead' })?.value, 0);
    assert.equal(find(samples, 'lockstep_migrations_pending')?.value, 0);
    assert.equal(find(samples, 'lockstep_schema_drift_changes')?.value, 0);
    assert.equal(find(samples, 'lockstep_workers', { state: 'live' })?.value, 0);
    assert.ok((find(samples, 'lockstep_queue_lag_seconds')?.value ?? -1) >= 0);
    assert.equal(find(samples, 'lockstep_health_probe_status', { probe: 'database' })?.value, 0);
  });

  test('unknown paths are 404, other methods 405, and an express-style next() gets the rest', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/readyz`, { method: 'POST' })).status, 405);
    const handler = createHealthHandler(checker);
    let passed = false;
    handler({ url: '/api/orders', method: 'GET' } as never, {} as never, () => (passed = true));
    assert.equal(passed, true);
  });
});

test('renderPrometheus escapes label values and help text, and rejects bad names', () => {
  const text = renderPrometheus([{ name: 'x_total', help: 'a\\b\nc', type: 'counter', samples: [{ labels: { q: 'say "hi"\\\n' }, value: 1.5 }, { value: Infinity }] }]);
  assert.equal(text, '# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total{q="say \\"hi\\"\\\\\\n"} 1.5\nx_total +Inf\n');
  const { samples } = parsePrometheus(text);
  assert.equal(samples[0].labels.q, 'say "hi"\\\n');
  assert.throws(() => renderPrometheus([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /invalid Prometheus metric name/);
  assert.throws(() => renderPrometheus([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }]), /invalid Prometheus label name/);
});
