/**
 * Whether `data` contains `match`: every key of a `match` object is in `data` with a
 * value that contains the match's value (recursively); anything else must be equal.
 * `match` null or undefined matches everything. This is how `ctx.waitForEvent` picks
 * the events it waits for.
 *
 * @example
 * jsonContains({ orderId: 7, total: 12 }, { orderId: 7 }); // true
 */
export function jsonContains(data: unknown, match: unknown): boolean {
  if (match === null || match === undefined) return true;
  if (typeof match !== 'object') return data === match;
  if (Array.isArray(match)) {
    return Array.isArray(data) && data.length === match.length && match.every((m, i) => jsonContains(data[i], m) && (m !== null || data[i] === null));
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  return Object.entries(match as Record<string, unknown>).every(([k, v]) => k in data && (v === null ? (data as Record<string, unknown>)[k] === null : jsonContains((data as Record<string, unknown>)[k], v)));
}
