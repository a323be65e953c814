import { parseArgs } from 'node:util';
import { loadConfig, type LockstepConfig } from '../core/config.js';
import { redactPassword } from '../dialects/connection-url.js';
import { errorMessage, isLockstepError } from '../core/errors.js';
import { type Command, type CommandIO, GLOBAL_OPTIONS, type OptionSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createStyle, wantsColor } from '../report/style.js';

const defaultIO = (): CommandIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

/**
 * Runs the CLI and returns the exit code. Never throws: expected errors are printed as
 * one readable message (exit 2, or the error's own code); a stack trace only with --debug.
 *
 * @example
 * process.exitCode = await main(['check', '--json']);
 */
export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const debug = argv.includes('--debug');
  const style = createStyle(wantsColor(io.stderr, io.env));
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout.write(generalHelp());
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout.write(`${await packageVersion()}\n`);
      return 0;
    }
    const [command, rest] = findCommand(argv);
    if (!command) {
      const attempted = argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
      io.stderr.write(`${style.red('error:')} unknown command "${attempted}"\n  Run lockstep --help for the list of commands.\n`);
      return 2;
    }
    const options = { ...GLOBAL_OPTIONS, ...command.options };
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: toParseArgsOptions(options),
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (error) {
      io.stderr.write(`${style.red('error:')} ${cleanParseError(errorMessage(error))}\n  Run lockstep ${command.name} --help for the options it takes.\n`);
      return 2;
    }
    if (parsed.values.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    let config: LockstepConfig | undefined;
    return await command.run(
      { values, positionals: parsed.positionals },
      {
        ...io,
        color: wantsColor(io.stdout, io.env),
        debug,
        config: () =>
          (config ??= loadConfig({
            cwd: io.cwd,
            env: io.env,
            config: values.config as string | undefined,
            url: values.url as string | undefined,
            devUrl: values['dev-url'] as string | undefined,
            schema: values.schema as string | undefined,
            schemaKind: values['schema-kind'] as string | undefined,
            migrations: values.migrations as string | undefined,
            src: values.src as string | undefined,
          })),
      },
    );
  } catch (error) {
    if (isLockstepError(error)) {
      io.stderr.write(`${style.red('error:')} ${redactPassword(error.message)}\n`);
      if (error.hint) io.stderr.write(`  ${redactPassword(error.hint)}\n`);
      if (debug) io.stderr.write(`${redactPassword(String(error.stack))}\n`);
      return error.exitCode;
    }
    io.stderr.write(`${style.red('error:')} ${redactPassword(errorMessage(error))}\n`);
    if (debug) io.stderr.write(`${redactPassword(String((error as Error)?.stack ?? ''))}\n`);
    else io.stderr.write('  Run again with --debug for the stack trace.\n');
    return 2;
  }
}

function findCommand(argv: string[]): [Command | undefined, string[]] {
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return [byTwo, argv.slice(2)];
  const byOne = COMMANDS.find((c) => c.name === argv[0]);
  return [byOne, argv.slice(1)];
}

function toParseArgsOptions(options: Record<string, OptionSpec>) {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    out[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  return out;
}

function cleanParseError(message: string): string {
  return message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option');
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `lockstep: keep code, database schema and background workers in lockstep\n\nUsage: lockstep <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun lockstep <command> --help for a command's options.\n`;
}

function commandHelp(command: Command): string {
  const options = { ...command.options, ...GLOBAL_OPTIONS };
  const label = (name: string, spec: OptionSpec) =>
    `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
  const width = Math.max(...Object.entries(options).map(([n, s]) => label(n, s).length));
  const lines = Object.entries(options).map(([n, s]) => `  ${label(n, s).padEnd(width)}  ${s.description}`);
  return `Usage: lockstep ${command.name}${command.args ? ` ${command.args}` : ''} [options]\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}\n`;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8').catch(() => readFile(new URL('../../package.json', import.meta.url), 'utf8')));
  return pkg.version as string;
}
