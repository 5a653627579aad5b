import type { Baseline } from '../records.js';
import type { BaselineRepository } from '../store.js';
import { toBaseline, type BaselineRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

/** Tries at computing the change outside the write lock before computing it inside. */
const OPTIMISTIC_TRIES = 3;

export function sqliteBaselines(db: SqliteDatabase, write: Write): BaselineRepository {
  const select = db.prepare<[string], BaselineRow>('SELECT body FROM baselines WHERE agent = ?');
  const selectAll = db.prepare<[], BaselineRow>('SELECT body FROM baselines ORDER BY agent');
  const upsert = db.prepare(
    'INSERT INTO baselines (agent, updated_at, body) VALUES (?, ?, ?) ON CONFLICT (agent) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body',
  );
  const remove = db.prepare('DELETE FROM baselines WHERE agent = ?');
  /** Stores `next` if the row is still as it was read (`seen`: its body, or undefined for none). */
  const replace = db.transaction((agent: string, at: string, seen: string | undefined, next: string): boolean => {
    if (select.get(agent)?.body !== seen) return false;
    upsert.run(agent, at, next);
    return true;
  });
  const update = db.transaction((agent: string, at: string, change: (current: Baseline | undefined) => Baseline) => {
    const row = select.get(agent);
    const next = change(row ? toBaseline(row) : undefined);
    upsert.run(agent, at, JSON.stringify(next));
    return next;
  });
  // A baseline can be relearned, so its commit does not wait for the disk (WAL: the next synced
  // commit, such as an audit record's, carries it): the doors are not held up by a sync every
  // few seconds.
  const withoutSync = <T>(work: () => T): T => {
    const synchronous = db.pragma('synchronous', { simple: true }) as number;
    db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      db.pragma(`synchronous = ${synchronous}`);
    }
  };
  return {
    async get(agent) {
      const row = select.get(agent);
      return row ? toBaseline(row) : undefined;
    },
    async list() {
      return selectAll.all().map(toBaseline);
    },
    async update(agent, at, change) {
      // `change` replays a few seconds of observations: it runs outside the write lock, which the
      // audit writer needs for every batch, and the result is stored only if no other process
      // stored its own meanwhile; else it runs again on what that process stored.
      for (let tries = 0; tries < OPTIMISTIC_TRIES; tries++) {
        const seen = select.get(agent);
        const next = change(seen ? toBaseline(seen) : undefined);
        const body = JSON.stringify(next);
        if (await write(() => withoutSync(() => replace.immediate(agent, at, seen?.body, body)))) return next;
      }
      return write(() => withoutSync(() => update.immediate(agent, at, change)));
    },
    async remove(agent) {
      return (await write(() => remove.run(agent))).changes > 0;
    },
  };
}
