import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

const dir = mkdtempSync(join(tmpdir(), 'lockstep-pipe-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// Enough migrations that `migrate status` writes many lines after the reader has gone.
for (let i = 1; i <= 600; i++) {
  const folder = join(dir, 'migrations', `${String(i).padStart(4, '0')}_step`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'up.sql'), `create table t${i} (id integer);\n`);
}
// `migrate status` reads an existing database and creates none: give it an empty one.
new BetterSqlite3(join(dir, 'app.db')).close();

/** `lockstep ARGS | head -1`: reads the first chunk of stdout, then closes the pipe. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, BIN, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: `sqlite:${join(dir, 'app.db')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let first = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', (d) => {
      first = String(d).split('\n')[0];
      child.stdout.destroy();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, first });
    });
  });
}

test('output to a closed pipe ends quietly: no EPIPE, no stack trace, the command still exits normally', async () => {
  for (let run = 0; run < 3; run++) {
    const r = await runIntoClosedPipe(['migrate', 'status']);
    assert.match(r.first, /current version/);
    assert.doesNotMatch(r.stderr, /EPIPE|Error:|at .*\.js:\d+/, r.stderr);
    assert.equal(r.signal, null);
    // 1: pending migrations are not a problem for status; the code is the command's own.
    assert.equal(r.code, 0, r.stderr);
  }
});
