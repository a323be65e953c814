/**
 * Keeps database passwords out of everything lockstep prints: messages, logs, JSON,
 * pages and stack traces. Two layers, because no single one is enough:
 *
 * - patterns: the password of any `scheme://user:password@host` URL, `?password=…` URL
 *   parameters and libpq `password=…` keyword/value pairs become `***`;
 * - remembered secrets: every password seen in a connection string (the URL flag,
 *   `DATABASE_URL`, the config file, `PGPASSWORD`) is also replaced literally, in its
 *   raw, percent-decoded, percent-encoded and JSON-escaped forms. That catches a driver
 *   message that echoes a password the patterns cannot recognise (a space, an `@`, a
 *   decoded `%40`).
 */

const MASK = '***';
/** Shorter values are masked by the patterns only: replacing every "pg" would wreck output. */
const MIN_REMEMBERED_LENGTH = 3;

const remembered = new Set<string>();

// scheme://user:PASSWORD@ — the password runs to the last `@` of the line before another
// `scheme://`, a `)` or a `"` (where messages and JSON end a URL), so a password holding
// `@`, `/`, `#` or a space is covered whole.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)((?:(?!:\/\/)[^\n)"])*)@/gi;
// password=VALUE in a URL query or a libpq keyword/value string (sslpassword too).
const PASSWORD_PAIR = /(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&'",;)]+)/gi;

/**
 * Masks every password in `text`.
 *
 * @example
 * redactSecrets('cannot connect to postgres://app:s3cret@db/app');
 * // → 'cannot connect to postgres://app:***@db/app'
 */
export function redactSecrets(text: string): string {
  let out = text.replace(URL_USERINFO, `$1${MASK}@`).replace(PASSWORD_PAIR, `$1${MASK}`);
  out = redactRememberedSecrets(out);
  return out;
}

/** Masks only the remembered secrets: for whole outputs (JSON, tables) where patterns could misfire. */
export function redactRememberedSecrets(text: string): string {
  if (remembered.size === 0) return text;
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...remembered].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/**
 * Remembers a secret value (a password, a token) so it is masked wherever it appears.
 *
 * @example
 * rememberSecret(process.env.PGPASSWORD);
 */
export function rememberSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_REMEMBERED_LENGTH) return;
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  try {
    forms.add(decodeURIComponent(value));
  } catch {
    // not percent-encoded
  }
  for (const form of forms) if (form.length >= MIN_REMEMBERED_LENGTH) remembered.add(form);
}

/**
 * Remembers the passwords of a connection string, in any of the forms lockstep may be
 * given: `postgres://user:pw@host/db`, `…?password=pw`, `host=h password=pw`.
 *
 * @example
 * rememberSecretsIn(process.env.DATABASE_URL);
 */
export function rememberSecretsIn(connection: string | undefined | null): void {
  if (!connection) return;
  for (const line of connection.split('\n')) {
    for (const match of line.matchAll(new RegExp(URL_USERINFO.source, 'gi'))) rememberSecret(match[2]);
    for (const match of line.matchAll(new RegExp(PASSWORD_PAIR.source, 'gi'))) {
      const value = match[2];
      rememberSecret(value);
      if (/^(['"]).*\1$/s.test(value)) rememberSecret(value.slice(1, -1).replace(/\\(.)/g, '$1'));
    }
  }
}

/** Forgets every remembered secret (for tests). */
export function forgetSecrets(): void {
  remembered.clear();
}
