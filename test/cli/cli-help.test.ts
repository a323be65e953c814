import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runCli, runCliInProcess } from '../helpers/cli.js';

const cwd = mkdtempSync(join(tmpdir(), 'lockstep-help-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const run = (argv: string[]) => runCliInProcess(argv, { cwd });

/** The flags an `Options:` section lists, with whether each takes a value. */
function listedFlags(help: string): Map<string, boolean> {
  const section = help.slice(help.indexOf('Options:'));
  const flags = new Map<string, boolean>();
  for (const m of section.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)( [^ ]\S*)?/gm)) flags.set(m[1], Boolean(m[2]));
  return flags;
}

describe('group help and help per command', () => {
  test('lockstep migrate --help and lockstep jobs --help list the subcommands', async () => {
    for (const [group, subs] of [
      ['migrate', ['up', 'down', 'status', 'verify']],
      ['jobs', ['install', 'enqueue', 'list', 'show', 'retry', 'cancel']],
    ] as const) {
      for (const flag of ['--help', '-h']) {
        const r = await run([group, flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^Usage: lockstep ${group} <command>`, 'm'));
        for (const sub of subs) assert.match(r.stdout, new RegExp(`^  ${group} ${sub} `, 'm'));
        assert.doesNotMatch(r.stdout, /^ {2}check /m, 'not the global list');
      }
    }
  });

  test('a bare group prints its help and exits 2, like a bare lockstep', async () => {
    const bare = await run([]);
    assert.equal(bare.code, 2);
    const r = await run(['migrate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /lockstep migrate needs a command: up, down, status, verify or repair/);
    assert.match(r.stdout, /^ {2}migrate status /m);
    const flagOnly = await run(['jobs', '--json']);
    assert.equal(flagOnly.code, 2);
    assert.match(flagOnly.stderr, /lockstep jobs needs a command/);
  });

  test('lockstep help <command> and help <group> <command> print that help, exit 0', async () => {
    const check = await run(['help', 'check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /^Usage: lockstep check \[options\]/m);
    assert.deepEqual(check.stdout, (await run(['check', '--help'])).stdout);
    const up = await run(['help', 'migrate', 'up']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^Usage: lockstep migrate up \[options\]/m);
    assert.match(up.stdout, /--allow-out-of-order/);
    const group = await run(['help', 'jobs']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /^Usage: lockstep jobs <command>/m);
    assert.equal((await run(['help'])).code, 0);
  });

  test('typos get a "did you mean": commands, subcommands, options', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['chek'], /unknown command "chek"; did you mean "check"\?/],
      [['migrate', 'upp'], /unknown command "migrate upp"; did you mean "migrate up"\?/],
      [['migrat', 'status'], /did you mean "migrate status"\?/],
      [['jobs', 'lsit'], /did you mean "jobs list"\?/],
      [['help', 'chekc'], /did you mean "check"\?/],
      [['check', '--jsn'], /unknown option --jsn; did you mean --json\?/],
      [['migrate', 'status', '--migratons', 'x'], /did you mean --migrations\?/],
    ];
    for (const [argv, expected] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, expected, argv.join(' '));
      assert.match(r.stderr, /Run lockstep .*--help/);
    }
    const far = await run(['frobnicate']);
    assert.equal(far.code, 2);
    assert.doesNotMatch(far.stderr, /did you mean/);
  });

  test('an option value that starts with "-" is read as the value, not as Node\'s "ambiguous" error', async () => {
    for (const port of ['-1', 'abc', '70000']) {
      const r = await run(['serve', '--port', port, '--url', 'sqlite::memory:']);
      assert.equal(r.code, 2, port);
      assert.match(r.stderr, new RegExp(`--port must be a port number between 0 and 65535, found "${port}"`));
      assert.doesNotMatch(r.stderr, /ambiguous/);
    }
    const missing = await run(['dashboard', '--port']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--port expects a value \(P\), found nothing/);
  });
});

describe('each --help lists exactly the flags its command reads', () => {
  const allFlags = new Set<string>();
  const listed = new Map<string, Map<string, boolean>>();

  test('jobs show offers no schema, migrations or scratch-server flag', async () => {
    const r = await run(['jobs', 'show', '--help']);
    assert.equal(r.code, 0);
    const flags = listedFlags(r.stdout);
    for (const flag of ['schema', 'migrations', 'dev-url']) assert.equal(flags.has(flag), false, `--${flag}`);
    for (const flag of ['json', 'url', 'config', 'help']) assert.equal(flags.has(flag), true, `--${flag}`);
    const refused = await run(['jobs', 'show', '1', '--schema', 'schema.sql']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /unknown option --schema/);
  });

  test('every listed flag is parsed, every other flag is refused as unknown', async () => {
    for (const command of COMMANDS) {
      const r = await run([...command.name.split(' '), '--help']);
      assert.equal(r.code, 0, command.name);
      const flags = listedFlags(r.stdout);
      assert.ok(flags.size > 0, command.name);
      listed.set(command.name, flags);
      for (const flag of flags.keys()) allFlags.add(flag);
    }
    for (const command of COMMANDS) {
      const flags = listed.get(command.name)!;
      for (const flag of allFlags) {
        const takesValue = flags.get(flag) ?? true;
        const r = await run([...command.name.split(' '), `--${flag}`, ...(takesValue ? ['x'] : []), '--help']);
        if (flags.has(flag)) assert.equal(r.code, 0, `${command.name} --${flag}: ${r.stderr}`);
        else {
          assert.equal(r.code, 2, `${command.name} accepts --${flag} but does not list it`);
          assert.match(r.stderr, new RegExp(`unknown option --${flag}`));
        }
      }
    }
  });

  test("every option a command declares is read by that command's code", async () => {
    const dir = fileURLToPath(new URL('../../src/cli/commands/', import.meta.url));
    const sources = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
    const mainSource = readFileSync(join(dir, '..', 'main.ts'), 'utf8');
    const reads = (text: string, option: string) => text.includes(`values.${option}`) || text.includes(`values['${option}']`);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      const source = sources.find((s) => s.includes(`name: '${command.name}',`));
      assert.ok(source, command.name);
      // The command's own object literal: from its name to the next command's name.
      const start = source.indexOf(`name: '${command.name}',`);
      const next = source.indexOf("\n  name: '", start + 1);
      const body = source.slice(start, next === -1 ? undefined : next);
      // Helpers the command hands its arguments to (`reportFormat(args)`) read options too,
      // and main.ts reads `--src` into the configuration.
      const helpers = [...body.matchAll(/(\w+)\(args\b/g)].map((m) => sources.find((s) => s.includes(`function ${m[1]}(`)) ?? '');
      if (reads(body, 'values') || body.includes('ctx.config()')) helpers.push(mainSource);
      for (const option of Object.keys(command.options)) {
        const read = reads(body, option) || helpers.some((h) => reads(h, option));
        assert.ok(read, `${command.name} lists --${option} but never reads it`);
      }
    }
  });
});

test('the command list names every command with its own name and summary (modules load lazily)', async () => {
  const dir = fileURLToPath(new URL('../../src/cli/commands/', import.meta.url));
  const exported = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const module = (await import(join(dir, file))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (value && typeof value === 'object' && 'name' in value && 'summary' in value && typeof (value as { run?: unknown }).run === 'function') exported.add((value as { name: string }).name);
    }
  }
  for (const entry of COMMANDS) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.equal(command.summary, entry.summary, `the summary of ${entry.name} in commands/index.ts`);
  }
  assert.deepEqual([...exported].sort(), COMMANDS.map((c) => c.name).sort(), 'every command module is listed in src/cli/commands/index.ts');
});

test('lockstep migrate --help through the real binary', async () => {
  const r = await runCli(['migrate', '--help'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /migrate verify/);
});
