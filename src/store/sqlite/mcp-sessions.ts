import type { McpSessionRecord } from '../records.js';
import type { McpSessionRepository } from '../store.js';
import type { SqliteDatabase } from './database.js';

interface McpSessionRow {
  id: string;
  token_id: string;
  agent: string;
  initialize: string;
  created_at: string;
  seen_at: string;
}

function toRecord(row: McpSessionRow): McpSessionRecord {
  return {
    id: row.id,
    tokenId: row.token_id,
    agent: row.agent,
    initialize: JSON.parse(row.initialize) as McpSessionRecord['initialize'],
    createdAt: row.created_at,
    seenAt: row.seen_at,
  };
}

export function sqliteMcpSessions(db: SqliteDatabase): McpSessionRepository {
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
      insert.run(session.id, session.tokenId, session.agent, JSON.stringify(session.initialize), session.createdAt, session.seenAt);
    },
    async get(id) {
      const row = select.get(id);
      return row ? toRecord(row) : undefined;
    },
    async touch(id, at) {
      touch.run(at, id, at);
    },
    async remove(id) {
      remove.run(id);
    },
    async prune(before, tokenIds = []) {
      return prune(before, tokenIds);
    },
  };
}
