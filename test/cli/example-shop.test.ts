import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '../../src/dialects/index.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/cli.js';

test('examples/shop: check before and after the database exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-shop-'));
  try {
    cpSync(join(REPO_ROOT, 'examples', 'shop'), dir, { recursive: true });
    rmSync(join(dir, '.lockstep'), { recursive: true, force: true });
    const first = await runCli(['check', '--config', join(dir, 'lockstep.config.json')], { cwd: dir });
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, /note: sqlite:\.lockstep\/shop\.db does not exist yet/);
    assert.match(first.stdout, /4 changes in 4 objects/);
    assert.match(first.stdout, /✓ migrations reach the schema file/);

    mkdirSync(join(dir, '.lockstep'));
    const db = await connect(`sqlite:${join(dir, '.lockstep', 'shop.db')}`);
    try {
      for (const m of readMigrationsFolder(join(dir, 'migrations'))) await db.exec(m.up);
    } finally {
      await db.close();
    }
    const second = await runCli(['check'], { cwd: dir });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /✓ in sync/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
