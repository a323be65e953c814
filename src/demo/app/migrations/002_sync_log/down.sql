drop table inventory_sync_log;
