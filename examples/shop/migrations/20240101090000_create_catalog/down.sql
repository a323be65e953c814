drop table products;
drop table customers;
