import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without type declarations
import { LAYERS, layerViolations } from '../../scripts/check-layers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layering of src/', () => {
  it('has no upward or sideways import between folders', () => {
    assert.deepEqual(layerViolations(root), []);
  });

  it('puts core at the bottom and the CLI on top', () => {
    assert.equal(LAYERS[0], 'core');
    assert.equal(LAYERS.at(-1), 'cli');
  });

  it('reports an upward import with file:line', () => {
    const dir = tree({
      'src/core/model.ts': "export const a = 1;\nimport { b } from '../jobs/queue.js';\n",
      'src/jobs/queue.ts': "import { a } from '../core/model.js';\nexport const b = a;\n",
    });
    try {
      const problems: string[] = layerViolations(dir);
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /^src\/core\/model\.ts:2: core \(layer 0\) imports \.\.\/jobs\/queue\.js in jobs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a folder without a layer, dynamic imports and imports of the public surface', () => {
    const dir = tree({
      'src/index.ts': "export * from './core/model.js';\n",
      'src/core/model.ts': 'export const a = 1;\n',
      'src/widgets/w.ts': "import { a } from '../core/model.js';\n",
      'src/check/c.ts': "const m = await import('../cli/main.js');\nimport x from '../index.js';\n",
      'src/cli/main.ts': 'export {};\n',
    });
    try {
      const problems = layerViolations(dir).join('\n');
      assert.match(problems, /src\/widgets\/ has no layer/);
      assert.match(problems, /src\/check\/c\.ts:1: check \(layer \d+\) imports \.\.\/cli\/main\.js/);
      assert.match(problems, /src\/check\/c\.ts:2: imports \.\.\/index\.js, a top-level file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
