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
