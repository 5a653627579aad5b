import type { McpSessionRepository } from '../store.js';
import { mcpSessionValues, toMcpSession, type McpSessionRow } from '../rows.js';
import type { PostgresPool } from './database.js';

/** Agents' MCP sessions, shared by every replica: a client sent to another one keeps its session. */
export function postgresMcpSessions(pool: PostgresPool): McpSessionRepository {
  return {
    async insert(session) {
      await pool.query(
        'INSERT INTO mcp_sessions (id, token_id, agent, initialize, created_at, seen_at) VALUES ($1, $2, $3, $4, $5, $6)',
        mcpSessionValues(session),
      );
    },
    async get(id) {
      const row = (await pool.query<McpSessionRow>('SELECT * FROM mcp_sessions WHERE id = $1', [id])).rows[0];
      return row ? toMcpSession(row) : undefined;
    },
    async touch(id, at) {
      await pool.query('UPDATE mcp_sessions SET seen_at = $1 WHERE id = $2 AND seen_at < $1', [at, id]);
    },
    async remove(id) {
      await pool.query('DELETE FROM mcp_sessions WHERE id = $1', [id]);
    },
    async prune(before, tokenIds = []) {
      return (await pool.query('DELETE FROM mcp_sessions WHERE seen_at < $1 OR token_id = ANY($2::text[])', [before, [...tokenIds]])).rowCount ?? 0;
    },
  };
}
