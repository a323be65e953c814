-- One row per run of a stock-recount chunk, by the worker process that ran it: a chunk
-- that ran twice (it was in flight when its worker was killed) has two rows.
create table inventory_recount_log (
  chunk_no integer not null,
  worker_pid integer not null,
  ran_at timestamp not null,
  primary key (chunk_no, worker_pid)
);
