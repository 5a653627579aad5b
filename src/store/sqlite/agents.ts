import type { AgentRecord, AgentState } from '../records.js';
import { StoreConflictError, type AgentRepository } from '../store.js';
import type { SqliteDatabase } from './database.js';
import type { EpochCache } from './epoch-cache.js';

interface AgentRow {
  name: string;
  state: AgentState;
  state_reason: string | null;
  description: string | null;
  created_at: string;
  observe_until: string | null;
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    name: row.name,
    state: row.state,
    stateReason: row.state_reason ?? undefined,
    description: row.description ?? undefined,
    createdAt: row.created_at,
    ...(row.observe_until ? { observeUntil: row.observe_until } : {}),
  };
}

export function sqliteAgents(db: SqliteDatabase, cache: EpochCache): AgentRepository {
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
        insert.run(agent.name, agent.description ?? null, at);
        cache.changed();
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new StoreConflictError(`an agent named "${agent.name}" already exists`);
        }
        throw error;
      }
      return toRecord(select.get(agent.name)!);
    },
    async get(name) {
      return cached(name, () => {
        const row = select.get(name);
        return row ? toRecord(row) : undefined;
      });
    },
    async list() {
      return selectAll.all().map(toRecord);
    },
    async setState(name, state, reason) {
      const changes = updateState.run(state, reason ?? null, name).changes;
      cache.changed();
      if (changes === 0) return undefined;
      return toRecord(select.get(name)!);
    },
    async setObserve(name, until) {
      const changes = updateObserve.run(until ?? null, name).changes;
      cache.changed();
      if (changes === 0) return undefined;
      return toRecord(select.get(name)!);
    },
    async remove(name, at) {
      const removed = remove.immediate(name, at);
      cache.changed();
      return removed;
    },
  };
}
