import BetterSqlite3 from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { forgetSecrets, redactSecrets } from '../../src/core/redact-secrets.js';
import { runCli, runCliInProcess } from '../helpers/cli.js';

/**
 * A server that speaks just enough of the PostgreSQL protocol to ask for a cleartext
 * password and refuse it with a message that echoes the password back: the worst case
 * of a driver or server message carrying the secret.
 */
async function startEchoingAuthServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let stage: 'startup' | 'password' = 'startup';
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === 'startup' && buffer.length >= 4 && buffer.length >= buffer.readInt32BE(0)) {
        buffer = buffer.subarray(buffer.readInt32BE(0));
        stage = 'password';
        const ask = Buffer.alloc(9);
        ask.write('R', 0);
        ask.writeInt32BE(8, 1);
        ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
        socket.write(ask);
      } else if (stage === 'password' && buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
        const password = buffer.subarray(5, buffer.readInt32BE(1)).toString('utf8').replace(/\0$/, '');
        const fields = Buffer.from(`SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "app" (password "${password}")\0\0`);
        const head = Buffer.alloc(5);
        head.write('E', 0);
        head.writeInt32BE(4 + fields.length, 1);
        socket.end(Buffer.concat([head, fields]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Form {
  name: string;
  secret: string;
  url: (host: string, port: number) => string;
}

const FORMS: Form[] = [
  { name: 'user:password@ in the URL', secret: 'Zq9xKv-Tr0ub4dor', url: (h, p) => `postgres://app:Zq9xKv-Tr0ub4dor@${h}:${p}/app` },
  { name: '?password= parameter', secret: 'Qp7mWd-Param5ecret', url: (h, p) => `postgres://app@${h}:${p}/app?password=Qp7mWd-Param5ecret&sslmode=disable` },
  { name: 'libpq keyword/value string', secret: 'Kv3yVal-Pa55word', url: (h, p) => `host=${h} port=${p} user=app password=Kv3yVal-Pa55word dbname=app` },
  { name: 'keyword/value, quoted, with spaces', secret: 'Sp4ce qz Phr4se', url: (h, p) => `host=${h} port=${p} user=app password='Sp4ce qz Phr4se' dbname=app` },
  { name: 'a space in the URL password', secret: 'Wh1te spaceXy', url: (h, p) => `postgres://app:Wh1te spaceXy@${h}:${p}/app` },
  { name: 'percent-encoded special characters', secret: 'P3rc@nt/Enc#d?Xy', url: (h, p) => `postgres://app:${encodeURIComponent('P3rc@nt/Enc#d?Xy')}@${h}:${p}/app` },
  { name: 'raw special characters (@ and :)', secret: 'R4w@Sp:ecial!Xy', url: (h, p) => `postgres://app:R4w@Sp:ecial!Xy@${h}:${p}/app` },
];

const COMMANDS: string[][] = [['check'], ['migrate', 'status', '--json'], ['health', '--json'], ['jobs', 'list'], ['dashboard', '--port', '0']];

/** The secret in every form it could be printed in, plus its distinctive fragments. */
function leaks(output: string, secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  for (const piece of secret.split(/[^A-Za-z0-9]+/)) if (piece.length >= 4) forms.add(piece);
  return [...forms].filter((f) => output.includes(f));
}

let echo: { port: number; close(): Promise<void> };
const dirs: string[] = [];
before(async () => {
  echo = await startEchoingAuthServer();
});
after(async () => {
  await echo.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(url?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-secrets-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'schema.sql'), 'create table a (id int);\n');
  mkdirSync(join(dir, 'migrations', '001_init'), { recursive: true });
  writeFileSync(join(dir, 'migrations', '001_init', 'up.sql'), 'create table a (id int);\n');
  if (url) writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url }));
  return dir;
}

describe('no password is ever printed', () => {
  for (const form of FORMS) {
    test(`${form.name}: every command, unreachable and refusing servers, flag / env / config, with and without --debug`, { timeout: 240_000 }, async () => {
      for (const [server, port] of [
        ['unreachable', 1],
        ['refusing', echo.port],
      ] as const) {
        const url = form.url('127.0.0.1', port);
        for (const command of COMMANDS) {
          const runs: Array<[string, string[], NodeJS.ProcessEnv, string]> = [
            ['--url', [...command, '--url', url], {}, project()],
            ['--url --debug', [...command, '--url', url, '--debug'], {}, project()],
            ['DATABASE_URL', command, { DATABASE_URL: url }, project()],
            ['config file', command, {}, project(url)],
          ];
          for (const [source, argv, env, cwd] of runs) {
            forgetSecrets(); // as in a fresh process
            const r = await runCliInProcess(argv, { cwd, env });
            const where = `${command.join(' ')} via ${source}, ${server} server`;
            const output = r.stdout + r.stderr;
            assert.deepEqual(leaks(output, form.secret), [], `${where} printed the password:\n${output}`);
            assert.ok(r.code === 2 || (command[0] === 'health' && r.code === 1), `${where}: exit ${r.code}\n${output}`);
            assert.match(output, /error|unreachable|unsupported|authentication failed|cannot connect/, where);
          }
        }
      }
    });
  }

  test('the whole binary, with --debug: stack traces carry no password either', { timeout: 120_000 }, async () => {
    const form = FORMS[6];
    const r = await runCli(['migrate', 'status', '--json', '--debug', '--url', form.url('127.0.0.1', echo.port)], { cwd: project() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /authentication failed for user "app"/);
    assert.match(r.stderr, /at .*\.ts:\d+/, 'a stack trace was printed');
    assert.deepEqual(leaks(r.stdout + r.stderr, form.secret), []);
  });

  test('redactSecrets masks each pattern without a remembered value', () => {
    forgetSecrets();
    assert.equal(redactSecrets('postgres://u:p@ss w0rd@h:5432/db failed'), 'postgres://u:***@h:5432/db failed');
    assert.equal(redactSecrets('postgres://u@h/db?sslmode=disable&password=abc&x=1'), 'postgres://u@h/db?sslmode=disable&password=***&x=1');
    assert.equal(redactSecrets("host=h password='a b c' dbname=d"), 'host=h password=*** dbname=d');
    assert.equal(redactSecrets('postgres://a:b@h1/x and postgres://c:d@h2/y'), 'postgres://a:***@h1/x and postgres://c:***@h2/y');
    assert.equal(redactSecrets('postgres://h:5432/db has no password'), 'postgres://h:5432/db has no password');
    assert.equal(redactSecrets('cannot connect (postgres://u:pw@h/db): role "x@y" does not exist'), 'cannot connect (postgres://u:***@h/db): role "x@y" does not exist');
  });
});

describe('the dashboard token', () => {
  test('is printed in the URL only when stdout is a terminal; else the URL alone and where the token comes from', { timeout: 60_000 }, async () => {
    const dir = project();
    const url = `sqlite:${join(dir, 'app.db')}`;
    new BetterSqlite3(join(dir, 'app.db')).close(); // the dashboard reads an existing database and creates none
    const token = 'T0kenValue-9f8e7d';
    const untilStarted = async (tty: boolean) => {
      // The dashboard runs until a signal: send one as soon as it has printed its address.
      const started = runCliInProcess(['dashboard', '--port', '0', '--url', url], { cwd: dir, env: { LOCKSTEP_DASHBOARD_TOKEN: token }, tty });
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < 200 && process.listenerCount('SIGTERM') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      process.emit('SIGTERM', 'SIGTERM');
      return started;
    };
    const piped = await untilStarted(false);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /lockstep dashboard: http:\/\/127\.0\.0\.1:\d+\/ /);
    assert.match(piped.stdout, /LOCKSTEP_DASHBOARD_TOKEN/);
    assert.equal(piped.stdout.includes(token), false, piped.stdout);
    const terminal = await untilStarted(true);
    assert.equal(terminal.code, 0, terminal.stderr);
    assert.match(terminal.stdout, new RegExp(`/\\?token=${token}`));
  });
});
