import { type Command, commandOptions, type OptionSpec } from './command.js';

/** What the command lists need of a command. */
export interface CommandSummary {
  name: string;
  summary: string;
}

/**
 * Help texts and "did you mean" suggestions. A group is the first word of the two-word
 * commands (`migrate`, `jobs`): `lockstep migrate --help` lists its subcommands.
 */

/** The groups of two-word commands, e.g. `migrate` → [migrate up, migrate down, …]. */
export function commandGroups<C extends CommandSummary>(commands: readonly C[]): Map<string, C[]> {
  const groups = new Map<string, C[]>();
  for (const command of commands) {
    const [first, second] = command.name.split(' ');
    if (!second) continue;
    groups.set(first, [...(groups.get(first) ?? []), command]);
  }
  return groups;
}

export function generalHelp(commands: readonly CommandSummary[]): string {
  return `lockstep: keep code, database schema and background workers in lockstep\n\nUsage: lockstep <command> [options]\n\nCommands:\n${commandList(commands)}\n\nRun lockstep <command> --help (or lockstep help <command>) for a command's options.\n`;
}

export function groupHelp(group: string, members: readonly CommandSummary[]): string {
  return `Usage: lockstep ${group} <command> [options]\n\nCommands:\n${commandList(members)}\n\nRun lockstep ${group} <command> --help for a command's options.\n`;
}

export function commandHelp(command: Command): string {
  const options = commandOptions(command);
  const label = (name: string, spec: OptionSpec) =>
    `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
  const width = Math.max(...Object.entries(options).map(([n, s]) => label(n, s).length));
  const lines = Object.entries(options).map(([n, s]) => `  ${label(n, s).padEnd(width)}  ${s.description}`);
  return `Usage: lockstep ${command.name}${command.args ? ` ${command.args}` : ''} [options]\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}\n`;
}

function commandList(commands: readonly CommandSummary[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
}

/**
 * The candidate closest to `typed`, when it is close enough to be a typo (`chek` →
 * `check`, `upp` → `up`, `jsn` → `json`), else undefined.
 *
 * @example
 * suggest('chek', ['check', 'diff']); // → 'check'
 */
export function suggest(typed: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.startsWith(typed) && typed.length >= 3 ? 1 : editDistance(typed.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(typed.length, best.name.length) / 3));
  return best.distance <= allowed ? best.name : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts once. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
