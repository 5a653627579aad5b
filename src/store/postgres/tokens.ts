import type { TokenRecord } from '../records.js';
import type { TokenRepository } from '../store.js';
import { tokenValues, toToken, type TokenRow } from '../rows.js';
import type { ChangeCache } from './cache.js';
import type { PostgresPool } from './database.js';

export function postgresTokens(pool: PostgresPool, cache: ChangeCache): TokenRepository {
  const cached = cache.of<TokenRecord | undefined>();
  const select = async (id: string) => {
    const row = (await pool.query<TokenRow>('SELECT * FROM tokens WHERE id = $1', [id])).rows[0];
    return row ? toToken(row) : undefined;
  };
  return {
    async insert(token) {
      await pool.query('INSERT INTO tokens (id, agent, hash, scopes, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', tokenValues(token));
      cache.changed();
    },
    get: (id) => cached(id, () => select(id)),
    async list(filter = {}) {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.agent) {
        params.push(filter.agent);
        where.push(`agent = $${params.length}`);
      }
      if (!filter.includeRevoked) where.push('revoked_at IS NULL');
      const sql = `SELECT * FROM tokens ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`;
      return (await pool.query<TokenRow>(sql, params)).rows.map(toToken);
    },
    async revoke(id, at) {
      await pool.query('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      cache.changed();
      return select(id);
    },
  };
}
