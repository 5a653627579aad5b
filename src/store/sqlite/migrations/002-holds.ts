/**
 * Operators and their second factor, rate limiting of failed attempts, webhook deliveries, and
 * the indexes the hold scheduler polls by. The schedule itself is the holds table: a hold in
 * `scheduled` with its `run_at`, claimed by a compare-and-set on its status.
 */
export const holds = {
  id: '002-holds',
  sql: `
    CREATE TABLE operators (
      name TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      totp_secret TEXT NOT NULL,
      password_hash TEXT,
      last_approval_at TEXT
    );
    CREATE TABLE operator_codes (
      operator TEXT NOT NULL,
      step INTEGER NOT NULL,
      used_at TEXT NOT NULL,
      PRIMARY KEY (operator, step)
    );
    CREATE TABLE failed_attempts (
      subject TEXT NOT NULL,
      at TEXT NOT NULL,
      reason TEXT NOT NULL
    );
    CREATE INDEX failed_attempts_subject ON failed_attempts (subject, at);
    CREATE INDEX holds_expiry ON holds (status, expires_at);
    CREATE INDEX holds_schedule ON holds (status, run_at);
    CREATE TABLE deliveries (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      webhook TEXT NOT NULL,
      event TEXT NOT NULL,
      hold_id TEXT,
      audit_seq INTEGER NOT NULL,
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
      seq INTEGER NOT NULL
    );
  `,
};
