import type { ScriptFacts, StatementFact } from '../statement-facts.js';
import type { TypeLike } from '../type-compat.js';
import { identifierName, tokenizeSqlite } from '../../dialects/sqlite/sqlite-lexer.js';
import { splitSqliteStatements } from '../../dialects/sqlite/sqlite-statements.js';

/**
 * SQLite has no parser lint can load, and its DDL is small: the dialect's lexer and a few
 * patterns read the statements that matter (CREATE/DROP TABLE, CREATE INDEX, the four
 * ALTER TABLE forms). Everything else lint learns from the scratch replay's change set.
 */

/** The lexer's tokens as the patterns below read them: words lower-cased, names unquoted. */
interface Token {
  /** `word` = bare identifier or keyword; `name` = quoted identifier. */
  type: 'word' | 'name' | 'string' | 'number' | 'punct';
  /** Lower-cased for words, unquoted for names and strings. */
  value: string;
  offset: number;
}

function factTokens(sql: string): Token[] {
  return tokenizeSqlite(sql).map((t) => ({
    type: t.kind === 'word' ? 'word' : t.kind === 'quoted' ? 'name' : t.kind === 'string' || t.kind === 'blob' ? 'string' : t.kind === 'number' ? 'number' : 'punct',
    value: t.kind === 'word' ? t.text.toLowerCase() : t.kind === 'quoted' || t.kind === 'string' ? identifierName(t) : t.text,
    offset: t.start,
  }));
}

/**
 * What each statement of a SQLite migration does. Statements are split exactly as the
 * migrator splits them (`splitSqliteStatements`), so lines match the ones that run.
 *
 * @example
 * sqliteStatementFacts('alter table t rename to u;').statements[0].facts;
 * // [{ kind: 'rename-table', table: 't', newName: 'u' }]
 */
export function sqliteStatementFacts(script: string): ScriptFacts {
  return { statements: splitSqliteStatements(script).map((s) => ({ ...s, ...statementFacts(s.sql) })) };
}

/** Facts of one SQLite statement (SQLite has no CONCURRENTLY). */
function statementFacts(sql: string): { facts: StatementFact[]; concurrently: boolean } {
  const t = factTokens(sql);
  const facts: StatementFact[] = [];
  let i = 0;
  const accept = (...words: string[]) => {
    if (words.every((w, k) => t[i + k]?.type === 'word' && t[i + k].value === w)) {
      i += words.length;
      return true;
    }
    return false;
  };
  /** An identifier, skipping a `schema.` prefix. */
  const name = (): string | null => {
    const token = t[i];
    if (!token || (token.type !== 'word' && token.type !== 'name' && token.type !== 'string')) return null;
    i++;
    if (t[i]?.value === '.' && t[i + 1]) {
      i++;
      return name();
    }
    return token.value;
  };
  const parenNames = (): string[] => {
    const names: string[] = [];
    if (t[i]?.value !== '(') return names;
    let depth = 0;
    let expectName = true;
    for (; i < t.length; i++) {
      const token = t[i];
      if (token.value === '(') {
        depth++;
        if (depth === 1) expectName = true;
        continue;
      }
      if (token.value === ')') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
        continue;
      }
      if (depth === 1 && token.value === ',') expectName = true;
      else if (depth === 1 && expectName && (token.type === 'word' || token.type === 'name')) {
        names.push(token.value);
        expectName = false;
      }
    }
    return names;
  };

  if (accept('create')) {
    accept('temp') || accept('temporary');
    if (accept('table')) {
      accept('if', 'not', 'exists');
      const table = name();
      if (table) {
        facts.push({ kind: 'create-table', table });
        facts.push(...createTableForeignKeys(table, t.slice(i)));
      }
    } else {
      const unique = accept('unique');
      if (accept('index')) {
        accept('if', 'not', 'exists');
        const index = name();
        if (accept('on')) {
          const table = name();
          if (table) facts.push({ kind: 'create-index', table, index, unique, concurrently: false, columns: parenNames() });
        }
      }
    }
  } else if (accept('drop', 'table')) {
    accept('if', 'exists');
    const table = name();
    if (table) facts.push({ kind: 'drop-table', table });
  } else if (accept('alter', 'table')) {
    const table = name();
    if (!table) return { facts, concurrently: false };
    if (accept('rename', 'to')) {
      const to = name();
      if (to) facts.push({ kind: 'rename-table', table, newName: to });
    } else if (accept('rename')) {
      accept('column');
      const column = name();
      if (column && accept('to')) {
        const to = name();
        if (to) facts.push({ kind: 'rename-column', table, column, newName: to });
      }
    } else if (accept('drop')) {
      accept('column');
      const column = name();
      if (column) facts.push({ kind: 'drop-column', table, column });
    } else if (accept('add')) {
      accept('column');
      const column = name();
      if (column) {
        const rest = t.slice(i);
        const words = rest.filter((x) => x.type === 'word').map((x) => x.value);
        const notNull = rest.some((x, k) => x.value === 'not' && rest[k + 1]?.value === 'null') || words.includes('primary');
        facts.push({ kind: 'add-column', table, column, type: declaredType(rest), notNull, hasDefault: words.includes('default') || words.includes('generated') || words.includes('as') });
        const ref = rest.findIndex((x) => x.type === 'word' && x.value === 'references');
        if (ref !== -1) {
          const target = rest[ref + 1];
          const cols = rest[ref + 2]?.value === '(' && rest[ref + 3] ? [rest[ref + 3].value] : [];
          if (target) facts.push({ kind: 'add-foreign-key', table, columns: [column], referencedTable: target.value, referencedColumns: cols, notValid: false, onNewRows: true });
        }
      }
    }
  }
  return { facts, concurrently: false };
}

/** `varchar(20)` → { base: 'varchar', length: 20 } from the tokens after a column name. */
function declaredType(tokens: Token[]): TypeLike | null {
  const words: string[] = [];
  let k = 0;
  while (tokens[k]?.type === 'word' && !['not', 'null', 'default', 'primary', 'unique', 'references', 'check', 'constraint', 'collate', 'generated', 'as'].includes(tokens[k].value)) {
    words.push(tokens[k++].value);
  }
  if (words.length === 0) return null;
  const args: number[] = [];
  if (tokens[k]?.value === '(') {
    for (k++; k < tokens.length && tokens[k].value !== ')'; k++) if (tokens[k].type === 'number') args.push(Number(tokens[k].value));
  }
  const base = words.join(' ');
  const isString = /char|text|clob/.test(base);
  return { base, length: isString ? (args[0] ?? null) : null, precision: isString ? null : (args[0] ?? null), scale: isString ? null : (args[1] ?? null), arrayDimensions: 0 };
}

/** Foreign keys inside a CREATE TABLE body: column `REFERENCES t(c)` and table `FOREIGN KEY (a) REFERENCES t(c)`. */
function createTableForeignKeys(table: string, body: Token[]): StatementFact[] {
  const facts: StatementFact[] = [];
  // Split the body at depth-1 commas into column/constraint definitions.
  const parts: Token[][] = [];
  let depth = 0;
  let current: Token[] = [];
  for (const token of body) {
    if (token.value === '(') {
      depth++;
      if (depth === 1) continue;
    }
    if (token.value === ')') {
      depth--;
      if (depth === 0) break;
    }
    if (depth === 1 && token.value === ',') {
      parts.push(current);
      current = [];
    } else if (depth >= 1) current.push(token);
  }
  if (current.length > 0) parts.push(current);
  for (const part of parts) {
    const ref = part.findIndex((x) => x.type === 'word' && x.value === 'references');
    if (ref === -1) continue;
    const target = part[ref + 1]?.value;
    const referencedColumns = part[ref + 2]?.value === '(' ? collectNames(part, ref + 2) : [];
    let columns: string[];
    const fk = part.findIndex((x, k) => x.value === 'foreign' && part[k + 1]?.value === 'key');
    if (fk !== -1) columns = collectNames(part, fk + 2);
    else if (part[0]?.type === 'word' && part[0].value === 'constraint') continue;
    else columns = [part[0].value];
    if (target) facts.push({ kind: 'add-foreign-key', table, columns, referencedTable: target, referencedColumns, notValid: false, onNewRows: true });
  }
  return facts;
}

function collectNames(tokens: Token[], open: number): string[] {
  const names: string[] = [];
  if (tokens[open]?.value !== '(') return names;
  for (let k = open + 1; k < tokens.length && tokens[k].value !== ')'; k++) {
    if (tokens[k].type === 'word' || tokens[k].type === 'name') names.push(tokens[k].value);
  }
  return names;
}
