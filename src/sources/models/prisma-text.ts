/**
 * What lockstep reads from the `.prisma` text itself, because the DMMF does not carry it:
 * line numbers of models, enums and fields (for file:line in every message), the `map:`
 * name of a foreign key (`@relation(..., map: "…")`), the datasource's `relationMode`,
 * and the Prisma 6 `url`/`directUrl`/`shadowDatabaseUrl` properties, which the Prisma 7
 * WebAssembly build rejects and which are blanked (line numbers kept) before validation.
 */
import type { ModelLocation } from './model-source.js';

export interface PrismaFile {
  /** Path as shown to the user. */
  file: string;
  text: string;
}

export interface PrismaTextFacts {
  /** Files with the connection-URL properties blanked out. */
  files: PrismaFile[];
  /** `model:User`, `enum:Role`, `field:User.email`, `attr:User@@index#2` → location. */
  locations: Map<string, ModelLocation>;
  /** `User.author` → the foreign key's `map:` name. */
  foreignKeyNames: Map<string, string>;
  /** `"prisma"` when Prisma emulates relations and creates no foreign keys. */
  relationMode: string | undefined;
  /** The datasource's `provider` when written as a string literal. */
  provider: string | undefined;
}

const URL_PROPERTY = /^\s*(url|directUrl|shadowDatabaseUrl)\s*=/;

/**
 * @example
 * const facts = scanPrismaText([{ file: 'prisma/schema.prisma', text }]);
 * facts.locations.get('field:User.email'); // → { file: 'prisma/schema.prisma', line: 12 }
 */
export function scanPrismaText(files: PrismaFile[]): PrismaTextFacts {
  const locations = new Map<string, ModelLocation>();
  const foreignKeyNames = new Map<string, string>();
  let relationMode: string | undefined;
  let provider: string | undefined;
  const cleaned: PrismaFile[] = [];
  for (const { file, text } of files) {
    const lines = text.split('\n');
    let block: { kind: string; name: string } | undefined;
    const attributeCount = new Map<string, number>();
    for (let i = 0; i < lines.length; i++) {
      const line = stripComment(lines[i]!);
      const at = { file, line: i + 1 };
      if (!block) {
        const open = /^\s*(model|enum|view|type|datasource|generator)\s+([A-Za-z_][\w]*)\s*\{/.exec(line);
        if (open) {
          block = { kind: open[1]!, name: open[2]! };
          locations.set(`${block.kind === 'view' ? 'model' : block.kind}:${block.name}`, at);
          if (/\}\s*$/.test(line.slice(open[0].length))) block = undefined;
        }
        continue;
      }
      if (/^\s*\}/.test(line)) {
        block = undefined;
        continue;
      }
      if (block.kind === 'datasource') {
        if (URL_PROPERTY.test(line)) lines[i] = '';
        const mode = /^\s*relationMode\s*=\s*"([^"]*)"/.exec(line);
        if (mode) relationMode = mode[1];
        const named = /^\s*provider\s*=\s*"([^"]*)"/.exec(line);
        if (named) provider = named[1];
        continue;
      }
      if (block.kind !== 'model' && block.kind !== 'view') {
        const value = /^\s*([A-Za-z_]\w*)/.exec(line);
        if (block.kind === 'enum' && value) locations.set(`value:${block.name}.${value[1]}`, at);
        continue;
      }
      const attribute = /^\s*@@(\w+)/.exec(line);
      if (attribute) {
        const key = `${block.name}@@${attribute[1]}`;
        const n = attributeCount.get(key) ?? 0;
        attributeCount.set(key, n + 1);
        locations.set(`attr:${key}#${n}`, at);
        continue;
      }
      const field = /^\s*([A-Za-z_]\w*)\s+\S/.exec(line);
      if (!field) continue;
      locations.set(`field:${block.name}.${field[1]}`, at);
      const relation = attributeArguments(line, '@relation');
      const map = relation === undefined ? null : /\bmap\s*:\s*"([^"]+)"/.exec(relation);
      if (map) foreignKeyNames.set(`${block.name}.${field[1]}`, map[1]!);
    }
    cleaned.push({ file, text: lines.join('\n') });
  }
  return { files: cleaned, locations, foreignKeyNames, relationMode, provider };
}

/** The text inside `name(...)` on a line, parentheses balanced, strings skipped. */
function attributeArguments(line: string, name: string): string | undefined {
  const start = line.indexOf(`${name}(`);
  if (start === -1) return undefined;
  let depth = 0;
  let quoted = false;
  for (let i = start + name.length; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"' && line[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return line.slice(start + name.length + 1, i);
  }
  return undefined;
}

/** Drops a `//` comment that is not inside a string. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length - 1; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}
