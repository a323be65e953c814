import type { LockstepConfig } from '../core/config.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in `--help`, e.g. `--to VERSION  migrate up to and including VERSION`. */
  description: string;
  /** Placeholder shown after a string option in help, e.g. `VERSION`. */
  placeholder?: string;
}

export interface CommandIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CommandContext extends CommandIO {
  /** true when stdout is a TTY and NO_COLOR is unset. */
  color: boolean;
  debug: boolean;
  /** Resolves the configuration with the global flags (--url, --dev-url, --config, …) applied. */
  config(): LockstepConfig;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * One CLI command: a thin layer over a library call. `name` may have two words
 * (`migrate up`, `jobs enqueue`). Returns the exit code: 0 ok, 1 the check found
 * problems, 2 usage/config/connection error (thrown as LockstepError), 3 refused to start.
 */
export interface Command {
  name: string;
  summary: string;
  /** Positional arguments, for help, e.g. `NAME` or `[MIGRATION...]`. */
  args?: string;
  options: Record<string, OptionSpec>;
  /**
   * The project settings the command reads (through `ctx.config()` or directly): only
   * these flags are accepted and listed in its help, so `jobs show` offers no `--schema`.
   */
  reads: readonly SettingFlag[];
  allowPositionals?: boolean;
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

/** The project-setting flags a command may read (see `Command.reads`). */
export type SettingFlag = 'url' | 'dev-url' | 'config' | 'schema' | 'schema-kind' | 'migrations';

/** The flags of the project settings, each accepted only by the commands that read it. */
export const SETTING_OPTIONS: Record<SettingFlag, OptionSpec> = {
  url: { type: 'string', placeholder: 'URL', description: 'database URL (else DATABASE_URL, else the config file, else sqlite:.lockstep/dev.db)' },
  'dev-url': { type: 'string', placeholder: 'URL', description: 'PostgreSQL server for scratch databases (else an embedded one is started)' },
  config: { type: 'string', placeholder: 'FILE', description: 'config file (default ./lockstep.config.json)' },
  schema: { type: 'string', placeholder: 'FILE', description: 'expected schema: schema.sql, or ORM models (schema.prisma, a Drizzle schema, a TypeORM DataSource) (default schema.sql)' },
  'schema-kind': { type: 'string', placeholder: 'KIND', description: 'read --schema as prisma, drizzle, typeorm or sql (default: detected from the file)' },
  migrations: { type: 'string', placeholder: 'DIR', description: 'migrations folder (default migrations/)' },
};

/** The settings of a command that reads the whole project (database, schema, migrations, scratch server). */
export const PROJECT_SETTINGS: readonly SettingFlag[] = ['url', 'dev-url', 'config', 'schema', 'schema-kind', 'migrations'];

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  debug: { type: 'boolean', description: 'print stack traces' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

/** Every flag `command` accepts, in help order: its own, the settings it reads, then --debug and --help. */
export function commandOptions(command: Command): Record<string, OptionSpec> {
  const settings = Object.fromEntries(command.reads.map((flag) => [flag, SETTING_OPTIONS[flag]]));
  return { ...command.options, ...settings, ...GLOBAL_OPTIONS };
}
