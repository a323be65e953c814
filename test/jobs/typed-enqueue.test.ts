// Typed enqueue: a fixture that must compile and one that must fail, each run through `tsc --noEmit`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test/jobs/fixtures/typed-enqueue');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/** Runs tsc on one fixture (its tsconfig.<name>.json extends the project's); exit code and diagnostics. */
function typeCheck(file: string): Promise<{ code: number; output: string }> {
  const config = join(fixtures, `tsconfig.${file.replace(/\.ts$/, '')}.json`);
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

test('typed enqueue: the fixture that must compile compiles', async () => {
  const { code, output } = await typeCheck('must-compile.ts');
  assert.equal(code, 0, output);
});

test('typed enqueue: an unknown task name or a wrong payload is a type error, on exactly the marked lines', async () => {
  const { code, output } = await typeCheck('must-fail.ts');
  assert.notEqual(code, 0, 'must-fail.ts compiled');
  const expected = readFileSync(join(fixtures, 'must-fail.ts'), 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.includes('// expect-error') ? [i + 1] : []));
  const reported = [...new Set([...output.matchAll(/must-fail\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  assert.equal(expected.length, 10);
  assert.deepEqual(reported, expected, output);
  assert.doesNotMatch(output, /tasks\.ts\(|must-compile/, 'no error outside the marked lines');
});
