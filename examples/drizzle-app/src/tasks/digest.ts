// A background task that reads posts through Drizzle. In your app:
//   import { task } from 'lockstep/jobs';
import Database from 'better-sqlite3';
import { desc, isNotNull } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { task } from '../../../../src/jobs/index.js';
import * as schema from '../db/schema.js';

/** Counts the published posts of the last run and returns the newest titles. */
export const digest = task<{ limit: number }>('posts.digest', {
  async run({ limit }) {
    const db = drizzle(new Database(process.env.APP_DB ?? '.lockstep/app.db'), { schema });
    const rows = db
      .select({ title: schema.posts.title, publishedAt: schema.posts.publishedAt })
      .from(schema.posts)
      .where(isNotNull(schema.posts.publishedAt))
      .orderBy(desc(schema.posts.publishedAt))
      .limit(limit)
      .all();
    return { published: rows.length, newest: rows.map((r) => r.title) };
  },
});
