import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createQueue } from '../../src/jobs/queue.js';
import { cliCommand, demoTasksFile } from '../../src/demo/demo-files.js';

test('lockstep worker --health-port serves /livez and /readyz for the worker itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-worker-health-'));
  const url = `sqlite:${join(dir, 'app.db')}`;
  const queue = await createQueue({ url });
  await queue.install();
  await queue.close();
  const cli = cliCommand();
  const child = spawn(cli.command, [...cli.args, 'worker', '--tasks', demoTasksFile(), '--url', url, '--health-port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let stderr = '';
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no health URL printed:\n${stderr}`)), 30_000);
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const m = /health endpoints on (http:\/\/[^/\s]+)\/livez/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const live = await fetch(`${base}/livez`);
    assert.equal(live.status, 200);
    assert.equal((await live.json()).pid, child.pid, '/livez answers from the worker process');
    const ready = await fetch(`${base}/readyz`);
    const report = await ready.json();
    assert.equal(ready.status, 200, JSON.stringify(report));
    const workers = report.probes.find((p: { name: string }) => p.name === 'workers');
    assert.equal(workers.status, 'ok');
    assert.match(workers.message, /^1 live/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
