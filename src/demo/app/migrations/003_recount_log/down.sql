drop table inventory_recount_log;
