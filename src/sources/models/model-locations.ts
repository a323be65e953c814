import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { ModelIssue, ModelLocation } from './model-source.js';

/** A path as model messages show it: relative to the project root when inside it. */
export function projectPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * Finds declarations in model source text by pattern, good enough for file:line in
 * messages: the ORMs do not record where a table or column was declared.
 *
 * @example
 * const finder = new DeclarationFinder(['/app/src/schema.ts'], '/app');
 * finder.find(/pgTable\(\s*['"]users['"]/); // → { file: 'src/schema.ts', line: 4, offset: 97 }
 */
export class DeclarationFinder {
  private readonly texts: Array<{ file: string; text: string; lineStarts: number[] }>;

  constructor(
    files: string[],
    private readonly cwd: string,
  ) {
    this.texts = files.map((file) => {
      const text = readFileSync(file, 'utf8');
      const lineStarts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
      return { file, text, lineStarts };
    });
  }

  /** First match of `pattern` (in `within`'s file after its offset, else in any file). */
  find(pattern: RegExp, within?: FoundDeclaration): FoundDeclaration | undefined {
    const sources = within ? this.texts.filter((t) => t.file === within.path) : this.texts;
    for (const source of sources) {
      const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      re.lastIndex = within ? within.offset : 0;
      const match = re.exec(source.text);
      if (!match) continue;
      if (within?.end !== undefined && match.index > within.end) continue;
      return { ...this.at(source, match.index), groups: [...match] };
    }
    return undefined;
  }

  /** The location to report when nothing better is known: the first file, no line. */
  fallback(): ModelLocation {
    return { file: this.texts[0] ? projectPath(this.texts[0].file, this.cwd) : '', line: null };
  }

  private at(source: { file: string; text: string; lineStarts: number[] }, offset: number): FoundDeclaration {
    let low = 0;
    let high = source.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (source.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { file: projectPath(source.file, this.cwd), line: low + 1, path: source.file, offset, end: undefined, groups: [] };
  }
}

export interface FoundDeclaration extends ModelLocation {
  /** Absolute path. */
  path: string;
  /** Character offset of the match. */
  offset: number;
  /** Search limit for declarations inside this one (e.g. the next table). */
  end: number | undefined;
  /** The match and its capture groups. */
  groups: string[];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Issues in file and line order (the order modules export things in is not the reader's). */
export function sortIssues(issues: ModelIssue[]): ModelIssue[] {
  return issues.sort((a, b) => a.location.file.localeCompare(b.location.file) || (a.location.line ?? 0) - (b.location.line ?? 0));
}
