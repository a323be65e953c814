-- One row per synced batch; a retried batch overwrites its row (jobs run at least once).
create table inventory_sync_log (
  batch_no integer primary key,
  items integer not null,
  attempt integer not null,
  finished_at timestamp not null
);
