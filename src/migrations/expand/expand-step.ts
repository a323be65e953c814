import type { Column } from '../../core/model.js';
import type { ColumnRename } from '../../core/rename-columns.js';

/**
 * The per-dialect SQL of an expand/contract column rename: the new column next to the old
 * one, a backfill, and triggers that keep both in step while old and new code run side by
 * side. The contract step (drop the old column) is planned from the schemas; only the
 * triggers it must remove first come from here.
 */
export interface ExpandStep {
  /** Header lines the expand migration needs (e.g. `-- lockstep:no-transaction`). */
  headers: string[];
  /** Add `rename.to` (nullable, same type as declared), create the sync triggers, backfill. */
  expand(rename: ColumnRename, column: Column): string[];
  /** Create the sync triggers only (the contract step's down.sql puts them back). */
  createSync(rename: ColumnRename): string[];
  /** Remove the sync triggers (and their function). */
  dropSync(rename: ColumnRename): string[];
  /** Names of the triggers `createSync` creates, to leave them out of a planned schema. */
  triggerNames(rename: ColumnRename): string[];
}

/** `lockstep_sync_<table>_<to>`, cut to 63 characters (PostgreSQL's identifier limit). */
export function syncName(rename: ColumnRename, suffix = ''): string {
  const base = `lockstep_sync_${rename.table}_${rename.to}`;
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}
