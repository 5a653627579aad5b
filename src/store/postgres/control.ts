import type { ControlState } from '../records.js';
import type { ControlRepository } from '../store.js';
import { toControlState, type ControlRow } from '../rows.js';
import type { ChangeCache } from './cache.js';
import type { PostgresPool } from './database.js';

export function postgresControl(pool: PostgresPool, cache: ChangeCache): ControlRepository {
  const cached = cache.of<ControlState>();
  const set = async (key: string, value: unknown) => {
    if (value === undefined) await pool.query('DELETE FROM control WHERE key = $1', [key]);
    else
      await pool.query('INSERT INTO control (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, JSON.stringify(value)]);
    cache.changed();
  };
  return {
    get: () =>
      cached('control', async () => toControlState((await pool.query<ControlRow>("SELECT key, value FROM control WHERE key IN ('stopAll', 'freeze')")).rows)),
    setStopAll: (stop) => set('stopAll', stop),
    setFreeze: (freeze) => set('freeze', freeze),
    requestReload: (request) => set('reload', request),
  };
}
