import type { ApiKeyRepository, SessionRepository } from '../store.js';
import { toApiKey, toSession, type ApiKeyRow, type SessionRow } from '../rows.js';
import type { PostgresPool } from './database.js';

/** The console's sign-in state, shared by every replica: an operator signed in on one is signed in on all. */
export function postgresSessions(pool: PostgresPool): SessionRepository {
  return {
    async insert(session) {
      await pool.query('INSERT INTO console_sessions (id, operator, csrf, created_at, seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        session.id,
        session.operator,
        session.csrf,
        session.createdAt,
        session.seenAt,
        session.expiresAt,
      ]);
    },
    async get(id) {
      const row = (await pool.query<SessionRow>('SELECT * FROM console_sessions WHERE id = $1', [id])).rows[0];
      return row ? toSession(row) : undefined;
    },
    async touch(id, at) {
      await pool.query('UPDATE console_sessions SET seen_at = $1 WHERE id = $2 AND ended_at IS NULL', [at, id]);
    },
    async end(id, at) {
      await pool.query('UPDATE console_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL', [at, id]);
    },
    async endAll(operator, at) {
      return (await pool.query('UPDATE console_sessions SET ended_at = $1 WHERE operator = $2 AND ended_at IS NULL', [at, operator])).rowCount ?? 0;
    },
    async prune(before) {
      return (await pool.query('DELETE FROM console_sessions WHERE expires_at < $1 OR ended_at < $1', [before])).rowCount ?? 0;
    },
  };
}

export function postgresApiKeys(pool: PostgresPool): ApiKeyRepository {
  const select = async (id: string) => {
    const row = (await pool.query<ApiKeyRow>('SELECT * FROM operator_api_keys WHERE id = $1', [id])).rows[0];
    return row ? toApiKey(row) : undefined;
  };
  return {
    async insert(key) {
      await pool.query('INSERT INTO operator_api_keys (id, operator, hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        key.id,
        key.operator,
        key.hash,
        key.label ?? null,
        key.createdAt,
        key.expiresAt ?? null,
      ]);
    },
    get: select,
    async list(filter = {}) {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.operator) {
        params.push(filter.operator);
        where.push(`operator = $${params.length}`);
      }
      if (!filter.includeRevoked) where.push('revoked_at IS NULL');
      const sql = `SELECT * FROM operator_api_keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`;
      return (await pool.query<ApiKeyRow>(sql, params)).rows.map(toApiKey);
    },
    async revoke(id, at) {
      await pool.query('UPDATE operator_api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      return select(id);
    },
    async markUsed(id, at) {
      await pool.query('UPDATE operator_api_keys SET used_at = $1 WHERE id = $2', [at, id]);
    },
  };
}
