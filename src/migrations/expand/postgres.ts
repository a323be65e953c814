import { NO_TRANSACTION_HEADER } from '../migration-folder.js';
import { castTo, type ExpandStep, syncName } from './expand-step.js';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Rows per backfill batch: each batch commits, so locks are held for one batch at a time. */
export const BACKFILL_BATCH = 5000;

/**
 * PostgreSQL: one BEFORE trigger keeps both columns in step (an insert or update that
 * sets either one sets the other, cast to the other's type for a type change; NOT NULL on the old column is checked after it, so new
 * code may write only the new name). The backfill commits every batch, so the expand
 * migration runs outside a transaction and every statement can run again.
 */
export const postgresExpandStep: ExpandStep = {
  headers: [NO_TRANSACTION_HEADER],
  expand(rename, column) {
    const t = q(rename.table);
    return [
      `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${q(rename.to)} ${column.type}`,
      ...this.createSync(rename),
      `DO $$
DECLARE
  moved bigint;
BEGIN
  LOOP
    UPDATE ${t} SET ${q(rename.to)} = ${castTo(q(rename.from), rename.castTo)}
     WHERE ctid IN (SELECT ctid FROM ${t} WHERE ${q(rename.to)} IS NULL AND ${q(rename.from)} IS NOT NULL LIMIT ${BACKFILL_BATCH});
    GET DIAGNOSTICS moved = ROW_COUNT;
    COMMIT;
    EXIT WHEN moved = 0;
  END LOOP;
END $$`,
    ];
  },
  createSync(rename) {
    const [from, to] = [q(rename.from), q(rename.to)];
    const fn = q(syncName(rename));
    return [
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.${to} IS NULL THEN NEW.${to} := ${castTo(`NEW.${from}`, rename.castTo)}; ELSIF NEW.${from} IS NULL THEN NEW.${from} := ${castTo(`NEW.${to}`, rename.castFrom)}; END IF;
  ELSIF NEW.${to} IS DISTINCT FROM OLD.${to} THEN
    NEW.${from} := ${castTo(`NEW.${to}`, rename.castFrom)};
  ELSIF NEW.${from} IS DISTINCT FROM OLD.${from} THEN
    NEW.${to} := ${castTo(`NEW.${from}`, rename.castTo)};
  END IF;
  RETURN NEW;
END $$`,
      `DROP TRIGGER IF EXISTS ${fn} ON ${q(rename.table)}`,
      `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${q(rename.table)} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ];
  },
  dropSync(rename) {
    const fn = q(syncName(rename));
    return [`DROP TRIGGER IF EXISTS ${fn} ON ${q(rename.table)}`, `DROP FUNCTION IF EXISTS ${fn}()`];
  },
  triggerNames(rename) {
    return [syncName(rename)];
  },
};
