-- What TypeORM's schema builder creates for src/entities (before orders.status).
CREATE TABLE "customers" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar(120) NOT NULL, "vip" boolean NOT NULL DEFAULT (0), "created_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_8536b8b85c06969f84f0c098b03" UNIQUE ("email"));
CREATE TABLE "products" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "sku" varchar(32) NOT NULL, "stock" integer NOT NULL DEFAULT (0), CONSTRAINT "UQ_c44ac33a05b144dd0d9ddcf9327" UNIQUE ("sku"));
CREATE TABLE "orders" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "customer_id" integer NOT NULL, CONSTRAINT "FK_772d0ce0473ac2ccfa26060dbe9" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION);
CREATE TABLE "order_products" ("order_id" integer NOT NULL, "product_id" integer NOT NULL, CONSTRAINT "FK_f258ce2f670b34b38630914cf9e" FOREIGN KEY ("order_id") REFERENCES "orders" ("id") ON DELETE CASCADE ON UPDATE CASCADE, CONSTRAINT "FK_2d58e8bd11dc840b39f99824d84" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE CASCADE ON UPDATE CASCADE, PRIMARY KEY ("order_id", "product_id"));
CREATE INDEX "IDX_f258ce2f670b34b38630914cf9" ON "order_products" ("order_id");
CREATE INDEX "IDX_2d58e8bd11dc840b39f99824d8" ON "order_products" ("product_id");
