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
      name TEXT COLLATE "C" PRIMARY KEY,
      state TEXT COLLATE "C" NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'stopped')),
      state_reason TEXT COLLATE "C",
      description TEXT COLLATE "C",
      created_at TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE tokens (
      id TEXT COLLATE "C" PRIMARY KEY,
      agent TEXT COLLATE "C" NOT NULL,
      hash TEXT COLLATE "C" NOT NULL,
      scopes TEXT COLLATE "C" NOT NULL,
      label TEXT COLLATE "C",
      created_at TEXT COLLATE "C" NOT NULL,
      expires_at TEXT COLLATE "C" NOT NULL,
      revoked_at TEXT COLLATE "C"
    );
    CREATE INDEX tokens_agent ON tokens (agent);
    CREATE TABLE control (
      key TEXT COLLATE "C" PRIMARY KEY,
      value TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE holds (
      id TEXT COLLATE "C" PRIMARY KEY,
      status TEXT COLLATE "C" NOT NULL,
      agent TEXT COLLATE "C" NOT NULL,
      created_at TEXT COLLATE "C" NOT NULL,
      expires_at TEXT COLLATE "C" NOT NULL,
      run_at TEXT COLLATE "C",
      body TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX holds_status ON holds (status, created_at);
    CREATE INDEX holds_expiry ON holds (status, expires_at);
    CREATE INDEX holds_schedule ON holds (status, run_at);
    CREATE TABLE audit (
      seq BIGINT PRIMARY KEY,
      at TEXT COLLATE "C" NOT NULL,
      type TEXT COLLATE "C" NOT NULL,
      agent TEXT COLLATE "C",
      verdict TEXT COLLATE "C",
      class TEXT COLLATE "C",
      hold_id TEXT COLLATE "C",
      body TEXT COLLATE "C" NOT NULL,
      hash TEXT COLLATE "C" NOT NULL
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
      hash TEXT COLLATE "C" NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
    CREATE TABLE operators (
      name TEXT COLLATE "C" PRIMARY KEY,
      created_at TEXT COLLATE "C" NOT NULL,
      totp_secret TEXT COLLATE "C" NOT NULL,
      password_hash TEXT COLLATE "C",
      last_approval_at TEXT COLLATE "C"
    );
    CREATE TABLE operator_codes (
      operator TEXT COLLATE "C" NOT NULL,
      step BIGINT NOT NULL,
      used_at TEXT COLLATE "C" NOT NULL,
      PRIMARY KEY (operator, step)
    );
    CREATE TABLE failed_attempts (
      subject TEXT COLLATE "C" NOT NULL,
      at TEXT COLLATE "C" NOT NULL,
      reason TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX failed_attempts_subject ON failed_attempts (subject, at);
    CREATE TABLE deliveries (
      id BIGSERIAL PRIMARY KEY,
      key TEXT COLLATE "C" NOT NULL UNIQUE,
      webhook TEXT COLLATE "C" NOT NULL,
      event TEXT COLLATE "C" NOT NULL,
      hold_id TEXT COLLATE "C",
      audit_seq BIGINT NOT NULL,
      status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT COLLATE "C" NOT NULL,
      leased_until TEXT COLLATE "C",
      last_error TEXT COLLATE "C",
      created_at TEXT COLLATE "C" NOT NULL,
      delivered_at TEXT COLLATE "C",
      payload TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
    CREATE INDEX deliveries_hold ON deliveries (hold_id);
    CREATE TABLE notifier_cursor (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq BIGINT NOT NULL
    );
    CREATE TABLE baselines (
      agent TEXT COLLATE "C" PRIMARY KEY,
      updated_at TEXT COLLATE "C" NOT NULL,
      body TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE console_sessions (
      id TEXT COLLATE "C" PRIMARY KEY,
      operator TEXT COLLATE "C" NOT NULL,
      csrf TEXT COLLATE "C" NOT NULL,
      created_at TEXT COLLATE "C" NOT NULL,
      seen_at TEXT COLLATE "C" NOT NULL,
      expires_at TEXT COLLATE "C" NOT NULL,
      ended_at TEXT COLLATE "C"
    );
    CREATE INDEX console_sessions_operator ON console_sessions (operator);
    CREATE TABLE operator_api_keys (
      id TEXT COLLATE "C" PRIMARY KEY,
      operator TEXT COLLATE "C" NOT NULL,
      hash TEXT COLLATE "C" NOT NULL,
      label TEXT COLLATE "C",
      created_at TEXT COLLATE "C" NOT NULL,
      expires_at TEXT COLLATE "C",
      revoked_at TEXT COLLATE "C",
      used_at TEXT COLLATE "C"
    );
    CREATE INDEX operator_api_keys_operator ON operator_api_keys (operator);
  `,
};
