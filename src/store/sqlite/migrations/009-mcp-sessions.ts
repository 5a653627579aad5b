/** Agents' MCP sessions, shared so that a client sent to another replica keeps its session (store.ts, McpSessionRepository). */
export const mcpSessionsMigration = {
  id: '009-mcp-sessions',
  sql: `
    CREATE TABLE mcp_sessions (
      id TEXT PRIMARY KEY,
      token_id TEXT NOT NULL,
      agent TEXT NOT NULL,
      initialize TEXT NOT NULL,
      created_at TEXT NOT NULL,
      seen_at TEXT NOT NULL
    );
    CREATE INDEX mcp_sessions_seen ON mcp_sessions (seen_at);
    CREATE INDEX mcp_sessions_token ON mcp_sessions (token_id);
  `,
};
