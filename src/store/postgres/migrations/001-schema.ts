/**
 * The schema of SQLite's migrations 001–006, written for PostgreSQL. Times stay ISO 8601 text,
 * as in SQLite, so that both stores compare and order them the same way; bodies stay text, since
 * an audit record's hash is over its exact bytes. The audit table carries the columns that
 * budgets and the circuit breaker filter on, instead of reaching into the JSON.
 */
export const schema = {
  id: '001-schema',
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
    CREATE INDEX holds_expiry ON holds (status, expires_at);
    CREATE INDEX holds_schedule ON holds (status, run_at);
    CREATE TABLE audit (
      seq BIGINT PRIMARY KEY,
      at TEXT NOT NULL,
      type TEXT NOT NULL,
      agent TEXT,
      verdict TEXT,
      class TEXT,
      hold_id TEXT,
      body TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX audit_agent ON audit (agent, seq);
    CREATE INDEX audit_type ON audit (type, seq);
    CREATE INDEX audit_allowed_by_class ON audit (agent, class, at)
      WHERE (type = 'decision' AND verdict = 'allow') OR type = 'hold.running';
    CREATE INDEX audit_decisions_by_time ON audit (agent, at, verdict) WHERE type = 'decision';
    CREATE INDEX audit_agent_state ON audit (agent, seq)
      WHERE type IN ('agent.suspended', 'agent.resumed', 'stop.agent', 'agent.added');
    -- The chain head, one row: appends lock it (and an advisory lock) so that replicas chain
    -- one after another, and read the previous hash here instead of searching the log.
    CREATE TABLE audit_head (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq BIGINT NOT NULL,
      hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
    CREATE TABLE operators (
      name TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      totp_secret TEXT NOT NULL,
      password_hash TEXT,
      last_approval_at TEXT
    );
    CREATE TABLE operator_codes (
      operator TEXT NOT NULL,
      step BIGINT NOT NULL,
      used_at TEXT NOT NULL,
      PRIMARY KEY (operator, step)
    );
    CREATE TABLE failed_attempts (
      subject TEXT NOT NULL,
      at TEXT NOT NULL,
      reason TEXT NOT NULL
    );
    CREATE INDEX failed_attempts_subject ON failed_attempts (subject, at);
    CREATE TABLE deliveries (
      id BIGSERIAL PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      webhook TEXT NOT NULL,
      event TEXT NOT NULL,
      hold_id TEXT,
      audit_seq BIGINT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT NOT NULL,
      leased_until TEXT,
      last_error TEXT,
      created_at TEXT NOT NULL,
      delivered_at TEXT,
      payload TEXT NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
    CREATE INDEX deliveries_hold ON deliveries (hold_id);
    CREATE TABLE notifier_cursor (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq BIGINT NOT NULL
    );
    CREATE TABLE baselines (
      agent TEXT PRIMARY KEY,
      updated_at TEXT NOT NULL,
      body TEXT NOT NULL
    );
    CREATE TABLE console_sessions (
      id TEXT PRIMARY KEY,
      operator TEXT NOT NULL,
      csrf TEXT NOT NULL,
      created_at TEXT NOT NULL,
      seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      ended_at TEXT
    );
    CREATE INDEX console_sessions_operator ON console_sessions (operator);
    CREATE TABLE operator_api_keys (
      id TEXT PRIMARY KEY,
      operator TEXT NOT NULL,
      hash TEXT NOT NULL,
      label TEXT,
      created_at TEXT NOT NULL,
      expires_at TEXT,
      revoked_at TEXT,
      used_at TEXT
    );
    CREATE INDEX operator_api_keys_operator ON operator_api_keys (operator);
  `,
};
