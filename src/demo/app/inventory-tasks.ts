/**
 * The demo application's background work: syncing inventory items with a (simulated)
 * warehouse system in batches. `lockstep demo` starts two `lockstep worker --tasks` processes
 * on this module.
 *
 * It is also the demo's "application code" that `lockstep lint` reads: the sync reads
 * `inventory_items.bin_location`, so a migration dropping that column is caught.
 */
import type { Database } from '../../dialects/database.js';
import { connect } from '../../dialects/index.js';
import type { StandardSchemaV1 } from '../../jobs/standard-schema.js';
import { task } from '../../jobs/task.js';

/** A row of inventory_items as the sync reads it. */
export interface InventoryItemRow {
  id: number;
  sku: string;
  bin_location: string | null;
}

export interface SyncBatch {
  batch: number;
  fromId: number;
  toId: number;
  /** Simulates a flaky warehouse API: the first attempt fails half-way. */
  flaky?: boolean;
  /** Pause after each chunk, so progress is visible (ms). */
  paceMs: number;
}

/**
 * A hand-written Standard Schema validator (zod, valibot or arktype work the same way).
 * The demo's one invalid job fails here on the worker and goes straight to `dead`.
 */
export const syncBatchPayload: StandardSchemaV1<unknown, SyncBatch> = {
  '~standard': {
    version: 1,
    vendor: 'lockstep-demo',
    validate(value) {
      const issues: StandardSchemaV1.Issue[] = [];
      const v = (value ?? {}) as Record<string, unknown>;
      for (const key of ['batch', 'fromId', 'toId', 'paceMs'] as const) {
        if (!Number.isInteger(v[key]) || (v[key] as number) < 0) issues.push({ message: `expected a non-negative integer, found ${JSON.stringify(v[key])}`, path: [key] });
      }
      if (issues.length === 0 && (v.toId as number) < (v.fromId as number)) issues.push({ message: 'toId is before fromId', path: ['toId'] });
      return issues.length ? { issues } : { value: v as unknown as SyncBatch };
    },
  },
};

const CHUNK = 25;

/**
 * The application database, opened per job and closed after it, so a worker that is
 * told to stop has no idle pool keeping its process alive.
 */
function appDatabase(): Promise<Database> {
  const url = process.env.LOCKSTEP_DEMO_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('LOCKSTEP_DEMO_URL is not set');
  return connect(url, { maxConnections: 1, applicationName: 'lockstep-demo-task' });
}

export const syncInventoryBatch = task('sync-inventory-batch', {
  payload: syncBatchPayload,
  queue: 'inventory',
  maxAttempts: 3,
  backoff: { baseMs: 700, jitter: 0.2 },
  async run(batch, ctx) {
    const db = await appDatabase();
    try {
      const total = batch.toId - batch.fromId + 1;
      ctx.progress(0, total);
      for (let from = batch.fromId; from <= batch.toId; from += CHUNK) {
        ctx.signal.throwIfAborted();
        const to = Math.min(from + CHUNK - 1, batch.toId);
        const { rows } = await db.query<InventoryItemRow>(`select id, sku, bin_location from inventory_items where id between $1 and $2 order by id`, [from, to]);
        const located = rows.filter((row) => row.bin_location !== null).length;
        await db.query(`update inventory_items set quantity = quantity + $3, synced_at = $4 where id between $1 and $2`, [from, to, located > 0 ? 1 : 0, new Date().toISOString()]);
        const done = to - batch.fromId + 1;
        ctx.progress(done, total);
        if (batch.flaky && ctx.job.attempt === 1 && done >= total / 2) {
          throw new Error(`warehouse API answered 503 Service Unavailable after ${done} items`);
        }
        await sleep(batch.paceMs, ctx.signal);
      }
      await db.query(
        `insert into inventory_sync_log (batch_no, items, attempt, finished_at) values ($1, $2, $3, $4)
         on conflict (batch_no) do update set items = excluded.items, attempt = excluded.attempt, finished_at = excluded.finished_at`,
        [batch.batch, total, ctx.job.attempt, new Date().toISOString()],
      );
      return { synced: total };
    } finally {
      await db.close();
    }
  },
});

export interface RecountStock {
  items: number;
  chunkSize: number;
  /** Pause after each chunk (ms), so there is time to kill the worker half-way. */
  paceMs: number;
}

/**
 * Recounts every item's stock in chunks, each chunk a durable step (`ctx.steps`): when the
 * worker running it is killed, the job is rescued and resumes at the first chunk that was
 * not recorded, instead of starting again from the first. Each run of a chunk is logged in
 * inventory_recount_log with the worker's pid, so the demo can show what ran where.
 */
export const recountStock = task('recount-stock', {
  queue: 'inventory',
  maxAttempts: 3,
  async run(job: RecountStock, ctx) {
    const db = await appDatabase();
    try {
      const chunks = Array.from({ length: Math.ceil(job.items / job.chunkSize) }, (_, i) => i + 1);
      await ctx.steps('recount', chunks, async (chunk) => {
        const from = (chunk - 1) * job.chunkSize + 1;
        const to = Math.min(chunk * job.chunkSize, job.items);
        const { rows } = await db.query<{ n: number | string }>('select count(*) as n from inventory_items where id between $1 and $2', [from, to]);
        await db.query('insert into inventory_recount_log (chunk_no, worker_pid, ran_at) values ($1, $2, $3)', [chunk, process.pid, new Date().toISOString()]);
        await sleep(job.paceMs, ctx.signal);
        return Number(rows[0]!.n);
      });
      return { chunks: chunks.length };
    } finally {
      await db.close();
    }
  },
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
