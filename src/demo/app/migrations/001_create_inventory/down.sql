drop table inventory_items;
drop table warehouses;
