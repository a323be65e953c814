drop index orders_open_idx;
alter table orders drop column status;
