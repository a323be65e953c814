import { LockstepError } from '../core/errors.js';
import type { DialectName } from '../core/model.js';
import { redactSecrets, rememberSecretsIn } from '../core/redact-secrets.js';

export interface ConnectionUrl {
  dialect: DialectName;
  /** The URL as given (may contain a password: never print it). */
  url: string;
  /** The URL with the password replaced by `***`. */
  display: string;
  /** SQLite: the file path, or `:memory:`. */
  filename?: string;
}

/**
 * Parses a database URL: `postgres://…`, `postgresql://…`, `sqlite:./path.db`,
 * `sqlite:///abs/path.db`, `sqlite::memory:`.
 *
 * @example
 * parseConnectionUrl('postgres://app:secret@db:5432/app').display
 * // → 'postgres://app:***@db:5432/app'
 */
export function parseConnectionUrl(url: string): ConnectionUrl {
  const trimmed = url.trim();
  rememberSecretsIn(trimmed);
  if (/^[a-z_]+\s*=/i.test(trimmed)) {
    throw new LockstepError(`unsupported database URL: ${redactPassword(trimmed)} is a libpq keyword/value string`, {
      hint: 'Write it as a URL, postgres://USER:PASSWORD@HOST:5432/DATABASE, with special characters of the password percent-encoded (%40 for an at sign, %2F for a slash).',
    });
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new LockstepError(`malformed database URL: ${redactPassword(trimmed)}`, {
        hint: 'Expected postgres://user:password@host:port/database',
      });
    }
    if (!parsed.hostname && !parsed.searchParams.get('host')) {
      throw new LockstepError(`malformed database URL: ${redactPassword(trimmed)} has no host`, {
        hint: 'Expected postgres://user:password@host:port/database',
      });
    }
    return { dialect: 'postgres', url: trimmed, display: redactPassword(trimmed) };
  }
  if (/^sqlite:/i.test(trimmed)) {
    let filename = trimmed.slice('sqlite:'.length);
    if (filename.startsWith('//')) filename = filename.slice(2);
    if (filename === '') {
      throw new LockstepError(`malformed database URL: ${trimmed} names no file`, {
        hint: 'Expected sqlite:./path.db or sqlite::memory:',
      });
    }
    return { dialect: 'sqlite', url: trimmed, display: trimmed, filename };
  }
  throw new LockstepError(`unsupported database URL: ${redactPassword(trimmed)}`, {
    hint: 'Use postgres://user@host:5432/db, sqlite:./path.db or sqlite::memory:',
  });
}

/**
 * Replaces every password in `text` with `***`: URL user info, `?password=`, libpq
 * `password=` pairs, and any password lockstep has seen in a connection string.
 */
export function redactPassword(text: string): string {
  return redactSecrets(text);
}
