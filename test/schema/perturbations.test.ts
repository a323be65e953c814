/**
 * For each fixture schema applied to a live database: each single perturbation reports
 * exactly that one change with the right kind, and applying the change's `fix` makes the
 * database match again.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Database } from '../../src/dialects/database.js';
import { getDialect } from '../../src/dialects/index.js';
import { withFixes } from '../../src/check/check.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { DialectName, Schema } from '../../src/core/model.js';
import type { ChangeKind } from '../../src/core/schema-change.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { createTestDatabase, testPgUrl } from '../helpers/databases.js';
import { applyFixture, FIXTURE_SCHEMAS, rebuildSqliteTable } from '../helpers/fixture-schemas.js';

interface Perturbation {
  what: string;
  /** SQL run on the live database, or a function for SQLite table rebuilds. */
  apply: string | ((db: Database) => Promise<void>);
  /** The one kind reported, or the kinds in the order listed (a unique whose definition changed is dropped and added). */
  kind: ChangeKind | ChangeKind[];
  table: string;
  column?: string;
  /** The fix deletes rows: it says so (`-- WARNING: data loss`) and the change is marked destructive. */
  destructive?: true;
}

const rebuild = (table: string, from: string, to: string) => (db: Database) => rebuildSqliteTable(db, table, [from, to]);

const CASES: Record<string, Perturbation[]> = {
  'rich/postgres': [
    { what: 'drop a column', apply: 'alter table customers drop column display_name', kind: 'column.missing', table: 'customers', column: 'display_name' },
    { what: 'add a column', apply: 'alter table stock add column bin text', kind: 'column.extra', table: 'stock', column: 'bin' },
    { what: 'change a varchar length', apply: 'alter table orders alter column note type varchar(400)', kind: 'column.type', table: 'orders', column: 'note' },
    { what: 'change a type', apply: 'alter table products alter column weight_grams type bigint', kind: 'column.type', table: 'products', column: 'weight_grams' },
    { what: 'drop an FK', apply: 'alter table order_lines drop constraint order_lines_product_fk', kind: 'fk.missing', table: 'order_lines' },
    { what: 'change FK actions', apply: 'alter table orders drop constraint orders_customer_id_fkey, add constraint orders_customer_id_fkey foreign key (customer_id) references customers (customer_id) on delete restrict', kind: 'fk.mismatch', table: 'orders' },
    { what: 'change a default', apply: "alter table customers alter column country set default 'NO'", kind: 'column.default', table: 'customers', column: 'country' },
    { what: 'drop a default', apply: 'alter table order_lines alter column quantity drop default', kind: 'column.default', table: 'order_lines', column: 'quantity' },
    { what: 'add an index', apply: 'create index customers_created_idx on customers (created_at)', kind: 'index.extra', table: 'customers' },
    { what: 'drop an index', apply: 'drop index orders_open_idx', kind: 'index.missing', table: 'orders' },
    { what: 'redefine an index', apply: 'drop index orders_customer_idx; create index orders_customer_idx on orders (customer_id, placed_at)', kind: 'index.mismatch', table: 'orders' },
    { what: 'drop a table', apply: 'drop table audit.events', kind: 'table.missing', table: 'events' },
    { what: 'add a table', apply: 'create table notes (id integer)', kind: 'table.extra', table: 'notes' },
    // order_status is read by the view open_orders and the partial index orders_open_idx:
    // recreating the type must drop and recreate both around the column rewrite.
    { what: 'add an enum value (type read by a view and a partial index)', apply: "alter type order_status add value 'refunded'", kind: 'enum.values', table: 'order_status' },
    { what: 'add an enum value', apply: "alter type audit.action add value 'truncate'", kind: 'enum.values', table: 'action' },
    {
      what: 'remove an enum value',
      apply: "alter table audit.events alter column action type text; drop type audit.action; create type audit.action as enum ('insert', 'update'); alter table audit.events alter column action type audit.action using action::audit.action",
      kind: 'enum.values',
      table: 'action',
    },
    { what: 'add an enum', apply: "create type mood as enum ('ok')", kind: 'enum.extra', table: 'mood' },
    { what: 'change a view', apply: "create or replace view open_orders as select o.order_id, c.email, o.placed_at from orders o join customers c on c.customer_id = o.customer_id where o.status in ('pending')", kind: 'view.definition', table: 'open_orders' },
    { what: 'drop a view', apply: 'drop view open_orders', kind: 'view.missing', table: 'open_orders' },
    { what: 'change nullability', apply: 'alter table products alter column weight_grams set not null', kind: 'column.nullable', table: 'products', column: 'weight_grams' },
    { what: 'drop a unique', apply: 'alter table customers drop constraint customers_email_key', kind: 'unique.missing', table: 'customers' },
    { what: 'drop a check', apply: 'alter table products drop constraint products_price_check', kind: 'check.missing', table: 'products' },
    { what: 'add a check', apply: 'alter table stock add constraint stock_on_hand_check check (on_hand >= 0)', kind: 'check.extra', table: 'stock' },
    { what: 'change the primary key', apply: 'alter table order_lines drop constraint order_lines_pkey, add primary key (line_no, order_id)', kind: 'pk.mismatch', table: 'order_lines' },
    {
      what: 'change a primary key another table references',
      apply:
        'alter table stock drop constraint stock_region_code_fkey; alter table warehouses drop constraint warehouses_pkey, add primary key (code, region); alter table stock add constraint stock_region_code_fkey foreign key (region, code) references warehouses (region, code) on update cascade on delete set null',
      kind: 'pk.mismatch',
      table: 'warehouses',
    },
    { what: 'drop an identity', apply: 'alter table customers alter column customer_id drop identity', kind: 'column.default', table: 'customers', column: 'customer_id' },
    { what: 'add an identity', apply: 'alter table products alter column product_id drop default, alter column product_id add generated by default as identity', kind: 'column.default', table: 'products', column: 'product_id' },
    { what: 'switch identity always to by default', apply: 'alter table customers alter column customer_id set generated by default', kind: 'column.default', table: 'customers', column: 'customer_id' },
    { what: 'change a generation expression', apply: 'alter table products drop column price_with_vat, add column price_with_vat numeric generated always as (price * 1.5) stored', kind: 'column.default', table: 'products', column: 'price_with_vat' },
    { what: 'make a generated column plain', apply: 'alter table products alter column price_with_vat drop expression', kind: 'column.default', table: 'products', column: 'price_with_vat' },
  ],
  'audit-trigger/postgres': [
    { what: 'drop a trigger', apply: 'drop trigger invoices_paid_guard on invoices', kind: 'trigger.missing', table: 'invoices' },
    { what: 'drop a constraint trigger', apply: 'drop trigger invoices_customer_active on invoices', kind: 'trigger.missing', table: 'invoices' },
    { what: 'disable a trigger', apply: 'alter table customers disable trigger customers_touch', kind: 'trigger.enabled', table: 'customers' },
    { what: 'enable a disabled trigger', apply: 'alter table invoice_lines enable trigger invoice_lines_total_legacy', kind: 'trigger.enabled', table: 'invoice_lines' },
    { what: 'set a trigger to fire always', apply: 'alter table customers enable always trigger customers_touch', kind: 'trigger.enabled', table: 'customers' },
    { what: 'change a trigger', apply: 'drop trigger customers_touch on customers; create trigger customers_touch before insert or update on customers for each row execute function touch_updated_at()', kind: 'trigger.definition', table: 'customers' },
    { what: 'add a trigger', apply: 'create trigger customers_extra after delete on customers for each row execute function touch_updated_at()', kind: 'trigger.extra', table: 'customers' },
    { what: 'drop an audit trigger (made by a function)', apply: 'drop trigger audit_trigger_row on invoices', kind: 'trigger.missing', table: 'invoices' },
    {
      what: 'change a function body',
      apply: 'create or replace function touch_updated_at() returns trigger language plpgsql as $$ begin new.updated_at := clock_timestamp(); return new; end; $$',
      kind: 'function.definition',
      table: 'touch_updated_at',
    },
    { what: 'change a function volatility', apply: 'alter function invoice_total(integer) volatile', kind: 'function.definition', table: 'invoice_total' },
    { what: 'change a function security', apply: 'alter function audit.if_modified_func() security invoker', kind: 'function.definition', table: 'if_modified_func' },
    { what: 'drop a procedure', apply: 'drop procedure void_invoice(integer)', kind: 'function.missing', table: 'void_invoice' },
    { what: 'drop one overload', apply: 'drop function audit.audit_table(regclass)', kind: 'function.missing', table: 'audit_table' },
    { what: 'add a function', apply: "create function extra_fn() returns int language sql as 'select 1'", kind: 'function.extra', table: 'extra_fn' },
    { what: 'change a sequence increment', apply: 'alter sequence invoice_number_seq increment by 10', kind: 'sequence.mismatch', table: 'invoice_number_seq' },
    { what: 'stop a sequence cycling', apply: 'alter sequence invoice_number_seq no cycle', kind: 'sequence.mismatch', table: 'invoice_number_seq' },
    { what: 'change a serial sequence maximum', apply: 'alter sequence customers_id_seq maxvalue 1000', kind: 'sequence.mismatch', table: 'customers_id_seq' },
    { what: 'add a sequence', apply: 'create sequence extra_seq', kind: 'sequence.extra', table: 'extra_seq' },
    { what: 'drop a varchar IN (…) check', apply: 'alter table customers drop constraint customers_status_check', kind: 'check.missing', table: 'customers' },
    { what: 'add an extension', apply: 'create extension citext', kind: 'extension.extra', table: 'citext' },
  ],
  'bookings/postgres': [
    { what: 'drop a gin_trgm_ops index (the fix recreates it with its operator class)', apply: 'drop index rooms_name_trgm_idx', kind: 'index.missing', table: 'rooms' },
    { what: 'drop an operator class', apply: 'drop index rooms_code_pattern_idx; create index rooms_code_pattern_idx on rooms (code)', kind: 'index.mismatch', table: 'rooms' },
    { what: 'drop INCLUDE columns', apply: 'drop index rooms_capacity_idx; create index rooms_capacity_idx on rooms (capacity desc nulls last)', kind: 'index.mismatch', table: 'rooms' },
    { what: 'change a nulls order', apply: 'drop index rooms_floor_idx; create index rooms_floor_idx on rooms (floor)', kind: 'index.mismatch', table: 'rooms' },
    { what: 'make a descending key nulls first (the default)', apply: 'drop index rooms_capacity_idx; create index rooms_capacity_idx on rooms (capacity desc) include (name)', kind: 'index.mismatch', table: 'rooms' },
    { what: 'drop NULLS NOT DISTINCT from a unique index', apply: 'drop index guests_phone_idx; create unique index guests_phone_idx on guests (phone)', kind: 'index.mismatch', table: 'guests' },
    { what: 'drop NULLS NOT DISTINCT from a unique constraint', apply: 'alter table rooms drop constraint rooms_code_key, add constraint rooms_code_key unique (building_id, floor, code)', kind: ['unique.extra', 'unique.missing'], table: 'rooms' },
    { what: 'make a deferrable foreign key immediate', apply: 'alter table bookings alter constraint bookings_room_fkey not deferrable', kind: 'fk.mismatch', table: 'bookings' },
    { what: 'make a foreign key initially deferred', apply: 'alter table bookings alter constraint bookings_guest_fkey deferrable initially deferred', kind: 'fk.mismatch', table: 'bookings' },
    { what: 'make a deferrable unique constraint not deferrable', apply: 'alter table buildings drop constraint buildings_code_key, add constraint buildings_code_key unique (code)', kind: ['unique.extra', 'unique.missing'], table: 'buildings' },
    { what: 'drop a column collation', apply: 'alter table rooms alter column code type text collate "default"', kind: 'column.collation', table: 'rooms', column: 'code' },
    { what: 'add a column collation', apply: 'alter table guests alter column full_name type text collate "C"', kind: 'column.collation', table: 'guests', column: 'full_name' },
    { what: 'drop an exclusion constraint', apply: 'alter table bookings drop constraint bookings_no_overlap', kind: 'exclusion.missing', table: 'bookings' },
    {
      what: 'change an exclusion constraint',
      apply: 'alter table bookings drop constraint bookings_no_overlap, add constraint bookings_no_overlap exclude using gist (room_id with =, during with &&) where (note is null)',
      kind: 'exclusion.definition',
      table: 'bookings',
    },
    { what: 'add an exclusion constraint', apply: 'alter table booking_events add constraint booking_events_one_kind exclude using btree (booking_id with =, kind with =)', kind: 'exclusion.extra', table: 'booking_events' },
    { what: "drop a domain's check", apply: 'alter domain email_address drop constraint email_address_check', kind: 'domain.definition', table: 'email_address' },
    { what: "change a domain's check", apply: "alter domain email_address drop constraint email_address_check; alter domain email_address add constraint email_address_check check (value like '%@%')", kind: 'domain.definition', table: 'email_address' },
    { what: 'give a domain a default and NOT NULL', apply: "alter domain email_address set default 'nobody@example.com'; alter domain email_address set not null", kind: 'domain.definition', table: 'email_address' },
    { what: 'add a domain', apply: 'create domain positive_int as integer check (value > 0)', kind: 'domain.extra', table: 'positive_int' },
    { what: "drop a materialized view's index", apply: 'drop index room_usage_room_idx', kind: 'index.missing', table: 'room_usage' },
    { what: 'add an index to a materialized view', apply: 'create index room_usage_bookings_idx on room_usage (bookings)', kind: 'index.extra', table: 'room_usage' },
    {
      what: 'retype a column a materialized view reads (the fix recreates the view with its index)',
      apply:
        'drop materialized view room_usage; alter table bookings alter column room_id type bigint; create materialized view room_usage as select r.room_id, count(b.booking_id) as bookings from rooms r left join bookings b on b.room_id = r.room_id group by r.room_id; create unique index room_usage_room_idx on room_usage (room_id)',
      kind: 'column.type',
      table: 'bookings',
      column: 'room_id',
    },
    { what: 'drop a composite type', apply: 'drop type money_amount', kind: 'composite-type.missing', table: 'money_amount' },
    { what: 'add an attribute to a composite type', apply: 'alter type money_amount add attribute note text', kind: 'composite-type.definition', table: 'money_amount' },
    { what: "change a composite type's attribute type", apply: 'alter type money_amount alter attribute cents type numeric', kind: 'composite-type.definition', table: 'money_amount' },
    { what: 'add a composite type', apply: 'create type pair as (a int, b int)', kind: 'composite-type.extra', table: 'pair' },
    { what: 'detach a partition (the fix attaches it again, its rows kept)', apply: 'alter table invoices detach partition invoices_2025', kind: 'partition.missing', table: 'invoices' },
    { what: 'drop a partition', apply: 'drop table invoices_2026', kind: 'partition.missing', table: 'invoices' },
    { what: 'add a partition (its fix drops it, marked destructive)', apply: "create table invoices_2027 partition of invoices for values from ('2027-01-01') to ('2028-01-01')", kind: 'partition.extra', table: 'invoices', destructive: true },
    {
      what: "change a partition's bound",
      apply: "alter table invoices detach partition invoices_2026; alter table invoices attach partition invoices_2026 for values from ('2026-01-01') to ('2026-07-01')",
      kind: 'partition.bound',
      table: 'invoices',
    },
    { what: 'set a table LOGGED', apply: 'alter table booking_events set logged', kind: 'table.options', table: 'booking_events' },
    { what: 'set a table UNLOGGED', apply: 'alter table holidays set unlogged', kind: 'table.options', table: 'holidays' },
  ],
  'supabase-auth/postgres': [
    { what: 'disable row-level security', apply: 'alter table profiles disable row level security', kind: 'rls.mismatch', table: 'profiles' },
    { what: 'stop forcing row-level security', apply: 'alter table todos no force row level security', kind: 'rls.mismatch', table: 'todos' },
    { what: 'enable row-level security', apply: 'alter table auth.users enable row level security', kind: 'rls.mismatch', table: 'users' },
    { what: 'drop a policy', apply: 'drop policy "Users can update own profile." on profiles', kind: 'policy.missing', table: 'profiles' },
    { what: 'add a policy', apply: 'create policy "Anyone can delete." on profiles for delete using (true)', kind: 'policy.extra', table: 'profiles' },
    { what: 'change a policy expression', apply: 'alter policy "Users can update own profile." on profiles using (true)', kind: 'policy.definition', table: 'profiles' },
    { what: "change a policy's roles", apply: 'alter policy "Anyone can upload an avatar." on storage.objects to postgres', kind: 'policy.definition', table: 'objects' },
    { what: 'make a restrictive policy permissive', apply: 'drop policy "Owners can delete their avatar." on storage.objects; create policy "Owners can delete their avatar." on storage.objects for delete using (owner = (select auth.uid()))', kind: 'policy.definition', table: 'objects' },
    { what: 'drop the trigger on auth.users', apply: 'drop trigger on_auth_user_created on auth.users', kind: 'trigger.missing', table: 'users' },
    { what: 'drop a varchar IN (…) check', apply: 'alter table profiles drop constraint profiles_plan_check', kind: 'check.missing', table: 'profiles' },
    { what: 'change a SQL function', apply: "create or replace function auth.role() returns text language sql stable as $$ select 'anon'::text $$", kind: 'function.definition', table: 'role' },
  ],
  'rich/sqlite': [
    { what: 'drop a column', apply: 'alter table customers drop column display_name', kind: 'column.missing', table: 'customers', column: 'display_name' },
    { what: 'add a column', apply: 'alter table stock add column bin text', kind: 'column.extra', table: 'stock', column: 'bin' },
    { what: 'change a varchar length', apply: rebuild('orders', 'note varchar(500)', 'note varchar(400)'), kind: 'column.type', table: 'orders', column: 'note' },
    { what: 'drop an FK', apply: rebuild('stock', ',\n  foreign key (region, code) references warehouses (region, code) on update cascade on delete set null', ''), kind: 'fk.missing', table: 'stock' },
    { what: 'change FK actions', apply: rebuild('orders', 'references customers (customer_id) on delete cascade', 'references customers (customer_id) on delete restrict'), kind: 'fk.mismatch', table: 'orders' },
    { what: 'change a default', apply: rebuild('customers', "default 'SE'", "default 'NO'"), kind: 'column.default', table: 'customers', column: 'country' },
    { what: 'add an index', apply: 'create index customers_created_idx on customers (created_at)', kind: 'index.extra', table: 'customers' },
    { what: 'drop an index', apply: 'drop index orders_open_idx', kind: 'index.missing', table: 'orders' },
    { what: 'redefine an index', apply: 'drop index orders_customer_idx; create index orders_customer_idx on orders (customer_id, placed_at)', kind: 'index.mismatch', table: 'orders' },
    { what: 'drop a table', apply: 'drop table events', kind: 'table.missing', table: 'events' },
    { what: 'add a table', apply: 'create table notes (id integer)', kind: 'table.extra', table: 'notes' },
    { what: 'change a view', apply: "drop view open_orders; create view open_orders as select o.order_id, c.email, o.placed_at from orders o join customers c on c.customer_id = o.customer_id where o.status in ('pending')", kind: 'view.definition', table: 'open_orders' },
    { what: 'drop a view', apply: 'drop view open_orders', kind: 'view.missing', table: 'open_orders' },
    { what: 'change nullability', apply: rebuild('products', 'weight_grams integer', 'weight_grams integer not null'), kind: 'column.nullable', table: 'products', column: 'weight_grams' },
    { what: 'drop a unique', apply: rebuild('customers', ',\n  constraint customers_email_key unique (email)', ''), kind: 'unique.missing', table: 'customers' },
    { what: 'drop a check', apply: rebuild('products', ',\n  constraint products_price_check check (price > 0)', ''), kind: 'check.missing', table: 'products' },
    { what: 'change the primary key', apply: rebuild('warehouses', 'primary key (region, code)', 'primary key (code, region)'), kind: 'pk.mismatch', table: 'warehouses' },
    { what: 'drop a trigger', apply: 'drop trigger orders_audit', kind: 'trigger.missing', table: 'orders' },
    { what: 'change a trigger (its WHEN)', apply: "drop trigger orders_shipped_guard; create trigger orders_shipped_guard before update of shipped_at on orders when new.shipped_at is not null begin select raise(abort, 'a cancelled order cannot ship'); end", kind: 'trigger.definition', table: 'orders' },
    { what: 'add a trigger', apply: "create trigger stock_touch after update on stock begin select 1; end", kind: 'trigger.extra', table: 'stock' },
    { what: 'drop an INSTEAD OF trigger on a view', apply: 'drop trigger open_orders_cancel', kind: 'trigger.missing', table: 'open_orders' },
    { what: 'drop an FTS5 table (its shadow tables go with it)', apply: 'drop table product_search', kind: 'virtual-table.missing', table: 'product_search' },
    { what: "change an FTS5 table's arguments", apply: "drop table product_search; create virtual table product_search using fts5(name, sku, tokenize = 'unicode61')", kind: 'virtual-table.definition', table: 'product_search' },
    { what: 'add an FTS5 table', apply: 'create virtual table notes_search using fts5(body)', kind: 'virtual-table.extra', table: 'notes_search' },
    { what: 'drop STRICT', apply: rebuild('events', ') strict', ')'), kind: 'table.options', table: 'events' },
    { what: 'drop WITHOUT ROWID', apply: rebuild('order_lines', ') without rowid', ')'), kind: 'table.options', table: 'order_lines' },
    { what: 'drop a column collation', apply: rebuild('warehouses', 'name text not null collate nocase', 'name text not null'), kind: 'column.collation', table: 'warehouses', column: 'name' },
    { what: 'change a collation', apply: rebuild('warehouses', 'collate nocase', 'collate rtrim'), kind: 'column.collation', table: 'warehouses', column: 'name' },
    { what: 'change a stored generated expression', apply: rebuild('products', '(price * 1.25) stored', '(price * 1.5) stored'), kind: 'column.default', table: 'products', column: 'price_with_vat' },
    { what: 'make a stored generated column virtual', apply: rebuild('products', '(price * 1.25) stored', '(price * 1.25) virtual'), kind: 'column.default', table: 'products', column: 'price_with_vat' },
    { what: 'change a virtual generated expression', apply: rebuild('products', '(lower(sku)) virtual', '(upper(sku)) virtual'), kind: 'column.default', table: 'products', column: 'sku_key' },
  ],
  'sakila/sqlite': [
    { what: 'drop a last_update trigger', apply: 'drop trigger film_trigger_au', kind: 'trigger.missing', table: 'film' },
    { what: 'drop the FTS5 external-content table', apply: 'drop table film_text', kind: 'virtual-table.missing', table: 'film_text' },
    { what: 'change an FTS sync trigger', apply: "drop trigger upd_film; create trigger upd_film after update of title on film begin insert into film_text (film_text, rowid, title, description) values ('delete', old.film_id, old.title, old.description); insert into film_text (rowid, title, description) values (new.film_id, new.title, new.description); end", kind: 'trigger.definition', table: 'film' },
    { what: 'drop a column collation', apply: rebuild('customer', 'last_name varchar(45) not null collate nocase', 'last_name varchar(45) not null'), kind: 'column.collation', table: 'customer', column: 'last_name' },
    { what: 'drop a view', apply: 'drop view sales_by_store', kind: 'view.missing', table: 'sales_by_store' },
    { what: 'drop a table that has triggers', apply: 'drop table film_category', kind: 'table.missing', table: 'film_category' },
  ],
  'chinook/postgres': [
    { what: 'drop a column', apply: 'alter table "Customer" drop column "Fax"', kind: 'column.missing', table: 'Customer', column: 'Fax' },
    { what: 'change a varchar length', apply: 'alter table "Track" alter column "Composer" type varchar(200)', kind: 'column.type', table: 'Track', column: 'Composer' },
    { what: 'drop an FK', apply: 'alter table "Invoice" drop constraint "Invoice_CustomerId_fkey"', kind: 'fk.missing', table: 'Invoice' },
    { what: 'change a default', apply: 'alter table "InvoiceLine" alter column "Quantity" set default 1', kind: 'column.default', table: 'InvoiceLine', column: 'Quantity' },
    { what: 'add an index', apply: 'create index "IFK_TrackName" on "Track" ("Name")', kind: 'index.extra', table: 'Track' },
    { what: 'drop a table', apply: 'drop table "PlaylistTrack"', kind: 'table.missing', table: 'PlaylistTrack' },
    { what: 'change nullability', apply: 'alter table "Employee" alter column "Title" set not null', kind: 'column.nullable', table: 'Employee', column: 'Title' },
  ],
  'chinook/sqlite': [
    { what: 'drop a column', apply: 'alter table Customer drop column Fax', kind: 'column.missing', table: 'Customer', column: 'Fax' },
    { what: 'change a varchar length', apply: rebuild('Track', '[Composer] NVARCHAR(220)', '[Composer] NVARCHAR(200)'), kind: 'column.type', table: 'Track', column: 'Composer' },
    { what: 'drop an FK', apply: rebuild('Invoice', ',\n    FOREIGN KEY ([CustomerId]) REFERENCES [Customer] ([CustomerId])\n\t\tON DELETE NO ACTION ON UPDATE NO ACTION', ''), kind: 'fk.missing', table: 'Invoice' },
    { what: 'change a default', apply: rebuild('InvoiceLine', '[Quantity] INTEGER  NOT NULL', '[Quantity] INTEGER  NOT NULL DEFAULT 1'), kind: 'column.default', table: 'InvoiceLine', column: 'Quantity' },
    { what: 'add an index', apply: 'create index IFK_TrackName on Track (Name)', kind: 'index.extra', table: 'Track' },
    { what: 'drop a table', apply: 'drop table PlaylistTrack', kind: 'table.missing', table: 'PlaylistTrack' },
    { what: 'change nullability', apply: rebuild('Employee', '[Title] NVARCHAR(30)', '[Title] NVARCHAR(30) NOT NULL'), kind: 'column.nullable', table: 'Employee', column: 'Title' },
  ],
  // The upstream Pagila as pg_dump writes it: a partitioned payment table, the year domain and an aggregate.
  // The dump leaves search_path empty on its connection, so the statements name their schema.
  'pagila-dump/postgres': [
    { what: "change an aggregate's initial state", apply: "create or replace aggregate public.group_concat(text) (sfunc = public._group_concat, stype = text, initcond = '')", kind: 'function.definition', table: 'group_concat' },
    { what: 'add an aggregate', apply: 'create aggregate public.concat_all(text) (sfunc = public._group_concat, stype = text)', kind: 'function.extra', table: 'concat_all' },
    { what: 'drop a function that returns a table row type', apply: 'drop function public.rewards_report(integer, numeric)', kind: 'function.missing', table: 'rewards_report' },
    { what: 'drop a partition', apply: 'drop table public.payment_p2022_07', kind: 'partition.missing', table: 'payment' },
    { what: "drop a partition's own foreign key", apply: 'alter table public.payment_p2022_02 drop constraint payment_p2022_02_staff_id_fkey', kind: 'fk.missing', table: 'payment_p2022_02' },
    { what: "drop one of a partition's two alike indexes", apply: 'drop index public.idx_fk_payment_p2022_01_customer_id', kind: 'index.missing', table: 'payment_p2022_01' },
    { what: 'add an index to a partition', apply: 'create index payment_p2022_03_amount_idx on public.payment_p2022_03 (amount)', kind: 'index.extra', table: 'payment_p2022_03' },
  ],
  'pagila/postgres': [
    { what: 'drop a column', apply: 'alter table staff drop column picture', kind: 'column.missing', table: 'staff', column: 'picture' },
    { what: 'change a type', apply: 'alter table rental alter column return_date type timestamp', kind: 'column.type', table: 'rental', column: 'return_date' },
    { what: 'drop an FK', apply: 'alter table payment drop constraint payment_rental_id_fkey', kind: 'fk.missing', table: 'payment' },
    { what: 'change a default', apply: 'alter table film alter column rental_rate set default 2.99', kind: 'column.default', table: 'film', column: 'rental_rate' },
    { what: 'add an index', apply: 'create index idx_payment_date on payment (payment_date)', kind: 'index.extra', table: 'payment' },
    { what: 'drop a partial index', apply: 'drop index idx_active_customer_last_name', kind: 'index.missing', table: 'customer' },
    { what: 'drop a unique index', apply: 'drop index idx_unq_manager_staff_id', kind: 'index.missing', table: 'store' },
    { what: 'change a view', apply: 'create or replace view staff_list as select s.staff_id as id, s.first_name || \' \' || s.last_name as name, a.address, a.postal_code as "zip code", a.phone, city.city, country.country, s.store_id as sid from staff s join address a on s.address_id = a.address_id join city on a.city_id = city.city_id join country on city.country_id = country.country_id where s.active', kind: 'view.definition', table: 'staff_list' },
    { what: 'change nullability', apply: 'alter table address alter column postal_code set not null', kind: 'column.nullable', table: 'address', column: 'postal_code' },
    { what: 'drop a check', apply: 'alter table film drop constraint film_release_year_check', kind: 'check.missing', table: 'film' },
  ],
};

for (const fixture of FIXTURE_SCHEMAS) {
  const cases = CASES[`${fixture.name}/${fixture.dialect}`];
  if (!cases) continue;
  describe(`perturbations of ${fixture.name} on ${fixture.dialect}`, () => {
    let expected: Schema;
    before(async () => {
      expected = await loadSchemaFile(getDialect(fixture.dialect), fixture.file, { devUrl: testPgUrl() });
    });
    for (const perturbation of cases) {
      test(`${perturbation.what} → ${[perturbation.kind].flat().join(' + ')}`, async () => {
        await runPerturbation(fixture.dialect, fixture.file, expected, perturbation);
      });
    }
  });
}

test('pagila-dump (postgres): an aggregate dropped with the views that use it comes back before them, and the fixes converge', async () => {
  const fixture = FIXTURE_SCHEMAS.find((f) => f.name === 'pagila-dump')!;
  const dialect = getDialect('postgres');
  const expected = await loadSchemaFile(dialect, fixture.file, { devUrl: testPgUrl() });
  const live = await createTestDatabase('postgres');
  try {
    await applyFixture(live.db, fixture.file);
    await live.db.exec('drop aggregate public.group_concat(text) cascade');
    const changes = withFixes(dialect, diffSchemas(expected, await dialect.introspect(live.db)).changes, expected, await dialect.introspect(live.db));
    assert.deepEqual(
      changes.map((c) => [c.kind, c.table]),
      [['function.missing', 'group_concat'], ['view.missing', 'actor_info'], ['view.missing', 'film_list'], ['view.missing', 'nicer_but_slower_film_list']],
    );
    assert.match(changes[0]!.fix!, /^CREATE OR REPLACE AGGREGATE public\.group_concat\(text\) \(SFUNC = public\._group_concat, STYPE = text\);$/m);
    for (const change of changes) await live.db.exec(change.fix!);
    assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db)).changes.map((c) => c.message), []);
  } finally {
    await live.dispose();
  }
});

describe('opt-in comparisons on bookings (postgres): comments', () => {
  const file = FIXTURE_SCHEMAS.find((f) => f.name === 'bookings' && f.dialect === 'postgres')!.file;
  for (const [what, sql, column] of [
    ['change a table comment', "comment on table rooms is 'Rooms'", undefined],
    ['drop a column comment', 'comment on column rooms.capacity is null', 'capacity'],
    ['add a column comment', "comment on column rooms.floor is 'Floor number'", 'floor'],
  ] as const) {
    test(`${what} → comment.mismatch, only with comments: true`, async () => {
      const dialect = getDialect('postgres');
      const expected = await loadSchemaFile(dialect, file, { devUrl: testPgUrl() });
      const live = await createTestDatabase('postgres');
      try {
        await applyFixture(live.db, file);
        await live.db.exec(sql);
        const actual = await dialect.introspect(live.db);
        assert.deepEqual(diffSchemas(expected, actual).changes, [], 'comments are not compared by default');
        const changes = withFixes(dialect, diffSchemas(expected, actual, { comments: true }).changes, expected, actual);
        assert.deepEqual(changes.map((c) => [c.kind, c.table, c.column]), [['comment.mismatch', 'rooms', column]]);
        await live.db.exec(changes[0]!.fix!);
        assert.deepEqual(diffSchemas(expected, await dialect.introspect(live.db), { comments: true }).changes, []);
      } finally {
        await live.dispose();
      }
    });
  }
});

async function runPerturbation(dialectName: DialectName, file: string, expected: Schema, perturbation: Perturbation): Promise<void> {
  const dialect = getDialect(dialectName);
  const live = await createTestDatabase(dialectName);
  try {
    await applyFixture(live.db, file);
    if (typeof perturbation.apply === 'string') await live.db.exec(perturbation.apply);
    else await perturbation.apply(live.db);
    const actual = await dialect.introspect(live.db);
    const changes = withFixes(dialect, diffSchemas(expected, actual).changes, expected, actual);
    const kinds = Array.isArray(perturbation.kind) ? perturbation.kind : [perturbation.kind];
    assert.deepEqual(
      changes.map((c) => [c.kind, c.table, c.column]),
      kinds.map((kind) => [kind, perturbation.table, perturbation.column]),
      `exactly ${kinds.join(' + ')}; got:\n${changes.map((c) => c.message).join('\n')}`,
    );
    for (const change of changes) {
      assert.ok(change.message.length > 10 && !change.message.includes('\n'), 'a one-line message');
      assert.ok(change.fix, `a fix for ${change.message}`);
    }
    if (perturbation.destructive) assert.ok(changes.every((c) => c.destructive && /^-- WARNING: data loss/m.test(c.fix!)), 'a destructive fix that says so');
    for (const change of changes) await live.db.exec(change.fix!);
    const fix = changes.map((c) => c.fix).join('\n');
    const repaired = await dialect.introspect(live.db);
    assert.deepEqual(diffSchemas(expected, repaired).changes.map((c) => c.message), [], `after the fix:\n${fix}`);
  } finally {
    await live.dispose();
  }
}
