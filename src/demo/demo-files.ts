import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** true when this module runs from the TypeScript sources (through tsx), false from dist/. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * A file shipped with the demo. SQL files are not compiled, so from `dist/` they are read
 * from the package's `src/` folder (tsc copies only what it compiles).
 */
export function demoFile(relative: string, options: { preferSources?: boolean } = {}): string {
  const beside = fileURLToPath(new URL(`./${relative}`, import.meta.url));
  const inSources = fileURLToPath(new URL(`../../../src/demo/${relative}`, import.meta.url));
  // lint should read the TypeScript the reader can open, not its compiled copy in dist/.
  if (options.preferSources && !FROM_SOURCE && existsSync(inSources)) return inSources;
  if (existsSync(beside)) return beside;
  if (existsSync(inSources)) return inSources;
  throw new Error(`demo file missing: ${relative} (looked at ${beside} and ${inSources})`);
}

/** The demo's tasks module, as `lockstep worker --tasks` should load it. */
export function demoTasksFile(): string {
  return demoFile(`app/inventory-tasks.${FROM_SOURCE ? 'ts' : 'js'}`);
}

/**
 * How to start the lockstep CLI in a child process: the same Node, and from source the tsx
 * loader (resolved from this package, so it works whatever the working directory).
 */
export function cliCommand(): { command: string; args: string[] } {
  if (!FROM_SOURCE) return { command: process.execPath, args: [fileURLToPath(new URL('../cli/bin.js', import.meta.url))] };
  const require = createRequire(import.meta.url);
  const tsx = require.resolve('tsx/esm');
  return { command: process.execPath, args: ['--import', pathToFileURL(tsx).href, fileURLToPath(new URL('../cli/bin.ts', import.meta.url))] };
}

