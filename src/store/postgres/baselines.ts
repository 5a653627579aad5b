import type { Baseline } from '../records.js';
import type { BaselineRepository } from '../store.js';
import { toBaseline, type BaselineRow } from '../rows.js';
import { inTransaction, type PostgresPool } from './database.js';

export function postgresBaselines(pool: PostgresPool): BaselineRepository {
  return {
    async get(agent) {
      const row = (await pool.query<BaselineRow>('SELECT body FROM baselines WHERE agent = $1', [agent])).rows[0];
      return row ? (JSON.parse(row.body) as Baseline) : undefined;
    },
    async list() {
      return (await pool.query<BaselineRow>('SELECT body FROM baselines ORDER BY agent')).rows.map(toBaseline);
    },
    update(agent, at, change) {
      return inTransaction(
        pool,
        async (client) => {
          // A lock on the agent's name, held to the commit, covers the first baseline too (there is
          // no row yet to lock FOR UPDATE): two replicas learning about one agent take turns.
          await client.query("SELECT pg_advisory_xact_lock(hashtext('airlock.baseline:' || $1))", [agent]);
          const row = (await client.query<BaselineRow>('SELECT body FROM baselines WHERE agent = $1', [agent])).rows[0];
          const next = change(row ? toBaseline(row) : undefined);
          await client.query(
            'INSERT INTO baselines (agent, updated_at, body) VALUES ($1, $2, $3) ON CONFLICT (agent) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body',
            [agent, at, JSON.stringify(next)],
          );
          return next;
          // Relearnable, so its commit need not wait for the disk.
        },
        { durable: false },
      );
    },
    async remove(agent) {
      return ((await pool.query('DELETE FROM baselines WHERE agent = $1', [agent])).rowCount ?? 0) > 0;
    },
  };
}
