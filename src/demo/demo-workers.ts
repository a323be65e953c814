import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { cliCommand, demoTasksFile } from './demo-files.js';

export interface DemoWorker {
  name: string;
  pid: number;
  log: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Starts one real `lockstep worker` process on the demo's tasks, its output going to a log
 * file in the demo folder (so it does not tear through the progress bars).
 */
export function startDemoWorker(options: { name: string; dir: string; url: string; concurrency: number; healthPort?: number }): DemoWorker {
  const cli = cliCommand();
  const log = join(options.dir, `${options.name}.log`);
  const out = createWriteStream(log);
  const args = [...cli.args, 'worker', '--tasks', demoTasksFile(), '--url', options.url, '--concurrency', String(options.concurrency), '--lease-ms', '5000'];
  const child = spawn(cli.command, args, {
    cwd: options.dir,
    env: { ...process.env, LOCKSTEP_DEMO_URL: options.url, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      out.end();
      resolve(code ?? (signal ? 128 : null));
    });
  });
  return { name: options.name, pid: child.pid ?? -1, log, child, exited };
}

/** SIGTERM (the worker finishes or hands back its jobs), then SIGKILL if it takes too long. */
export async function stopDemoWorker(worker: DemoWorker, timeoutMs = 15_000): Promise<number | null> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), timeoutMs);
  try {
    return await worker.exited;
  } finally {
    clearTimeout(timer);
  }
}
