import { castTo, type ExpandStep, syncName } from './expand-step.js';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const SUFFIXES = ['_ins_old', '_ins_new', '_upd_old', '_upd_new'];

/**
 * SQLite: AFTER triggers copy one column into the other on insert and update (a BEFORE
 * trigger cannot change the row there). SQLite checks NOT NULL before they run, so while
 * the old column is NOT NULL new code must still write it. The backfill is one UPDATE:
 * SQLite has one writer, and a migration holds the write lock for its whole run anyway.
 */
export const sqliteExpandStep: ExpandStep = {
  headers: [],
  expand(rename, column) {
    const t = q(rename.table);
    return [`ALTER TABLE ${t} ADD COLUMN ${q(rename.to)} ${column.type}`, ...this.createSync(rename), `UPDATE ${t} SET ${q(rename.to)} = ${castTo(q(rename.from), rename.castTo)} WHERE ${q(rename.to)} IS NULL`];
  },
  createSync(rename) {
    const [t, from, to] = [q(rename.table), q(rename.from), q(rename.to)];
    const [insOld, insNew, updOld, updNew] = this.triggerNames(rename).map(q);
    return [
      `CREATE TRIGGER ${insOld} AFTER INSERT ON ${t} FOR EACH ROW WHEN NEW.${to} IS NULL AND NEW.${from} IS NOT NULL BEGIN UPDATE ${t} SET ${to} = ${castTo(`NEW.${from}`, rename.castTo)} WHERE rowid = NEW.rowid; END`,
      `CREATE TRIGGER ${insNew} AFTER INSERT ON ${t} FOR EACH ROW WHEN NEW.${from} IS NULL AND NEW.${to} IS NOT NULL BEGIN UPDATE ${t} SET ${from} = ${castTo(`NEW.${to}`, rename.castFrom)} WHERE rowid = NEW.rowid; END`,
      `CREATE TRIGGER ${updOld} AFTER UPDATE OF ${from} ON ${t} FOR EACH ROW WHEN NEW.${from} IS NOT OLD.${from} BEGIN UPDATE ${t} SET ${to} = ${castTo(`NEW.${from}`, rename.castTo)} WHERE rowid = NEW.rowid; END`,
      `CREATE TRIGGER ${updNew} AFTER UPDATE OF ${to} ON ${t} FOR EACH ROW WHEN NEW.${to} IS NOT OLD.${to} BEGIN UPDATE ${t} SET ${from} = ${castTo(`NEW.${to}`, rename.castFrom)} WHERE rowid = NEW.rowid; END`,
    ];
  },
  dropSync(rename) {
    return this.triggerNames(rename).map((name) => `DROP TRIGGER IF EXISTS ${q(name)}`);
  },
  triggerNames(rename) {
    return SUFFIXES.map((suffix) => syncName(rename, suffix));
  },
};
