/**
 * The console's sign-in state: operators' browser sessions and the API keys the CLI uses
 * against a remote Airlock. (Password hashes live with the operator, in 002-holds.) Secrets are
 * stored only as hashes: a copy of the database gives no way in.
 */
export const consoleMigration = {
  id: '004-console',
  sql: `
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
