alter table inventory_items add column bin_location varchar(20);
