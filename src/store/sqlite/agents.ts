import type { AgentRecord } from '../records.js';
import { StoreConflictError, type AgentRepository } from '../store.js';
import { toAgent, type AgentRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';
import type { EpochCache } from './epoch-cache.js';

export function sqliteAgents(db: SqliteDatabase, cache: EpochCache, write: Write): AgentRepository {
  const cached = cache.of<AgentRecord | undefined>();
  const select = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE name = ?');
  const selectAll = db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY name');
  const insert = db.prepare('INSERT INTO agents (name, description, created_at) VALUES (?, ?, ?)');
  const updateState = db.prepare('UPDATE agents SET state = ?, state_reason = ? WHERE name = ?');
  const updateObserve = db.prepare('UPDATE agents SET observe_until = ? WHERE name = ?');
  const remove = db.transaction((name: string, at: string) => {
    db.prepare('UPDATE tokens SET revoked_at = ? WHERE agent = ? AND revoked_at IS NULL').run(at, name);
    return db.prepare('DELETE FROM agents WHERE name = ?').run(name).changes > 0;
  });
  return {
    async add(agent, at) {
      try {
        await write(() => insert.run(agent.name, agent.description ?? null, at));
        cache.changed();
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new StoreConflictError(`an agent named "${agent.name}" already exists`);
        }
        throw error;
      }
      return toAgent(select.get(agent.name)!);
    },
    async get(name) {
      return cached(name, () => {
        const row = select.get(name);
        return row ? toAgent(row) : undefined;
      });
    },
    async list() {
      return selectAll.all().map(toAgent);
    },
    async setState(name, state, reason) {
      const { changes } = await write(() => updateState.run(state, reason ?? null, name));
      cache.changed();
      if (changes === 0) return undefined;
      return toAgent(select.get(name)!);
    },
    async setObserve(name, until) {
      const { changes } = await write(() => updateObserve.run(until ?? null, name));
      cache.changed();
      if (changes === 0) return undefined;
      return toAgent(select.get(name)!);
    },
    async remove(name, at) {
      const removed = await write(() => remove.immediate(name, at));
      cache.changed();
      return removed;
    },
  };
}
