import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

const SKIP = new Set(['node_modules', '.git', 'dist', '.lockstep']);

/**
 * The files a glob such as TypeORM's `entities: ['src/entity/**\/*.ts']` names: `*`, `**`,
 * `?` and `{a,b}`, relative to `cwd` unless absolute. Sorted; node_modules never walked.
 *
 * @example
 * expandGlob('src/entity/*.ts', '/app'); // → ['/app/src/entity/order.ts', '/app/src/entity/user.ts']
 */
export function expandGlob(pattern: string, cwd: string): string[] {
  const absolute = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  const segments = absolute.split('/');
  const firstMagic = segments.findIndex((s) => /[*?{]/.test(s));
  if (firstMagic === -1) return existsSync(absolute) ? [absolute] : [];
  const root = segments.slice(0, firstMagic).join('/') || '/';
  if (!existsSync(root)) return [];
  const matcher = globRegExp(segments.slice(firstMagic).join('/'));
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (SKIP.has(entry)) continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (matcher.test(relative(root, full))) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      const close = glob.indexOf('}', i);
      re += `(?:${glob.slice(i + 1, close).split(',').map(escape).join('|')})`;
      i = close;
    } else re += escape(ch);
  }
  return new RegExp(`^${re}$`);
}

function escape(text: string): string {
  return text.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}
