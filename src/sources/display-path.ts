import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { LockstepError } from '../core/errors.js';

/** A path as messages show it: relative to the working directory when that is shorter. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('../../') && rel.length < path.length ? rel : path;
}

/**
 * Reads a text file a source needs, with an error that names it and what it was for.
 *
 * @example
 * const sql = readSourceFile('schema.sql', 'schema file', 'Point --schema (or "schema" in lockstep.config.json) at your schema file.');
 */
export function readSourceFile(path: string, what: string, hint: string): string {
  if (!existsSync(path)) throw new LockstepError(`${what} not found: ${displayPath(path)}`, { hint });
  if (statSync(path).isDirectory()) throw new LockstepError(`${what} ${displayPath(path)} is a folder, expected a file`, { hint });
  return decodeText(readFileSync(path), `${what} ${displayPath(path)}`, hint);
}

/**
 * UTF-8 text, or an error that says the file is not text: binary bytes would otherwise
 * reach the database and come back as "invalid message format" or a syntax error.
 */
export function decodeText(bytes: Uint8Array, what: string, hint: string): string {
  const nul = bytes.indexOf(0);
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  if (nul === -1 && text !== undefined) return text;
  const at = nul !== -1 ? nul : firstInvalidUtf8(bytes);
  const line = bytes.subarray(0, at).reduce((n, b) => (b === 10 ? n + 1 : n), 1);
  throw new LockstepError(`${what} is not a text file: byte 0x${bytes[at].toString(16).padStart(2, '0')} at line ${line} (offset ${at}), expected SQL text in UTF-8`, {
    hint: `Check that it is the file you meant (not a binary, a compressed dump or a UTF-16 export). ${hint}`,
  });
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The longest valid prefix, by bisection; `stream` accepts a prefix cut inside a character.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  // The prefix may end in the lead bytes of the bad sequence: the error starts at them.
  for (let back = 0; back <= 3 && back <= low; back++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, low - back));
      return Math.min(low - back, bytes.length - 1);
    } catch {
      // an incomplete character: step back
    }
  }
  return Math.min(low, bytes.length - 1);
}
