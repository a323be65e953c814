import { redactRememberedSecrets, redactSecrets, rememberSecret, rememberSecretsIn } from '../core/redact-secrets.js';
import type { CommandIO } from './command.js';

type Writable = CommandIO['stdout'];

/**
 * The process's own streams, guarded: once the reader of a pipe has gone
 * (`lockstep migrate status | head -1`), further output is dropped quietly instead of
 * crashing with an EPIPE stack trace, and the command still finishes its work.
 */
export function processIO(): CommandIO {
  return { stdout: quietOnClosedPipe(process.stdout), stderr: quietOnClosedPipe(process.stderr), env: process.env, cwd: process.cwd() };
}

/**
 * @example
 * const out = quietOnClosedPipe(process.stdout);
 * out.write('a line\n'); // dropped, not thrown, once the reader closed the pipe
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream): Writable {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED' || error.code === 'ECONNRESET') closed = true;
    else throw error;
  });
  return {
    write(text: string) {
      if (closed || stream.destroyed) return true;
      try {
        return stream.write(text);
      } catch (error) {
        // A synchronous EPIPE (pipes are written synchronously on Linux).
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
          closed = true;
          return true;
        }
        throw error;
      }
    },
    get isTTY() {
      return stream.isTTY;
    },
  };
}

/**
 * Streams that mask every remembered password (stdout: JSON and tables are left as they
 * are otherwise) and every password-shaped text (stderr: messages and logs).
 */
export function redactingIO(io: CommandIO): CommandIO {
  const wrap = (stream: Writable, redact: (text: string) => string): Writable => ({
    write: (text: string) => stream.write(redact(text)),
    get isTTY() {
      return stream.isTTY;
    },
  });
  return { ...io, stdout: wrap(io.stdout, redactRememberedSecrets), stderr: wrap(io.stderr, redactSecrets) };
}

/** Remembers the passwords this run may print: `--url` / `--dev-url` values, DATABASE_URL, LOCKSTEP_DEV_URL, PGPASSWORD. */
export function rememberInvocationSecrets(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  argv.forEach((arg, i) => {
    if (arg === '--url' || arg === '--dev-url') rememberSecretsIn(argv[i + 1]);
    else if (arg.startsWith('--url=') || arg.startsWith('--dev-url=')) rememberSecretsIn(arg.slice(arg.indexOf('=') + 1));
  });
  rememberSecretsIn(env.DATABASE_URL);
  rememberSecretsIn(env.LOCKSTEP_DEV_URL);
  rememberSecret(env.PGPASSWORD);
}
