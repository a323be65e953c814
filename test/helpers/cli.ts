import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
// Resolved here, not by the child: `--import tsx` would look for tsx from the child's cwd,
// which is often a temporary project folder outside the repository.
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `lockstep` CLI in a child process (through tsx, from source) and
 * collects its output. NO_COLOR is set so output is plain text.
 *
 * @example
 * const r = await runCli(['check', '--json'], { cwd: project });
 */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 0), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs the CLI's `main` in this process with captured output: much faster than a child
 * process, for the many short runs of a matrix (help, bad inputs, secrets).
 *
 * @example
 * const r = await runCliInProcess(['migrate', '--help'], { cwd: project });
 */
export async function runCliInProcess(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t), isTTY: options.tty },
    stderr: { write: (t: string) => (stderr += t) },
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? REPO_ROOT,
  });
  return { code, stdout, stderr };
}
