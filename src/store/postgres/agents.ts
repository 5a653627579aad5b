import type { AgentRecord } from '../records.js';
import { StoreConflictError, type AgentRepository } from '../store.js';
import { toAgent, type AgentRow } from '../rows.js';
import type { ChangeCache } from './cache.js';
import { inTransaction, type PostgresPool } from './database.js';

/** PostgreSQL's unique_violation: the name is taken. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

export function postgresAgents(pool: PostgresPool, cache: ChangeCache): AgentRepository {
  const cached = cache.of<AgentRecord | undefined>();
  const select = async (name: string) => {
    const row = (await pool.query<AgentRow>('SELECT * FROM agents WHERE name = $1', [name])).rows[0];
    return row ? toAgent(row) : undefined;
  };
  return {
    async add(agent, at) {
      try {
        const result = await pool.query<AgentRow>('INSERT INTO agents (name, description, created_at) VALUES ($1, $2, $3) RETURNING *', [
          agent.name,
          agent.description ?? null,
          at,
        ]);
        cache.changed();
        return toAgent(result.rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error)) throw new StoreConflictError(`an agent named "${agent.name}" already exists`);
        throw error;
      }
    },
    get: (name) => cached(name, () => select(name)),
    async list() {
      return (await pool.query<AgentRow>('SELECT * FROM agents ORDER BY name')).rows.map(toAgent);
    },
    async setState(name, state, reason) {
      const result = await pool.query<AgentRow>('UPDATE agents SET state = $1, state_reason = $2 WHERE name = $3 RETURNING *', [state, reason ?? null, name]);
      cache.changed();
      const row = result.rows[0];
      return row ? toAgent(row) : undefined;
    },
    async setObserve(name, until) {
      const result = await pool.query<AgentRow>('UPDATE agents SET observe_until = $1 WHERE name = $2 RETURNING *', [until ?? null, name]);
      cache.changed();
      const row = result.rows[0];
      return row ? toAgent(row) : undefined;
    },
    async remove(name, at) {
      const removed = await inTransaction(pool, async (client) => {
        await client.query('UPDATE tokens SET revoked_at = $1 WHERE agent = $2 AND revoked_at IS NULL', [at, name]);
        return ((await client.query('DELETE FROM agents WHERE name = $1', [name])).rowCount ?? 0) > 0;
      });
      cache.changed();
      return removed;
    },
  };
}
