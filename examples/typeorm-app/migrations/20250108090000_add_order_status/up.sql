ALTER TABLE "orders" ADD COLUMN "status" varchar(20) NOT NULL DEFAULT ('pending');
CREATE INDEX "orders_status_idx" ON "orders" ("status");
