import type { SchemaFunction } from './model.js';

/**
 * The type names a routine's signature uses (argument types, the result, `TABLE(…)`
 * columns), lower-cased and without schema, quotes or array brackets. A name that is also
 * a table's is that table's row type: the routine can only be created after the table.
 *
 * @example
 * signatureTypeNames({ arguments: 'min_purchases integer', returns: 'SETOF customer', … })
 * // → ['integer', 'customer']
 */
export function signatureTypeNames(fn: Pick<SchemaFunction, 'arguments' | 'returns'>): string[] {
  const names: string[] = [];
  for (const argument of splitTopLevel(fn.arguments)) {
    const type = argumentType(argument);
    if (type) names.push(bareTypeName(type));
  }
  const result = (fn.returns ?? '').trim().replace(/^SETOF\s+/i, '');
  const table = /^TABLE\s*\(([\s\S]*)\)$/i.exec(result);
  if (table) for (const column of splitTopLevel(table[1]!)) names.push(bareTypeName(column.trim().split(/\s+/).slice(1).join(' ') || column));
  else if (result) names.push(bareTypeName(result));
  return names.filter((n) => n.length > 0);
}

/** `IN name type DEFAULT …` → `type`: the mode, the name and any default left out. */
function argumentType(argument: string): string | undefined {
  const words = argument
    .replace(/\s+DEFAULT\s[\s\S]*$/i, '')
    .replace(/^\s*(IN|OUT|INOUT|VARIADIC)\s+/i, '')
    .replace(/^\s*ORDER\s+BY\s+/i, '')
    .trim()
    .split(/\s+/);
  if (words.length === 0 || words[0] === '') return undefined;
  // pg_get_function_identity_arguments prints `name type` when the argument is named; a
  // one-word argument is a bare type. Multi-word type names without an argument name
  // (`double precision`) yield their last word, which is never a table's name anyway.
  return words.length === 1 ? words[0] : words.slice(1).join(' ');
}

function bareTypeName(type: string): string {
  const base = type.replace(/\[\]/g, '').replace(/\(.*\)$/, '').trim();
  const last = base.split('.').at(-1) ?? base;
  return last.replace(/^"|"$/g, '').toLowerCase();
}

/** Splits at commas outside parentheses and double quotes. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (list.slice(start).trim()) parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}
