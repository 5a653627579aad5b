import type { McpSessionRepository } from '../store.js';
import { mcpSessionValues, toMcpSession, type McpSessionRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteMcpSessions(db: SqliteDatabase, write: Write): McpSessionRepository {
  const insert = db.prepare('INSERT INTO mcp_sessions (id, token_id, agent, initialize, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?)');
  const select = db.prepare<[string], McpSessionRow>('SELECT * FROM mcp_sessions WHERE id = ?');
  const touch = db.prepare('UPDATE mcp_sessions SET seen_at = ? WHERE id = ? AND seen_at < ?');
  const remove = db.prepare('DELETE FROM mcp_sessions WHERE id = ?');
  const pruneIdle = db.prepare('DELETE FROM mcp_sessions WHERE seen_at < ?');
  const pruneToken = db.prepare('DELETE FROM mcp_sessions WHERE token_id = ?');
  const prune = db.transaction((before: string, tokenIds: readonly string[]) => {
    let removed = pruneIdle.run(before).changes;
    for (const tokenId of tokenIds) removed += pruneToken.run(tokenId).changes;
    return removed;
  });
  return {
    async insert(session) {
      await write(() => insert.run(...mcpSessionValues(session)));
    },
    async get(id) {
      const row = select.get(id);
      return row ? toMcpSession(row) : undefined;
    },
    async touch(id, at) {
      await write(() => touch.run(at, id, at));
    },
    async remove(id) {
      await write(() => remove.run(id));
    },
    async prune(before, tokenIds = []) {
      return write(() => prune.immediate(before, tokenIds));
    },
  };
}
