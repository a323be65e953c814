import type { Column } from '../../core/model.js';
import type { ColumnRename } from '../../core/rename-columns.js';

/**
 * The per-dialect SQL of an expand/contract column rename: the new column next to the old
 * one, a backfill, and triggers that keep both in step while old and new code run side by
 * side. The contract step (drop the old column) is planned from the schemas; only the
 * triggers it must remove first come from here.
 */
/**
 * Two columns kept in step: a rename (`from` → `to`, same type), or a type change, where
 * `to` is the new-typed shadow column and values are cast on the way (`castTo` is the new
 * type, `castFrom` the old one).
 */
export interface SyncPair extends ColumnRename {
  /** Copy `from` into `to` as `CAST(from AS castTo)`. */
  castTo?: string;
  /** Copy `to` into `from` as `CAST(to AS castFrom)`. */
  castFrom?: string;
}

/** `value`, or `CAST(value AS type)` when the pair changes the type. */
export function castTo(value: string, type: string | undefined): string {
  return type === undefined ? value : `CAST(${value} AS ${type})`;
}

export interface ExpandStep {
  /** Header lines the expand migration needs (e.g. `-- lockstep:no-transaction`). */
  headers: string[];
  /** Add `rename.to` (nullable, same type as declared), create the sync triggers, backfill. */
  expand(rename: SyncPair, column: Column): string[];
  /** Create the sync triggers only (the contract step's down.sql puts them back). */
  createSync(rename: SyncPair): string[];
  /** Remove the sync triggers (and their function). */
  dropSync(rename: SyncPair): string[];
  /** Names of the triggers `createSync` creates, to leave them out of a planned schema. */
  triggerNames(rename: SyncPair): string[];
}

/** `lockstep_sync_<table>_<to>`, cut to 63 characters (PostgreSQL's identifier limit). */
export function syncName(rename: ColumnRename, suffix = ''): string {
  const base = `lockstep_sync_${rename.table}_${rename.to}`;
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}
