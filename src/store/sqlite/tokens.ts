import type { TokenRecord } from '../records.js';
import type { TokenRepository } from '../store.js';
import { tokenValues, toToken, type TokenRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';
import type { EpochCache } from './epoch-cache.js';

export function sqliteTokens(db: SqliteDatabase, cache: EpochCache, write: Write): TokenRepository {
  const cached = cache.of<TokenRecord | undefined>();
  const select = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?');
  const insert = db.prepare('INSERT INTO tokens (id, agent, hash, scopes, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  return {
    async insert(token) {
      await write(() => insert.run(...tokenValues(token)));
      cache.changed();
    },
    async get(id) {
      return cached(id, () => {
        const row = select.get(id);
        return row ? toToken(row) : undefined;
      });
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.agent) {
        where.push('agent = ?');
        params.push(filter.agent);
      }
      if (!filter.includeRevoked) where.push('revoked_at IS NULL');
      const sql = `SELECT * FROM tokens ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`;
      return db
        .prepare<string[], TokenRow>(sql)
        .all(...params)
        .map(toToken);
    },
    async revoke(id, at) {
      await write(() => revoke.run(at, id));
      cache.changed();
      const row = select.get(id);
      return row ? toToken(row) : undefined;
    },
  };
}
