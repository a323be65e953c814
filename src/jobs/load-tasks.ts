import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, LockstepError } from '../core/errors.js';
import { isTask, type Task } from './task.js';

/**
 * Imports a module and collects the tasks it exports (named exports, a default export
 * that is a task, an array or an object of tasks). A `.ts` module is loaded through tsx
 * when the process does not already understand TypeScript.
 *
 * @example
 * const tasks = await loadTasks('./src/tasks.ts');
 */
export async function loadTasks(file: string, cwd = process.cwd()): Promise<Task<any>[]> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new LockstepError(`tasks file not found: ${file}`, { hint: 'Pass --tasks with the module that exports your tasks.' });
  if (/\.[cm]?tsx?$/.test(path)) await registerTsx();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new LockstepError(`cannot load tasks from ${file}: ${errorMessage(error)}`, { cause: error, hint: 'Fix the module so it can be imported on its own.' });
  }
  const found = new Map<string, Task<any>>();
  const visit = (value: unknown, depth: number) => {
    if (isTask(value)) found.set(value.name, value);
    else if (depth < 2 && Array.isArray(value)) value.forEach((v) => visit(v, depth + 1));
    else if (depth < 2 && value && typeof value === 'object') Object.values(value).forEach((v) => visit(v, depth + 1));
  };
  for (const value of Object.values(mod)) visit(value, 0);
  if (found.size === 0) {
    throw new LockstepError(`${file} exports no tasks`, { hint: "Export tasks made with task(name, { run }) from 'lockstep/jobs'." });
  }
  return [...found.values()];
}

let tsxRegistered = false;

async function registerTsx(): Promise<void> {
  if (tsxRegistered || (process.features as { typescript?: unknown }).typescript) return;
  try {
    const api = (await import('tsx/esm/api')) as { register(): unknown };
    api.register();
    tsxRegistered = true;
  } catch {
    // Without tsx the import below fails with Node's own message, which says enough.
  }
}
