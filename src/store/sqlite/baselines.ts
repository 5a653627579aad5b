import type { Baseline } from '../records.js';
import type { BaselineRepository } from '../store.js';
import { toBaseline, type BaselineRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';

export function sqliteBaselines(db: SqliteDatabase): BaselineRepository {
  const select = db.prepare<[string], BaselineRow>('SELECT body FROM baselines WHERE agent = ?');
  const selectAll = db.prepare<[], BaselineRow>('SELECT body FROM baselines ORDER BY agent');
  const upsert = db.prepare(
    'INSERT INTO baselines (agent, updated_at, body) VALUES (?, ?, ?) ON CONFLICT (agent) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body',
  );
  const remove = db.prepare('DELETE FROM baselines WHERE agent = ?');
  const update = db.transaction((agent: string, at: string, change: (current: Baseline | undefined) => Baseline) => {
    const row = select.get(agent);
    const next = change(row ? toBaseline(row) : undefined);
    upsert.run(agent, at, JSON.stringify(next));
    return next;
  });
  return {
    async get(agent) {
      const row = select.get(agent);
      return row ? toBaseline(row) : undefined;
    },
    async list() {
      return selectAll.all().map(toBaseline);
    },
    async update(agent, at, change) {
      // A baseline can be relearned, so its commit does not wait for the disk (WAL: the next
      // synced commit, such as an audit record's, carries it); the doors' event loop is not held
      // up by a sync every few seconds. IMMEDIATE: read and write under one lock, so that two
      // processes cannot lose each other's update.
      const synchronous = db.pragma('synchronous', { simple: true }) as number;
      db.pragma('synchronous = NORMAL');
      try {
        return update.immediate(agent, at, change);
      } finally {
        db.pragma(`synchronous = ${synchronous}`);
      }
    },
    async remove(agent) {
      return remove.run(agent).changes > 0;
    },
  };
}
