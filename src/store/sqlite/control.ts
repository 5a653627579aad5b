import type { ControlState } from '../records.js';
import type { ControlRepository } from '../store.js';
import { toControlState, type ControlRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';
import type { EpochCache } from './epoch-cache.js';

export function sqliteControl(db: SqliteDatabase, cache: EpochCache, write: Write): ControlRepository {
  const cached = cache.of<ControlState>();
  const select = db.prepare<[], ControlRow>('SELECT key, value FROM control');
  const upsert = db.prepare('INSERT INTO control (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const remove = db.prepare('DELETE FROM control WHERE key = ?');
  const set = async (key: string, value: unknown) => {
    await write(() => (value === undefined ? remove.run(key) : upsert.run(key, JSON.stringify(value))));
    cache.changed();
  };
  return {
    async get() {
      return cached('control', () => toControlState(select.all()));
    },
    async setStopAll(stop) {
      await set('stopAll', stop);
    },
    async setFreeze(freeze) {
      await set('freeze', freeze);
    },
    async requestReload(request) {
      await write(() => upsert.run('reload', JSON.stringify(request)));
    },
  };
}
