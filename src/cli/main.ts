import { parseArgs } from 'node:util';
import { loadConfig, type LockstepConfig } from '../core/config.js';
import { redactPassword } from '../dialects/connection-url.js';
import { errorMessage, isLockstepError } from '../core/errors.js';
import { type Command, type CommandIO, commandOptions, type OptionSpec } from './command.js';
import { type CommandEntry, COMMANDS } from './commands/index.js';
import { commandGroups, commandHelp, generalHelp, groupHelp, suggest } from './help.js';
import { processIO, redactingIO, rememberInvocationSecrets } from './output.js';
import { createStyle, wantsColor } from '../report/style.js';

/**
 * Runs the CLI and returns the exit code. Never throws: expected errors are printed as
 * one readable message (exit 2, or the error's own code); a stack trace only with --debug.
 * No password reaches the output: every write goes through the secret redaction.
 *
 * @example
 * process.exitCode = await main(['check', '--json']);
 */
export async function main(argv: string[], rawIO: CommandIO = processIO()): Promise<number> {
  rememberInvocationSecrets(argv, rawIO.env);
  const io = redactingIO(rawIO);
  const debug = argv.includes('--debug');
  const style = createStyle(wantsColor(io.stderr, io.env));
  const usageError = (message: string, hint: string) => {
    io.stderr.write(`${style.red('error:')} ${message}\n  ${hint}\n`);
    return 2;
  };
  try {
    if (argv.length === 0) {
      io.stdout.write(generalHelp(COMMANDS));
      return 2;
    }
    if (argv[0] === '--help' || argv[0] === '-h') {
      io.stdout.write(generalHelp(COMMANDS));
      return 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout.write(`${await packageVersion()}\n`);
      return 0;
    }
    if (argv[0] === 'help') return await help(argv.slice(1), io, usageError);

    const groups = commandGroups(COMMANDS);
    const [entry, rest] = findCommand(argv);
    if (!entry) {
      const members = groups.get(argv[0]);
      if (members) {
        const next = argv[1];
        if (next === '--help' || next === '-h') {
          io.stdout.write(groupHelp(argv[0], members));
          return 0;
        }
        if (next === undefined || next.startsWith('-')) {
          // A bare group is a command line missing its subcommand: the help, and exit 2 as bare `lockstep` does.
          const names = members.map((c) => c.name.split(' ')[1]);
          io.stderr.write(`${style.red('error:')} lockstep ${argv[0]} needs a command: ${names.slice(0, -1).join(', ')} or ${names.at(-1)}
`);
          io.stdout.write(groupHelp(argv[0], members));
          return 2;
        }
      }
      return unknownCommand(argv, usageError);
    }
    const command = await entry.load();
    const options = commandOptions(command);
    let parsed;
    try {
      parsed = parseArgs({
        args: joinNegativeValues(rest, options),
        options: toParseArgsOptions(options),
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (error) {
      return usageError(parseErrorMessage(error, options, rest), `Run lockstep ${command.name} --help for the options it takes.`);
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
          (config ??= rememberConfigSecrets(
            loadConfig({
              cwd: io.cwd,
              env: io.env,
              config: values.config as string | undefined,
              url: values.url as string | undefined,
              devUrl: values['dev-url'] as string | undefined,
              schema: values.schema as string | undefined,
              schemaKind: values['schema-kind'] as string | undefined,
              migrations: values.migrations as string | undefined,
              src: values.src as string | undefined,
            }),
          )),
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

/** `lockstep help`, `lockstep help check`, `lockstep help migrate`, `lockstep help migrate up`. */
async function help(topic: string[], io: CommandIO, usageError: (message: string, hint: string) => number): Promise<number> {
  if (topic.length === 0) {
    io.stdout.write(generalHelp(COMMANDS));
    return 0;
  }
  const [entry, rest] = findCommand(topic);
  if (entry && rest.length === 0) {
    io.stdout.write(commandHelp(await entry.load()));
    return 0;
  }
  const members = commandGroups(COMMANDS).get(topic[0]);
  if (members && topic.length === 1) {
    io.stdout.write(groupHelp(topic[0], members));
    return 0;
  }
  return unknownCommand(topic, usageError);
}

function findCommand(argv: string[]): [CommandEntry | undefined, string[]] {
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return [byTwo, argv.slice(2)];
  const byOne = COMMANDS.find((c) => c.name === argv[0] && !c.name.includes(' '));
  return [byOne, argv.slice(1)];
}

/** "unknown command", with the closest command when the words look like a typo of one. */
function unknownCommand(argv: string[], usageError: (message: string, hint: string) => number): number {
  const words = argv.filter((a) => !a.startsWith('-'));
  const groups = commandGroups(COMMANDS);
  const group = groups.get(words[0] ?? '');
  let attempted: string;
  let guess: string | undefined;
  if (group) {
    attempted = words.slice(0, 2).join(' ');
    guess = suggest(attempted, group.map((c) => c.name));
  } else {
    attempted = words[0] ?? argv[0];
    const single = [...COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => c.name), ...groups.keys()];
    const pair = words.length >= 2 ? suggest(words.slice(0, 2).join(' '), COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name)) : undefined;
    if (pair) attempted = words.slice(0, 2).join(' ');
    guess = pair ?? suggest(attempted, single);
  }
  const hint = group
    ? `Run lockstep ${words[0]} --help for its commands.`
    : 'Run lockstep --help for the list of commands.';
  return usageError(`unknown command "${attempted}"${guess ? `; did you mean "${guess}"?` : ''}`, hint);
}

/**
 * `--port -1` reads as a value, not as an option `-1`: parseArgs would call it ambiguous,
 * and the command's own check then says what a valid value is.
 */
function joinNegativeValues(args: string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    if (name && options[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? '')) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

function toParseArgsOptions(options: Record<string, OptionSpec>) {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    out[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  return out;
}

/**
 * Node's parseArgs messages, rewritten to say what was expected: an unknown option gets
 * the closest known one, and a value that looks like an option (`--port -1`) is named.
 */
function parseErrorMessage(error: unknown, options: Record<string, OptionSpec>, args: string[]): string {
  const message = errorMessage(error);
  const code = (error as { code?: string }).code;
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(message);
  if (unknown) {
    const typed = unknown[1].replace(/^-+/, '').replace(/=.*$/, '');
    const guess = suggest(typed, Object.keys(options));
    return `unknown option ${unknown[1]}${guess ? `; did you mean --${guess}?` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const ambiguous = /^Option '(?:-\w, )?(--[^ ']+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const flag = ambiguous[1];
      const index = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
      const value = index >= 0 ? args[index + 1] : undefined;
      return `${flag} expects a value${value === undefined ? '' : `, found "${value}", which looks like an option`}; write ${flag}=VALUE if the value really starts with "-"`;
    }
    const missing = /^Option '(?:-\w, )?(--[^ ']+)[^']*' argument missing/.exec(message);
    if (missing) return `${missing[1]} expects a value (${options[missing[1].slice(2)]?.placeholder ?? 'VALUE'}), found nothing`;
    const boolean = /^Option '(--[^ ']+)' does not take an argument/.exec(message);
    if (boolean) return `${boolean[1]} is a switch and takes no value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const extra = /Unexpected argument '([^']*)'/.exec(message);
    return `unexpected argument "${extra?.[1] ?? ''}": this command takes no positional arguments`;
  }
  return message.replace(/\. To specify a positional argument.*$/s, '');
}

/** The config file may hold the database password: mask it wherever it shows up. */
function rememberConfigSecrets(config: LockstepConfig): LockstepConfig {
  rememberInvocationSecrets([], { DATABASE_URL: config.url, LOCKSTEP_DEV_URL: config.devUrl });
  return config;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8').catch(() => readFile(new URL('../../package.json', import.meta.url), 'utf8')));
  return pkg.version as string;
}
