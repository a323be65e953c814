/**
 * Comparison keys for SQL fragments (types, defaults, expressions, view bodies), so the
 * diff engine never reports two spellings of the same thing as a change. The
 * introspectors already return canonical text; these functions are the safety net for
 * what still varies between two ways of writing the same DDL (a migration's
 * `ALTER TABLE … ADD COLUMN` versus a `CREATE TABLE` in `schema.sql`, `schema.sql` written
 * by hand versus a snapshot taken on another server version).
 *
 * The results are keys to compare, never SQL to run.
 */

/** Type aliases folded to the spelling PostgreSQL's `format_type` prints. */
const TYPE_ALIASES: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
  varchar: 'character varying',
  char: 'character',
  bpchar: 'character',
  bool: 'boolean',
  float8: 'double precision',
  float4: 'real',
  float: 'double precision',
  decimal: 'numeric',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  timetz: 'time with time zone',
  time: 'time without time zone',
  varbit: 'bit varying',
};

/**
 * Comparison key of a column type: lower case, one space, aliases folded.
 *
 * @example
 * normalizeType('VARCHAR( 20 )') === normalizeType('character varying(20)') // true
 * normalizeType('int4') === normalizeType('integer') // true
 */
export function normalizeType(type: string): string {
  return cached(typeKeys, type, computeTypeKey);
}

function computeTypeKey(type: string): string {
  let text = type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*([(,])\s*/g, '$1').replace(/\s+\)/g, ')');
  text = text.replace(/^"([^"]+)"/, '$1');
  const match = /^([a-z_][a-z0-9_ ]*?)(\(.*?\))?((?:\[\d*\])*)$/.exec(text);
  if (!match) return text;
  let base = match[1].trim();
  const args = match[2] ?? '';
  const arrays = (match[3] ?? '').replace(/\[\d+\]/g, '[]');
  base = TYPE_ALIASES[base] ?? base;
  // `timestamp(3) with time zone` and `timestamptz(3)` print the same in format_type.
  const withZone = /^(timestamp|time)(\(\d+\))? (with|without) time zone$/.exec(base + args);
  if (withZone) return `${withZone[1]}${withZone[2] ?? ''} ${withZone[3]} time zone${arrays}`;
  if (args && /^(timestamp|time) (with|without) time zone$/.test(base)) {
    const [word, ...rest] = base.split(' ');
    return `${word}${args} ${rest.join(' ')}${arrays}`;
  }
  return `${base}${args}${arrays}`;
}

/**
 * Comparison key of an expression (check, index key, predicate, view body): case folded
 * outside string literals, whitespace dropped except between two words, simple quoted
 * identifiers unquoted, redundant outer parentheses and trailing semicolons removed.
 *
 * @example
 * normalizeExpression('("price" > 0)') === normalizeExpression('price>0') // true
 */
export function normalizeExpression(expression: string): string {
  return cached(expressionKeys, expression, computeExpressionKey);
}

function computeExpressionKey(expression: string): string {
  let out = '';
  let pendingSpace = false;
  const text = expression.trim().replace(/;+\s*$/, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      pendingSpace = true;
      continue;
    }
    let token: string;
    if (ch === "'") {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      token = text.slice(i, j + 1);
      i = j;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === '"' && text[j + 1] !== '"')) j += text[j] === '"' ? 2 : 1;
      const inner = text.slice(i + 1, j);
      token = /^[a-z_][a-z0-9_$]*$/.test(inner) ? inner : `"${inner}"`;
      i = j;
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_$.]/.test(text[j])) j++;
      token = text.slice(i, j).toLowerCase();
      i = j - 1;
    } else {
      token = ch;
    }
    if (pendingSpace && out && isWordEdge(out[out.length - 1]) && isWordEdge(token[0])) out += ' ';
    pendingSpace = false;
    out += token;
  }
  return stripOuterParentheses(foldArrayCasts(out));
}

const LITERAL = String.raw`'(?:[^']|'')*'`;
const TYPE = String.raw`[a-z_][a-z0-9_ ]*(?:\([0-9,]*\))?`;

/**
 * PostgreSQL prints `x IN ('a', 'b')` on a varchar column as
 * `x::text = ANY (ARRAY['a'::character varying, 'b'::character varying]::text[])`, but the
 * same text written back is stored as `ARRAY['a'::character varying::text, …]`: without
 * folding, a check or predicate re-created from what the server printed never compares
 * equal again. Both fold to `array['a'::text,'b'::text]`: a cast of the whole array is
 * moved onto its elements, and a string literal cast through an unconstrained string type
 * to another keeps only the last cast.
 */
function foldArrayCasts(key: string): string {
  let text = key.replace(new RegExp(String.raw`\((${LITERAL}::${TYPE})\)`, 'g'), '$1');
  const castElements = (_: string, inner: string, type: string) =>
    `array[${splitTopLevel(inner).map((element) => (element.endsWith(`::${type}`) ? element : `${element}::${type}`)).join(',')}]`;
  text = text.replace(new RegExp(String.raw`\(array\[([^\[\]]*)\]\)::(${TYPE})\[\]`, 'g'), castElements);
  text = text.replace(new RegExp(String.raw`array\[([^\[\]]*)\]::(${TYPE})\[\]`, 'g'), castElements);
  return text.replace(new RegExp(String.raw`(${LITERAL})::(?:character varying|text|character|bpchar|varchar)::(text|character varying|varchar)(?![a-z0-9_(])`, 'g'), '$1::$2');
}

/** Splits a comma-separated list at its top level (outside `quote`d text and parentheses). */
export function splitTopLevel(list: string, quote: "'" | '"' = "'"): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === quote) quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out;
}

/**
 * Comparison key of a column default: an expression key where casts of literals
 * (`'a'::character varying`, `(0)::numeric`) and quotes around numbers are dropped, and
 * `current_timestamp` is the same as `now()`.
 *
 * @example
 * normalizeDefault("'queued'::character varying") === normalizeDefault("'queued'") // true
 */
export function normalizeDefault(value: string | null): string | null {
  return value === null ? null : cached(defaultKeys, value, computeDefaultKey);
}

function computeDefaultKey(value: string): string {
  let text = normalizeExpression(value);
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text
      .replace(/('(?:[^']|'')*')::[a-z_][a-z0-9_ ]*(\([0-9,]*\))?(\[\])*/g, '$1')
      .replace(/\((-?[0-9.]+)\)::[a-z_][a-z0-9_ ]*(\([0-9,]*\))?/g, '$1')
      .replace(/(^|[^a-z0-9_'])(-?[0-9.]+)::[a-z_][a-z0-9_ ]*(\([0-9,]*\))?/g, '$1$2');
    text = stripOuterParentheses(text);
  }
  text = text.replace(/^'(-?[0-9]+(?:\.[0-9]+)?)'$/, '$1');
  if (text === 'current_timestamp' || text === 'now()' || text === 'transaction_timestamp()') return 'now()';
  return text;
}

// Schemas repeat the same few types and defaults thousands of times; the keys are pure
// functions of the text, so a bounded memo makes a 1,000-table diff several times faster.
const typeKeys = new Map<string, string>();
const expressionKeys = new Map<string, string>();
const defaultKeys = new Map<string, string>();

function cached(memo: Map<string, string>, text: string, compute: (text: string) => string): string {
  let key = memo.get(text);
  if (key === undefined) {
    if (memo.size > 50_000) memo.clear();
    key = compute(text);
    memo.set(text, key);
  }
  return key;
}

function isWordEdge(ch: string): boolean {
  return /[a-z0-9_$'"]/.test(ch);
}

function stripOuterParentheses(text: string): string {
  while (text.startsWith('(') && text.endsWith(')') && closingIndex(text, 0) === text.length - 1) {
    text = text.slice(1, -1);
  }
  return text;
}

/** Index of the parenthesis closing the one at `open`, skipping string literals. */
function closingIndex(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}
