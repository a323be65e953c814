import type { CheckConstraint, Index, Table, View } from '../../core/model.js';
import { createViewStatements, dropViewSql } from './postgres-ddl.js';

/**
 * Objects PostgreSQL will not let a change go through while they exist: views that read
 * a column whose type changes ("cannot alter type of a column used by a view or rule"),
 * and indexes or checks whose expression compares the column with a constant of the old
 * type. Both `planPostgresMigration` and the `check` fixes drop them around the change
 * and recreate them after, so the rule lives here once.
 */

/** True when `definition` names `name` as a whole identifier, quoted or not (case-insensitive). */
export function mentions(definition: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])"?${escaped}"?($|[^A-Za-z0-9_$])`, 'i').test(definition);
}

const viewKey = (view: { schema: string; name: string }) => `${view.schema}.${view.name}`;

/**
 * The views of `views` that `reads` selects, plus every view that reads one of those,
 * transitively (dropping a view a second view selects from would fail).
 *
 * @example
 * viewsDependingOn(actual.views, (v) => mentions(v.definition, 'orders') && mentions(v.definition, 'status'))
 * // → [open_orders, and any view that selects from open_orders]
 */
export function viewsDependingOn(views: View[], reads: (view: View) => boolean): View[] {
  const found = new Map<string, View>();
  for (const view of views) if (reads(view)) found.set(viewKey(view), view);
  for (let grew = found.size > 0; grew; ) {
    grew = false;
    for (const view of views) {
      if (found.has(viewKey(view))) continue;
      if ([...found.values()].some((d) => mentions(view.definition, d.name))) {
        found.set(viewKey(view), view);
        grew = true;
      }
    }
  }
  return [...found.values()];
}

/** Views ordered so that a view comes after every view of the list its body names. */
export function dependencyOrder(views: View[]): View[] {
  const ordered: View[] = [];
  const visiting = new Set<View>();
  const visit = (view: View) => {
    if (ordered.includes(view) || visiting.has(view)) return;
    visiting.add(view);
    for (const other of views) if (other !== view && mentions(view.definition, other.name)) visit(other);
    ordered.push(view);
  };
  for (const view of [...views].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(view);
  return ordered;
}

/** DROP statements for `views`, dependents first. */
export function dropViewsSql(views: View[]): string[] {
  return dependencyOrder(views).reverse().map(dropViewSql);
}

/** CREATE statements for `views`, dependencies first. */
export function createViewsSql(views: View[]): string[] {
  return dependencyOrder(views).flatMap((view) => createViewStatements(view));
}

/**
 * Indexes and checks of `table` whose expression or predicate names `column`. A plain
 * key column is left out: PostgreSQL rebuilds such an index with the column's new type
 * by itself; an expression such as `status <> 'cancelled'::order_status` it cannot.
 */
export function expressionsUsingColumn(table: Table, column: string): { indexes: Index[]; checks: CheckConstraint[] } {
  const inIndex = (index: Index) =>
    (index.where !== null && mentions(index.where, column)) || index.keys.some((k) => k.expression !== null && mentions(k.expression, column));
  return { indexes: table.indexes.filter(inIndex), checks: table.checks.filter((c) => mentions(c.expression, column)) };
}
