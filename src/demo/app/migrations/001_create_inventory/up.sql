-- The inventory-sync demo application: warehouses and the items they stock.
create table warehouses (
  id integer primary key,
  code varchar(20) not null unique,
  name varchar(100) not null
);

create table inventory_items (
  id integer primary key,
  sku varchar(40) not null unique,
  warehouse_id integer not null references warehouses (id),
  quantity integer not null default 0,
  bin_location varchar(20),
  synced_at timestamp
);

create index inventory_items_warehouse_idx on inventory_items (warehouse_id);
