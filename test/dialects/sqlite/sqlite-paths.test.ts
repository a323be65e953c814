import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, DatabaseNotFoundError } from '../../../src/dialects/index.js';

/** Runs `fn` in a fresh temporary folder, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-paths-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function refusal(url: string, options: { mustExist?: boolean } = {}): Promise<DatabaseNotFoundError> {
  try {
    const db = await connect(url, options);
    await db.close();
  } catch (error) {
    assert.ok(error instanceof DatabaseNotFoundError, `expected DatabaseNotFoundError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail(`${url} was opened`);
}

test('a SQLite path whose folder is missing is refused, naming it, and nothing is created', async () => {
  await inTempDir(async (dir) => {
    const error = await refusal(`sqlite:${join(dir, 'dtaa', 'app.db')}`);
    assert.match(error.message, new RegExp(`its folder ${join(dir, 'dtaa').replace(/[/.]/g, '\\$&')} does not exist`));
    assert.match(error.hint ?? '', /mkdir -p/);
    assert.equal(existsSync(join(dir, 'dtaa')), false);
    await refusal(`sqlite:${join(dir, 'a', 'b', 'app.db')}`, { mustExist: true });
    assert.equal(existsSync(join(dir, 'a')), false);
  });
});

test('mustExist refuses a missing file in an existing folder and creates nothing; without it the file is created', async () => {
  await inTempDir(async (dir) => {
    const file = join(dir, 'app.db');
    const error = await refusal(`sqlite:${file}`, { mustExist: true });
    assert.equal(error.message, `SQLite database not found: ${file}`);
    assert.equal(error.path, file);
    assert.equal(existsSync(file), false);

    const created = await connect(`sqlite:${file}`);
    await created.exec('create table t (id integer)');
    await created.close();
    const opened = await connect(`sqlite:${file}`, { mustExist: true });
    assert.deepEqual((await opened.query('select count(*) as n from t')).rows, [{ n: 0 }]);
    await opened.close();
  });
});

test("lockstep's own .lockstep/ folder is the one missing folder that is created", async () => {
  await inTempDir(async (dir) => {
    const db = await connect(`sqlite:${join(dir, '.lockstep', 'dev.db')}`);
    await db.close();
    assert.equal(existsSync(join(dir, '.lockstep', 'dev.db')), true);
    await refusal(`sqlite:${join(dir, 'missing', '.lockstep', 'dev.db')}`);
    assert.equal(existsSync(join(dir, 'missing')), false);
  });
});
