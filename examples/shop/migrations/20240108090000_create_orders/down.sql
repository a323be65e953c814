drop index orders_customer_idx;
drop table order_items;
drop table orders;
