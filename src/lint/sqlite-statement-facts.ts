import type { StatementFact } from './statement-facts.js';
import type { TypeLike } from './type-compat.js';

/**
 * SQLite has no parser lint can load, and its DDL is small: a tokenizer and a few
 * patterns read the statements that matter (CREATE/DROP TABLE, CREATE INDEX, the four
 * ALTER TABLE forms). Everything else lint learns from the scratch replay's change set.
 */

interface Token {
  /** `word` = bare identifier or keyword; `name` = quoted identifier. */
  type: 'word' | 'name' | 'string' | 'number' | 'punct';
  /** Lower-cased for words, unquoted for names and strings. */
  value: string;
  offset: number;
}

export function tokenizeSqlite(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      let value = '';
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            value += close;
            j += 2;
            continue;
          }
          break;
        }
        value += sql[j++];
      }
      tokens.push({ type: ch === "'" ? 'string' : 'name', value, offset: i });
      i = j + 1;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      const match = /^[A-Za-z_0-9$\u0080-\uffff]+/.exec(sql.slice(i))![0];
      tokens.push({ type: 'word', value: match.toLowerCase(), offset: i });
      i += match.length;
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9.]+(e[+-]?[0-9]+)?/i.exec(sql.slice(i))![0];
      tokens.push({ type: 'number', value: match, offset: i });
      i += match.length;
    } else {
      tokens.push({ type: 'punct', value: ch, offset: i });
      i++;
    }
  }
  return tokens;
}

/** Splits a script at top-level semicolons (trigger bodies `BEGIN … END;` stay whole). */
export function splitSqliteStatements(script: string): { sql: string; line: number; offset: number; concurrently: boolean }[] {
  const tokens = tokenizeSqlite(script);
  const out: { sql: string; line: number; offset: number; concurrently: boolean }[] = [];
  let start: number | null = null;
  let startOffset = 0;
  let depth = 0;
  let isTrigger = false;
  const flush = (end: number) => {
    if (start === null) return;
    const sql = script.slice(startOffset, end).trim();
    if (sql) out.push({ sql, line: script.slice(0, startOffset).split('\n').length, offset: startOffset, concurrently: false });
    start = null;
  };
  tokens.forEach((token, index) => {
    if (start === null) {
      if (token.type === 'punct' && token.value === ';') return;
      start = index;
      startOffset = token.offset;
      depth = 0;
      isTrigger = token.value === 'create' && tokens.slice(index + 1, index + 4).some((t) => t.value === 'trigger');
    }
    if (isTrigger && token.type === 'word' && (token.value === 'begin' || token.value === 'case')) depth++;
    if (isTrigger && token.type === 'word' && token.value === 'end') depth--;
    if (token.type === 'punct' && token.value === ';' && depth <= 0) flush(token.offset);
  });
  flush(script.length);
  return out;
}

/** Facts of one SQLite statement. */
export function sqliteStatementFacts(sql: string): { facts: StatementFact[]; concurrently: boolean } {
  const t = tokenizeSqlite(sql);
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
