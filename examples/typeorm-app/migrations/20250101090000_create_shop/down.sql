DROP TABLE "order_products";
DROP TABLE "orders";
DROP TABLE "products";
DROP TABLE "customers";
