import type {
  CompositeType,
  Domain,
  EnumType,
  Index,
  NotComparedObject,
  Partition,
  PartitionObjects,
  Schema,
  Table,
} from '../../core/model.js';
import type { Queryable } from '../database.js';
import {
  type ColumnRow,
  type ConstraintRow,
  type DefaultPrivilegeRow,
  type DomainRow,
  type FunctionRow,
  type GrantRow,
  type IndexRow,
  type PolicyRow,
  type SequenceRow,
  toCheck,
  toColumn,
  toDefaultPrivilege,
  toForeignKey,
  toFunction,
  toGrant,
  toIndex,
  toPolicy,
  toSequence,
  toTrigger,
  toView,
} from './postgres-catalog-rows.js';

export { parsePostgresType } from './postgres-catalog-rows.js';
import type { IntrospectOptions } from '../dialect.js';

/**
 * Reads the live schema from pg_catalog with fifteen queries, one per object kind (tables,
 * columns, constraints, indexes, enums, views, triggers, policies, functions with
 * procedures and aggregates, sequences, extensions, domains, composite types, the objects
 * it lists as not compared, and
 * privileges: grants on every kind of object with the default privileges, in one),
 * plus one that resets `search_path`, whatever the number of tables: a 1,000-table
 * database costs the same round trips as a 1-table one.
 *
 * Expressions and definitions are printed by the server relative to `search_path`: a
 * session where a script left it set (every plain `pg_dump -s` file sets it to '') would
 * print `public.`-qualified names where a live connection prints bare ones. So the session
 * is put back to its default first; run the script and the introspection on one
 * connection (`db.withConnection`) for that to hold.
 *
 * Left out: system schemas, the `lockstep` schema (jobs), any table named
 * `lockstep_migrations` (history), objects owned by extensions, and partitions as tables
 * (a partition is read on its parent, with the indexes, constraints and triggers it has of
 * its own).
 *
 * @example
 * const schema = await introspectPostgres(db);
 * schema.tables.map((t) => t.name); // → ['orders', 'users']
 */
export async function introspectPostgres(db: Queryable, options: IntrospectOptions = {}): Promise<Schema> {
  const params = options.schemas ? [options.schemas] : [];
  const ns = (alias: string) =>
    options.schemas
      ? `${alias}.nspname = any($1::text[])`
      : `${alias}.nspname not in ('pg_catalog', 'information_schema', 'lockstep') and ${alias}.nspname not like 'pg\\_toast%' and ${alias}.nspname not like 'pg\\_temp\\_%'`;
  const notExtension = (oid: string, catalog: string) =>
    `not exists (select 1 from pg_depend d where d.classid = '${catalog}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;
  // The tables lockstep reads; every per-table query joins on this so they agree.
  const tableFilter = `c.relkind in ('r', 'p') and not c.relispartition and c.relname <> 'lockstep_migrations' and ${ns('n')} and ${notExtension('c.oid', 'pg_class')}`;
  // A partition of a table lockstep reads (not of a sub-partitioned one): its own objects
  // (created on it, not inherited from the parent) are read into the parent's partition list.
  const partitionFilter = `c.relkind in ('r', 'p') and c.relispartition and ${ns('n')}
    and not exists (select 1 from pg_inherits pi join pg_class pp on pp.oid = pi.inhparent where pi.inhrelid = c.oid and pp.relispartition)`;
  const subPartition = `exists (select 1 from pg_inherits pi join pg_class pp on pp.oid = pi.inhparent where pi.inhrelid = c.oid and pp.relispartition)`;

  await db.query(`select set_config('search_path', reset_val, false) from pg_settings where name = 'search_path' and setting is distinct from reset_val`);
  const [tables, columns, constraints, indexes, enums, views, triggers, policies, functions, sequences, extensions, domains, compositeTypes, notCompared, access] = [
    await db.query<{ schema: string; name: string; rls: boolean; rls_forced: boolean; unlogged: boolean; comment: string | null; partition_key: string | null; partitions: Partition[] | null }>(
      `select n.nspname as schema, c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as rls_forced,
              c.relpersistence = 'u' as unlogged, obj_description(c.oid, 'pg_class') as comment,
              case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
              (select json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname, 'bound', pg_get_expr(pc.relpartbound, pc.oid)) order by pn.nspname, pc.relname)
                 from pg_inherits i join pg_class pc on pc.oid = i.inhrelid join pg_namespace pn on pn.oid = pc.relnamespace
                where i.inhparent = c.oid and pc.relispartition) as partitions
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where ${tableFilter}`,
      params,
    ),
    await db.query<ColumnRow>(
      `select n.nspname as schema, c.relname as table, a.attname as name,
              case when et.typnamespace = 'pg_catalog'::regnamespace then format_type(a.atttypid, a.atttypmod)
                   else case when en.nspname = 'public' then '' else quote_ident(en.nspname) || '.' end
                        || quote_ident(et.typname) || case when t.typcategory = 'A' then '[]' else '' end
              end as type,
              not a.attnotnull as nullable,
              pg_get_expr(ad.adbin, ad.adrelid) as expr,
              a.attidentity as identity, a.attgenerated as generated, col_description(c.oid, a.attnum) as comment,
              (select case when cn.nspname in ('pg_catalog', 'public') then quote_ident(co.collname)
                           else quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end
                 from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace
                where co.oid = a.attcollation and a.attcollation <> t.typcollation and co.collname <> 'default') as collation
         from pg_attribute a
         join pg_class c on c.oid = a.attrelid
         join pg_namespace n on n.oid = c.relnamespace
         join pg_type t on t.oid = a.atttypid
         join pg_type et on et.oid = case when t.typcategory = 'A' and t.typelem <> 0 then t.typelem else t.oid end
         join pg_namespace en on en.oid = et.typnamespace
         left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
        where a.attnum > 0 and not a.attisdropped and ${tableFilter}
        order by n.nspname, c.relname, a.attnum`,
      params,
    ),
    await db.query<ConstraintRow>(
      `select n.nspname as schema, c.relname as table, k.conname as name, k.contype as type,
              array(select a.attname::text from unnest(k.conkey) with ordinality as u(attnum, ord)
                      join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.ord) as columns,
              fn.nspname as ref_schema, fc.relname as ref_table,
              array(select a.attname::text from unnest(k.confkey) with ordinality as u(attnum, ord)
                      join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.attnum order by u.ord) as ref_columns,
              k.confdeltype as on_delete, k.confupdtype as on_update,
              pg_get_constraintdef(k.oid, true) as definition,
              case when not k.condeferrable then null when k.condeferred then 'deferred' else 'immediate' end as deferrable,
              coalesce((select (to_jsonb(ix) ->> 'indnullsnotdistinct')::boolean from pg_index ix where ix.indexrelid = k.conindid and k.contype = 'u'), false) as nulls_not_distinct
         from pg_constraint k
         join pg_class c on c.oid = k.conrelid
         join pg_namespace n on n.oid = c.relnamespace
         left join pg_class fc on fc.oid = k.confrelid
         left join pg_namespace fn on fn.oid = fc.relnamespace
        -- A foreign key that references a partitioned table has a clone per partition (conparentid set): only the parent is the user's.
        where (k.contype in ('p', 'u', 'f', 'c', 'x') and ${tableFilter} and (k.contype <> 'f' or k.conparentid = 0))
           or (${partitionFilter} and ((k.contype = 'c' and k.conislocal and k.coninhcount = 0) or (k.contype in ('u', 'f') and k.conparentid = 0)))`,
      params,
    ),
    await db.query<IndexRow>(
      `select n.nspname as schema, c.relname as table, i.relname as name, x.indisunique as unique,
              am.amname as method, pg_get_expr(x.indpred, x.indrelid, true) as where,
              (select json_agg(json_build_object(
                        'column', a.attname,
                        'expression', case when x.indkey[k.i] = 0 then pg_get_indexdef(x.indexrelid, k.i + 1, true) end,
                        'descending', (x.indoption[k.i] & 1) = 1,
                        'nulls_first', (x.indoption[k.i] & 2) = 2,
                        'opclass', (select case when oc.opcdefault then null
                                                when ocn.nspname in ('pg_catalog', 'public') then quote_ident(oc.opcname)
                                                else quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) end
                                      from pg_opclass oc join pg_namespace ocn on ocn.oid = oc.opcnamespace
                                     where oc.oid = x.indclass[k.i])) order by k.i)
                 from generate_series(0, x.indnkeyatts - 1) as k(i)
                 left join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.indkey[k.i] and x.indkey[k.i] <> 0
              ) as keys,
              array(select a.attname::text from generate_series(x.indnkeyatts, x.indnatts - 1) as k(i)
                      join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.indkey[k.i] order by k.i) as include,
              -- indnullsnotdistinct is PostgreSQL 15+: read through to_jsonb so older servers answer false.
              coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::boolean, false) as nulls_not_distinct,
              pg_indexam_has_property(am.oid, 'can_order') as ordered
         from pg_index x
         join pg_class i on i.oid = x.indexrelid
         join pg_class c on c.oid = x.indrelid
         join pg_namespace n on n.oid = c.relnamespace
         join pg_am am on am.oid = i.relam
        where (${tableFilter} or (c.relkind = 'm' and ${ns('n')} and ${notExtension('c.oid', 'pg_class')})
               or (${partitionFilter} and not exists (select 1 from pg_inherits h where h.inhrelid = x.indexrelid)))
          and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.conrelid = x.indrelid and k.contype in ('p', 'u', 'x'))`,
      params,
    ),
    await db.query<{ schema: string; name: string; values: string[] }>(
      `select n.nspname as schema, t.typname as name,
              array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder) as values
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where t.typtype = 'e' and ${ns('n')} and ${notExtension('t.oid', 'pg_type')}`,
      params,
    ),
    await db.query<{ schema: string; name: string; definition: string; materialized: boolean }>(
      `select n.nspname as schema, c.relname as name, pg_get_viewdef(c.oid, true) as definition, c.relkind = 'm' as materialized
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('v', 'm') and ${ns('n')} and ${notExtension('c.oid', 'pg_class')}`,
      params,
    ),
    await db.query<{ schema: string; table: string; name: string; definition: string; enabled: string }>(
      `select n.nspname as schema, c.relname as table, g.tgname as name, pg_get_triggerdef(g.oid, true) as definition, g.tgenabled as enabled
         from pg_trigger g
         join pg_class c on c.oid = g.tgrelid
         join pg_namespace n on n.oid = c.relnamespace
        where not g.tgisinternal and (${tableFilter}
              -- tgparentid is PostgreSQL 13+: read through to_jsonb so older servers read every trigger of a partition.
              or (${partitionFilter} and coalesce((to_jsonb(g) ->> 'tgparentid')::oid, 0) = 0))`,
      params,
    ),
    await db.query<PolicyRow>(
      `select n.nspname as schema, c.relname as table, p.polname as name, p.polcmd as command, p.polpermissive as permissive,
              array(select case when r.oid = 0 then 'public' else (select a.rolname::text from pg_roles a where a.oid = r.oid) end
                      from unnest(p.polroles) as r(oid) order by 1) as roles,
              pg_get_expr(p.polqual, p.polrelid, true) as using, pg_get_expr(p.polwithcheck, p.polrelid, true) as with_check
         from pg_policy p
         join pg_class c on c.oid = p.polrelid
         join pg_namespace n on n.oid = c.relnamespace
        where ${tableFilter}`,
      params,
    ),
    await db.query<FunctionRow>(
      `select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as arguments, p.prokind as kind,
              case when p.prokind = 'p' then null else pg_get_function_result(p.oid) end as returns,
              l.lanname as language, p.provolatile as volatility, p.prosecdef as definer, pg_get_functiondef(p.oid) as definition
         from pg_proc p
         join pg_namespace n on n.oid = p.pronamespace
         join pg_language l on l.oid = p.prolang
        where p.prokind in ('f', 'p') and ${ns('n')} and ${notExtension('p.oid', 'pg_proc')}
       union all
       -- Aggregates have no pg_get_functiondef: their CREATE is written from pg_aggregate,
       -- every support function schema-qualified so the statement runs under any search_path.
       select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind, pg_get_function_result(p.oid),
              l.lanname, p.provolatile, p.prosecdef,
              'CREATE OR REPLACE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_arguments(p.oid) || ') (' ||
              concat_ws(', ',
                'SFUNC = ' || ${supportFunction('a.aggtransfn')}, 'STYPE = ' || format_type(a.aggtranstype, null),
                case when a.aggtransspace <> 0 then 'SSPACE = ' || a.aggtransspace end,
                case when a.aggfinalfn <> 0 then 'FINALFUNC = ' || ${supportFunction('a.aggfinalfn')} end,
                case when a.aggfinalextra then 'FINALFUNC_EXTRA' end,
                case when a.aggfinalfn <> 0 and a.aggfinalmodify <> case when a.aggkind = 'n' then 'r' else 'w' end
                     then 'FINALFUNC_MODIFY = ' || case a.aggfinalmodify when 'r' then 'READ_ONLY' when 's' then 'SHAREABLE' else 'READ_WRITE' end end,
                case when a.aggcombinefn <> 0 then 'COMBINEFUNC = ' || ${supportFunction('a.aggcombinefn')} end,
                case when a.aggserialfn <> 0 then 'SERIALFUNC = ' || ${supportFunction('a.aggserialfn')} end,
                case when a.aggdeserialfn <> 0 then 'DESERIALFUNC = ' || ${supportFunction('a.aggdeserialfn')} end,
                case when a.agginitval is not null then 'INITCOND = ' || quote_literal(a.agginitval) end,
                case when a.aggmtransfn <> 0 then 'MSFUNC = ' || ${supportFunction('a.aggmtransfn')} || ', MINVFUNC = ' || ${supportFunction('a.aggminvtransfn')}
                     || ', MSTYPE = ' || format_type(a.aggmtranstype, null) end,
                case when a.aggmtransspace <> 0 then 'MSSPACE = ' || a.aggmtransspace end,
                case when a.aggmfinalfn <> 0 then 'MFINALFUNC = ' || ${supportFunction('a.aggmfinalfn')} end,
                case when a.aggmfinalextra then 'MFINALFUNC_EXTRA' end,
                case when a.aggminitval is not null then 'MINITCOND = ' || quote_literal(a.aggminitval) end,
                case when a.aggsortop <> 0 then (select 'SORTOP = OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')'
                     from pg_operator o join pg_namespace opn on opn.oid = o.oprnamespace where o.oid = a.aggsortop) end,
                case when a.aggkind = 'h' then 'HYPOTHETICAL' end,
                case p.proparallel when 's' then 'PARALLEL = SAFE' when 'r' then 'PARALLEL = RESTRICTED' end
              ) || ')'
         from pg_proc p
         join pg_aggregate a on a.aggfnoid = p.oid
         join pg_namespace n on n.oid = p.pronamespace
         join pg_language l on l.oid = p.prolang
        where p.prokind = 'a' and ${ns('n')} and ${notExtension('p.oid', 'pg_proc')}`,
      params,
    ),
    // Identity sequences belong to their column (compared as its default), so they are left out.
    await db.query<SequenceRow>(
      `select n.nspname as schema, c.relname as name, format_type(s.seqtypid, null) as type,
              s.seqstart::text as start, s.seqincrement::text as increment, s.seqmin::text as min, s.seqmax::text as max, s.seqcycle as cycle,
              own.owner_schema, own.owner_table, own.owner_column
         from pg_sequence s
         join pg_class c on c.oid = s.seqrelid
         join pg_namespace n on n.oid = c.relnamespace
         left join lateral (
           select tn.nspname as owner_schema, t.relname as owner_table, a.attname as owner_column
             from pg_depend d
             join pg_class t on t.oid = d.refobjid
             join pg_namespace tn on tn.oid = t.relnamespace
             join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
            where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass and d.deptype = 'a'
            limit 1
         ) own on true
        where ${ns('n')} and ${notExtension('c.oid', 'pg_class')}
          and not exists (select 1 from pg_depend i where i.classid = 'pg_class'::regclass and i.objid = c.oid and i.deptype = 'i')
          and own.owner_table is distinct from 'lockstep_migrations'`,
      params,
    ),
    await db.query<{ name: string; schema: string; version: string }>(
      `select e.extname as name, n.nspname as schema, e.extversion as version
         from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname <> 'plpgsql'${options.schemas ? ` and ${ns('n')}` : ''}`,
      params,
    ),
    await db.query<DomainRow>(
      `select n.nspname as schema, t.typname as name, format_type(t.typbasetype, t.typtypmod) as type, t.typdefault as default, t.typnotnull as not_null,
              coalesce((select json_agg(json_build_object('name', k.conname, 'definition', pg_get_constraintdef(k.oid, true)) order by k.conname)
                          from pg_constraint k where k.contypid = t.oid and k.contype = 'c'), '[]'::json) as checks
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where t.typtype = 'd' and ${ns('n')} and ${notExtension('t.oid', 'pg_type')}`,
      params,
    ),
    await db.query<CompositeType>(
      `select n.nspname as schema, t.typname as name,
              (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) order by a.attnum)
                 from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) as attributes
         from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_class c on c.oid = t.typrelid
        where t.typtype = 'c' and c.relkind = 'c' and ${ns('n')} and ${notExtension('t.oid', 'pg_type')}`,
      params,
    ),
    // What lockstep sees but does not model yet, listed by name so a report never implies
    // they were compared: range types, foreign tables, rules, aggregates, partitioning
    // below the first level (a partition that is partitioned itself, and its partitions),
    // and what one partition has that its parent does not (indexes, constraints, triggers).
    await db.query<NotComparedObject>(
      `select n.nspname as schema, t.typname as name, 'range type' as type, 'range types are not compared yet' as reason
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where t.typtype = 'r' and ${ns('n')} and ${notExtension('t.oid', 'pg_type')}
       union all
       select n.nspname, c.relname, 'foreign table', 'foreign tables are not compared yet'
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'f' and ${ns('n')} and ${notExtension('c.oid', 'pg_class')}
       union all
       select n.nspname, r.rulename, 'rule', 'rule on ' || quote_ident(c.relname) || ': rules are not compared yet'
         from pg_rewrite r join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
        where r.rulename <> '_RETURN' and ${ns('n')} and ${notExtension('c.oid', 'pg_class')}

       union all
       select n.nspname, c.relname, 'partition',
              'partition of partition ' || quote_ident(pn.nspname) || '.' || quote_ident(p.relname) || ' ' || pg_get_expr(c.relpartbound, c.oid) || ': sub-partitions are not compared yet'
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         join pg_inherits i on i.inhrelid = c.oid join pg_class p on p.oid = i.inhparent join pg_namespace pn on pn.oid = p.relnamespace
        where c.relispartition and p.relispartition and c.relkind in ('r', 'p') and ${ns('n')}
       union all
       select n.nspname, i.relname, 'index', 'index of partition ' || quote_ident(c.relname) || ' only: a partition''s own indexes are not compared yet'
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid join pg_namespace n on n.oid = c.relnamespace
        where c.relispartition and ${subPartition} and ${ns('n')} and not exists (select 1 from pg_inherits h where h.inhrelid = x.indexrelid)
          and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.conrelid = x.indrelid)
       union all
       select n.nspname, k.conname, 'constraint', 'constraint of partition ' || quote_ident(c.relname) || ' only: a partition''s own constraints are not compared yet'
         from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        where c.relispartition and ${ns('n')} and (${subPartition} or k.contype in ('p', 'x'))
          and ((k.contype = 'c' and k.conislocal and k.coninhcount = 0) or (k.contype in ('p', 'u', 'f', 'x') and k.conparentid = 0))
       union all
       -- tgparentid is PostgreSQL 13+: read through to_jsonb so older servers list every trigger of a partition.
       select n.nspname, g.tgname, 'trigger', 'trigger of partition ' || quote_ident(c.relname) || ' only: a partition''s own triggers are not compared yet'
         from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where c.relispartition and ${subPartition} and not g.tgisinternal and ${ns('n')} and coalesce((to_jsonb(g) ->> 'tgparentid')::oid, 0) = 0
       union all
       select n.nspname, c.relname, 'partitioned table',
              'a partition that is partitioned itself (' || pg_get_partkeydef(c.oid) || '): its partitioning is not compared yet'
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'p' and c.relispartition and ${ns('n')}
`,
      params,
    ),
    // Privileges (one row): `aclexplode` of the ACLs of relations and their columns,
    // schemas, functions and procedures, and types, the owner's own (implicit) privileges
    // left out, grantee 0 = PUBLIC. A null ACL is the default: nothing for relations and
    // schemas, but PUBLIC's EXECUTE on a function and USAGE on a type, read through
    // `acldefault` so that a revoke shows as their absence. Then the default privileges
    // (`pg_default_acl`): a schema's entry adds to the defaults, a global entry replaces
    // them, so for a global one what it adds and what it takes away from `acldefault` is
    // read. With the server's role names, so a grant to a role that does not exist here is
    // said plainly, and the connecting role (a default privilege of it has no `FOR ROLE`).
    await db.query<{ grants: GrantRow[] | null; default_privileges: DefaultPrivilegeRow[] | null; roles: string[] | null }>(
      `select (select json_agg(g) from (
                select n.nspname as schema, c.relname as name, c.relkind::text as kind, null::text as column_name, null::text as arguments,
                       case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end as grantee,
                       a.privilege_type as privilege, a.is_grantable as grantable
                  from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
                 where c.relkind in ('r', 'p', 'v', 'm', 'S') and c.relacl is not null and a.grantee <> c.relowner
                   and c.relname <> 'lockstep_migrations' and ${ns('n')} and ${notExtension('c.oid', 'pg_class')}
                union all
                select n.nspname, c.relname, c.relkind::text, att.attname::text, null,
                       case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
                       a.privilege_type, a.is_grantable
                  from pg_attribute att join pg_class c on c.oid = att.attrelid join pg_namespace n on n.oid = c.relnamespace, aclexplode(att.attacl) a
                 where c.relkind in ('r', 'p', 'v', 'm') and att.attnum > 0 and not att.attisdropped and att.attacl is not null and a.grantee <> c.relowner
                   and c.relname <> 'lockstep_migrations' and ${ns('n')} and ${notExtension('c.oid', 'pg_class')}
                union all
                select n.nspname, n.nspname, 'schema', null, null,
                       case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
                       a.privilege_type, a.is_grantable
                  from pg_namespace n, aclexplode(n.nspacl) a
                 where n.nspacl is not null and a.grantee <> n.nspowner and n.nspname <> 'lockstep' and ${ns('n')} and ${notExtension('n.oid', 'pg_namespace')}
                union all
                select n.nspname, p.proname, case p.prokind when 'p' then 'procedure' else 'function' end, null, pg_get_function_identity_arguments(p.oid),
                       case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
                       a.privilege_type, a.is_grantable
                  from pg_proc p join pg_namespace n on n.oid = p.pronamespace, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                 where p.prokind in ('f', 'p') and a.grantee <> p.proowner and ${ns('n')} and ${notExtension('p.oid', 'pg_proc')}
                union all
                select n.nspname, t.typname, 'type', null, null,
                       case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
                       a.privilege_type, a.is_grantable
                  from pg_type t join pg_namespace n on n.oid = t.typnamespace, aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a
                 where (t.typtype in ('e', 'd') or (t.typtype = 'c' and exists (select 1 from pg_class k where k.oid = t.typrelid and k.relkind = 'c')))
                   and a.grantee <> t.typowner and ${ns('n')} and ${notExtension('t.oid', 'pg_type')}
              ) g) as grants,
              (select json_agg(d) from (
                select case when d.defaclrole = (select oid from pg_roles where rolname = current_user) then null else pg_get_userbyid(d.defaclrole)::text end as role,
                       dn.nspname as schema, d.defaclobjtype::text as kind,
                       case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end as grantee,
                       a.privilege_type as privilege, a.is_grantable as grantable, false as revoked
                  from pg_default_acl d left join pg_namespace dn on dn.oid = d.defaclnamespace, aclexplode(d.defaclacl) a
                 where a.grantee <> d.defaclrole and (d.defaclnamespace = 0 or ${ns('dn')})
                   and (d.defaclnamespace <> 0 or not exists (select 1 from aclexplode(acldefault(d.defaclobjtype, d.defaclrole)) x
                                                                where x.grantee = a.grantee and x.privilege_type = a.privilege_type and x.is_grantable = a.is_grantable))
                union all
                select case when d.defaclrole = (select oid from pg_roles where rolname = current_user) then null else pg_get_userbyid(d.defaclrole)::text end,
                       null, d.defaclobjtype::text,
                       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
                       x.privilege_type, x.is_grantable, true
                  from pg_default_acl d, aclexplode(acldefault(d.defaclobjtype, d.defaclrole)) x
                 where d.defaclnamespace = 0 and x.grantee <> d.defaclrole
                   and not exists (select 1 from aclexplode(d.defaclacl) a where a.grantee = x.grantee and a.privilege_type = x.privilege_type)
              ) d) as default_privileges,
              (select array_agg(rolname::text order by rolname) from pg_roles where rolname not like 'pg\\_%') as roles`,
      params,
    ),
  ];

  const byKey = new Map<string, Table>();
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  for (const row of tables.rows) {
    byKey.set(key(row.schema, row.name), {
      schema: row.schema,
      name: row.name,
      columns: [],
      primaryKey: null,
      uniques: [],
      foreignKeys: [],
      indexes: [],
      checks: [],
      triggers: [],
      rowSecurity: { enabled: row.rls, forced: row.rls_forced },
      policies: [],
      exclusions: [],
      comment: row.comment,
      partitioning: row.partition_key ? { key: row.partition_key, partitions: row.partitions ?? [] } : null,
      ...(row.unlogged ? { options: ['unlogged'] } : {}),
    });
  }
  const tableOf = (row: { schema: string; table: string }) => byKey.get(key(row.schema, row.table));
  const ownObjects = new Map<string, PartitionObjects>();
  for (const table of byKey.values()) {
    for (const part of table.partitioning?.partitions ?? []) ownObjects.set(key(part.schema, part.name), (part.own = { uniques: [], foreignKeys: [], checks: [], indexes: [], triggers: [] }));
  }
  // A table's, or else a partition's own objects (the queries read no other partition rows).
  const holderOf = (row: { schema: string; table: string }) => tableOf(row) ?? ownObjects.get(key(row.schema, row.table));

  for (const row of columns.rows) tableOf(row)?.columns.push(toColumn(row));
  for (const row of constraints.rows) {
    const own = ownObjects.get(key(row.schema, row.table));
    if (own && !tableOf(row)) {
      if (row.type === 'u') own.uniques.push({ name: row.name, columns: row.columns, nullsNotDistinct: row.nulls_not_distinct, deferrable: row.deferrable });
      else if (row.type === 'f') own.foreignKeys.push(toForeignKey(row));
      else if (row.type === 'c') own.checks.push(toCheck(row));
      continue;
    }
    const table = tableOf(row);
    if (!table) continue;
    if (row.type === 'p') table.primaryKey = { name: row.name, columns: row.columns, deferrable: row.deferrable };
    else if (row.type === 'u') table.uniques.push({ name: row.name, columns: row.columns, nullsNotDistinct: row.nulls_not_distinct, deferrable: row.deferrable });
    else if (row.type === 'f') table.foreignKeys.push(toForeignKey(row));
    else if (row.type === 'c') table.checks.push(toCheck(row));
    else if (row.type === 'x') table.exclusions!.push({ name: row.name, definition: row.definition });
  }
  // The other indexes belong to materialized views (the query reads no other relation).
  const viewIndexes = new Map<string, Index[]>();
  for (const row of indexes.rows) {
    const table = holderOf(row);
    if (table) table.indexes.push(toIndex(row));
    else viewIndexes.set(key(row.schema, row.table), [...(viewIndexes.get(key(row.schema, row.table)) ?? []), toIndex(row)]);
  }
  for (const row of triggers.rows) holderOf(row)?.triggers.push(toTrigger(row));
  for (const row of policies.rows) tableOf(row)?.policies!.push(toPolicy(row));

  const result: Schema = {
    dialect: 'postgres',
    tables: [...byKey.values()].sort(bySchemaAndName),
    enums: enums.rows.map((row): EnumType => ({ schema: row.schema, name: row.name, values: row.values })).sort(bySchemaAndName),
    views: views.rows
      .map((row) => {
        const view = toView(row);
        if (view.materialized) view.indexes = (viewIndexes.get(key(row.schema, row.name)) ?? []).sort(byName);
        return view;
      })
      .sort(bySchemaAndName),
    functions: functions.rows.map(toFunction).sort((a, b) => bySchemaAndName(a, b) || compare(a.arguments, b.arguments)),
    sequences: sequences.rows.map(toSequence).sort(bySchemaAndName),
    extensions: extensions.rows.sort((a, b) => compare(a.name, b.name)),
    compositeTypes: compositeTypes.rows.map((row) => ({ ...row, attributes: row.attributes ?? [] })).sort(bySchemaAndName),
    domains: domains.rows.map((row): Domain => ({ schema: row.schema, name: row.name, type: row.type, default: row.default, notNull: row.not_null, checks: row.checks })).sort(bySchemaAndName),
  };
  result.grants = (access.rows[0]?.grants ?? [])
    .map(toGrant)
    .sort((a, b) => bySchemaAndName(a, b) || compare(a.column ?? '', b.column ?? '') || compare(a.grantee, b.grantee) || compare(a.privilege, b.privilege));
  result.defaultPrivileges = (access.rows[0]?.default_privileges ?? [])
    .map(toDefaultPrivilege)
    .sort((a, b) => compare(a.role ?? '', b.role ?? '') || compare(a.schema ?? '', b.schema ?? '') || compare(a.objectType, b.objectType) || compare(a.grantee, b.grantee) || compare(a.privilege, b.privilege));
  result.roles = access.rows[0]?.roles ?? [];
  if (notCompared.rows.length > 0) result.notCompared = notCompared.rows.sort((a, b) => bySchemaAndName(a, b) || compare(a.type, b.type));
  for (const table of result.tables) {
    table.uniques.sort(byName);
    table.foreignKeys.sort(byName);
    table.indexes.sort(byName);
    table.checks.sort(byName);
    table.triggers.sort(byName);
    table.policies!.sort(byName);
    table.exclusions!.sort(byName);
    for (const part of table.partitioning?.partitions ?? []) {
      for (const list of [part.own!.uniques, part.own!.foreignKeys, part.own!.indexes, part.own!.checks, part.own!.triggers]) list.sort(byName);
    }
  }
  return result;
}

/** An aggregate's support function as `schema.name`, for the CREATE AGGREGATE written from the catalog. */
function supportFunction(column: string): string {
  return `(select quote_ident(fn.nspname) || '.' || quote_ident(fp.proname) from pg_proc fp join pg_namespace fn on fn.oid = fp.pronamespace where fp.oid = ${column})`;
}

function bySchemaAndName(a: { schema: string; name: string }, b: { schema: string; name: string }): number {
  return compare(a.schema, b.schema) || compare(a.name, b.name);
}

function byName(a: { name: string | null }, b: { name: string | null }): number {
  return compare(a.name ?? '', b.name ?? '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
