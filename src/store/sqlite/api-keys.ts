import type { ApiKeyRepository } from '../store.js';
import { toApiKey, type ApiKeyRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteApiKeys(db: SqliteDatabase, write: Write): ApiKeyRepository {
  const select = db.prepare<[string], ApiKeyRow>('SELECT * FROM operator_api_keys WHERE id = ?');
  const insert = db.prepare('INSERT INTO operator_api_keys (id, operator, hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const revoke = db.prepare('UPDATE operator_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const used = db.prepare('UPDATE operator_api_keys SET used_at = ? WHERE id = ?');
  return {
    async insert(key) {
      await write(() => insert.run(key.id, key.operator, key.hash, key.label ?? null, key.createdAt, key.expiresAt ?? null));
    },
    async get(id) {
      const row = select.get(id);
      return row ? toApiKey(row) : undefined;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.operator) {
        where.push('operator = ?');
        params.push(filter.operator);
      }
      if (!filter.includeRevoked) where.push('revoked_at IS NULL');
      const sql = `SELECT * FROM operator_api_keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`;
      return db
        .prepare<string[], ApiKeyRow>(sql)
        .all(...params)
        .map(toApiKey);
    },
    async revoke(id, at) {
      await write(() => revoke.run(at, id));
      const row = select.get(id);
      return row ? toApiKey(row) : undefined;
    },
    async markUsed(id, at) {
      await write(() => used.run(at, id));
    },
  };
}
