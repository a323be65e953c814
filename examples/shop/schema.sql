-- The shop's declared schema: what the application code expects the database to be.
-- `lockstep check` compares the live database with this file, and replays migrations/
-- to make sure they reach it.

create table customers (
  customer_id integer primary key,
  email varchar(320) not null unique,
  name text not null,
  created_at text not null default current_timestamp
);

create table products (
  product_id integer primary key,
  sku varchar(40) not null unique,
  name varchar(200) not null,
  price_cents integer not null check (price_cents >= 0)
);

create table orders (
  order_id integer primary key,
  customer_id integer not null references customers (customer_id) on delete cascade,
  placed_at text not null default current_timestamp,
  status varchar(20) not null default 'pending' check (status in ('pending', 'paid', 'shipped', 'cancelled'))
);

create table order_items (
  order_id integer not null references orders (order_id) on delete cascade,
  product_id integer not null references products (product_id),
  quantity integer not null default 1 check (quantity > 0),
  price_cents integer not null,
  primary key (order_id, product_id)
);

create index orders_customer_idx on orders (customer_id);
create index orders_open_idx on orders (placed_at) where status in ('pending', 'paid');
