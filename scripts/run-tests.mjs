#!/usr/bin/env node
// The test command (`npm test`). Finds test/**/*.test.ts, makes sure a PostgreSQL server
// is there for the tests (LOCKSTEP_TEST_PG_URL, else the local server when it answers,
// else an embedded one started here), then runs node's test runner through tsx.
//
//   npm test                     every test
//   npm test -- test/schema      only the files under a path (or matching a substring)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'fixtures' && entry !== 'node_modules') out.push(...findTests(path));
    } else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

const files = findTests(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x.replace(/^\.\//, ''))));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(2);
}

// The dashboard's browser tests drive Debian's Chromium through playwright-core; install it
// on first use (as root, e.g. in CI or a fresh container) rather than asking the reader to.
if (files.some((f) => f.startsWith(join('test', 'dashboard')))) ensureChromium();

const { register } = await import('tsx/esm/api');
register();
const { resolveTestPostgres } = await import('../test/helpers/test-postgres.ts');
const postgres = await resolveTestPostgres();
console.log(`# PostgreSQL for tests: ${postgres.display} (${postgres.origin})`);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.LOCKSTEP_TEST_CONCURRENCY ?? 2}`, ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, LOCKSTEP_TEST_PG_URL: postgres.url } },
);
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await postgres.stop();
process.exit(code);

function ensureChromium() {
  if (existsSync('/usr/bin/chromium') || process.getuid?.() !== 0) return;
  console.log('# installing chromium for the dashboard browser tests (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      console.error(`# apt-get ${args.join(' ')} failed; the dashboard browser tests will fail to launch chromium`);
      return;
    }
  }
}
