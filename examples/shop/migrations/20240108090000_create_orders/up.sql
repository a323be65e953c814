create table orders (
  order_id integer primary key,
  customer_id integer not null references customers (customer_id) on delete cascade,
  placed_at text not null default current_timestamp
);

create table order_items (
  order_id integer not null references orders (order_id) on delete cascade,
  product_id integer not null references products (product_id),
  quantity integer not null default 1 check (quantity > 0),
  price_cents integer not null,
  primary key (order_id, product_id)
);

create index orders_customer_idx on orders (customer_id);
