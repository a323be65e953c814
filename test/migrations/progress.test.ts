import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { CommandContext } from '../../src/cli/command.js';
import { progressPrinter } from '../../src/cli/commands/migrate-common.js';
import { loadConfig } from '../../src/core/config.js';

function context(isTTY: boolean): { ctx: CommandContext; out: () => string } {
  let out = '';
  const stream = { isTTY, write: (text: string) => (out += text) };
  const ctx: CommandContext = { stdout: stream, stderr: { write: () => true }, env: {}, cwd: process.cwd(), color: false, debug: false, config: () => loadConfig() };
  return { ctx, out: () => out };
}

const result = { version: '001', name: 'slow', direction: 'up' as const, status: 'applied' as const, durationMs: 1400 };

test('a long migration shows its elapsed time on a TTY, then one line with its duration', async () => {
  const { ctx, out } = context(true);
  const printer = progressPrinter(ctx);
  printer.onProgress({ type: 'start', version: '001', name: 'slow', direction: 'up' });
  await sleep(1400);
  printer.onProgress({ type: 'finish', result });
  assert.match(out(), /\r\u001b\[Kapplying 001_slow {2}1\.\d s/);
  assert.match(out(), /\r\u001b\[Kapplied {2}001_slow {2}1\.4 s\n$/);
});

test('no elapsed-time updates when stdout is not a TTY', async () => {
  const { ctx, out } = context(false);
  const printer = progressPrinter(ctx);
  printer.onProgress({ type: 'start', version: '001', name: 'slow', direction: 'up' });
  await sleep(1400);
  printer.onProgress({ type: 'finish', result });
  assert.equal(out(), 'applied  001_slow  1.4 s\n');
});
