export const foundation = {
  id: '001-foundation',
  sql: `
    CREATE TABLE agents (
      name TEXT PRIMARY KEY,
      state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'stopped')),
      state_reason TEXT,
      description TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE tokens (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      hash TEXT NOT NULL,
      scopes TEXT NOT NULL,
      label TEXT,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      revoked_at TEXT
    );
    CREATE INDEX tokens_agent ON tokens (agent);
    CREATE TABLE control (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE holds (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      agent TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      run_at TEXT,
      body TEXT NOT NULL
    );
    CREATE INDEX holds_status ON holds (status, created_at);
    CREATE TABLE audit (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      type TEXT NOT NULL,
      agent TEXT,
      verdict TEXT,
      body TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX audit_agent ON audit (agent, seq);
    CREATE INDEX audit_type ON audit (type, seq);
  `,
};
