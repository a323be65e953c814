import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatSnapshot } from '../../src/core/snapshot.js';
import { getDialect } from '../../src/dialects/index.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, testPgUrl, urlWithPassword } from '../helpers/databases.js';

// The README promises `check` takes a URL or a snapshot as the expected schema.
for (const dialect of DIALECTS) {
  describe(`check --schema with a database URL or a snapshot on ${dialect}`, () => {
    test('the expected schema comes from the URL or the snapshot, not from a file of that name', async () => {
      const live = await createTestDatabase(dialect);
      const expected = await createTestDatabase(dialect);
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-check-src-'));
      try {
        await live.db.exec('create table users (id integer primary key)');
        await expected.db.exec('create table users (id integer primary key, email text)');
        const snapshot = join(dir, 'expected.json');
        writeFileSync(snapshot, formatSnapshot(await getDialect(dialect).introspect(expected.db)));
        let expectedUrl = expected.url;
        let secret = '\u0000';
        if (dialect === 'postgres') {
          const withPassword = urlWithPassword(expected.url);
          [expectedUrl, secret] = [withPassword.url.toString(), withPassword.secret];
        }

        const [byUrl, bySnapshot, inSync, otherDialect] = await Promise.all([
          runCli(['check', '--url', live.url, '--schema', expectedUrl, '--json'], { cwd: dir, timeoutMs: 400_000 }),
          runCli(['check', '--url', live.url, '--schema', 'expected.json'], { cwd: dir, timeoutMs: 400_000 }),
          runCli(['check', '--url', expected.url, '--schema', snapshot], { cwd: dir, timeoutMs: 400_000 }),
          runCli(['check', '--url', dialect === 'sqlite' ? testPgUrl() : 'sqlite::memory:', '--schema', 'expected.json'], { cwd: dir, timeoutMs: 400_000 }),
        ]);

        assert.equal(byUrl.code, 1, byUrl.stdout + byUrl.stderr);
        const report = JSON.parse(byUrl.stdout);
        assert.deepEqual(report.changes.map((c: { kind: string; table: string }) => `${c.kind} ${c.table}`), ['column.missing users']);
        assert.ok(!byUrl.stdout.includes(secret), 'the password of the expected URL is not printed');
        if (dialect === 'postgres') assert.match(report.expected.source, /^postgres:\/\/[^@]*:\*\*\*@/);
        else assert.match(report.expected.source, /^sqlite:.*lockstep-test-[^/]+\/test\.db$/);

        assert.equal(bySnapshot.code, 1, bySnapshot.stdout + bySnapshot.stderr);
        assert.match(bySnapshot.stdout, /column users\.email is missing/);
        assert.match(bySnapshot.stdout, /expected\.json/);
        assert.equal(inSync.code, 0, inSync.stdout + inSync.stderr);

        assert.equal(otherDialect.code, 2, otherDialect.stdout + otherDialect.stderr);
        assert.match(otherDialect.stderr, new RegExp(`expected\\.json is a ${dialect} snapshot`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await live.dispose();
        await expected.dispose();
      }
    });
  });
}
