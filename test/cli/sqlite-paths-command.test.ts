import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { makeProject, writeMigration } from '../migrations/helpers.js';

// Read-only commands, then `migrate up`: none creates a missing folder, and the read-only ones create no file.
const READ_ONLY = [['migrate', 'status'], ['migrate', 'verify'], ['health'], ['jobs', 'list'], ['lint'], ['rehearse']];

test('a sqlite: path whose folder does not exist: every command exits 2 naming it and creates nothing', async () => {
  const project = makeProject();
  try {
    writeMigration(project, '001_users', 'create table users (id integer primary key);');
    const url = `sqlite:${join(project.dir, 'dtaa', 'app.db')}`;
    const runs = await Promise.all([...READ_ONLY, ['migrate', 'up']].map((args) => runCli([...args, '--url', url], { cwd: project.dir, timeoutMs: 400_000 })));
    runs.forEach((r, i) => {
      const command = [...READ_ONLY, ['migrate', 'up']][i].join(' ');
      assert.equal(r.code, 2, `${command}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /dtaa/, `${command} names the path: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /healthy/);
    });
    assert.equal(existsSync(join(project.dir, 'dtaa')), false);
  } finally {
    project.dispose();
  }
});

test('a missing file in an existing folder: read-only commands exit 2 and create nothing; migrate up creates it', async () => {
  const project = makeProject();
  try {
    writeMigration(project, '001_users', 'create table users (id integer primary key);');
    const file = join(project.dir, 'app.db');
    const runs = await Promise.all(READ_ONLY.map((args) => runCli([...args, '--url', `sqlite:${file}`], { cwd: project.dir, timeoutMs: 400_000 })));
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, `${READ_ONLY[i].join(' ')}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes(`SQLite database not found: ${file}`), `${READ_ONLY[i].join(' ')}: ${r.stderr}`);
    });
    assert.deepEqual(readdirSync(project.dir).sort(), ['migrations']);

    const up = await runCli(['migrate', 'up', '--url', `sqlite:${file}`], { cwd: project.dir });
    assert.equal(up.code, 0, up.stderr);
    assert.equal(existsSync(file), true);
  } finally {
    project.dispose();
  }
});

test('migrate status in an empty project does not create .lockstep/dev.db', async () => {
  const project = makeProject({ 'migrations/.gitkeep': '' });
  try {
    const r = await runCli(['migrate', 'status'], { cwd: project.dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /\.lockstep\/dev\.db/);
    assert.equal(existsSync(join(project.dir, '.lockstep')), false);
  } finally {
    project.dispose();
  }
});
