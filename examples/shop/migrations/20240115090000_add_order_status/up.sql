alter table orders add column status varchar(20) not null default 'pending' check (status in ('pending', 'paid', 'shipped', 'cancelled'));

create index orders_open_idx on orders (placed_at) where status in ('pending', 'paid');
