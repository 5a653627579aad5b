import type { SessionRepository } from '../store.js';
import { toSession, type SessionRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteSessions(db: SqliteDatabase, write: Write): SessionRepository {
  const select = db.prepare<[string], SessionRow>('SELECT * FROM console_sessions WHERE id = ?');
  const insert = db.prepare('INSERT INTO console_sessions (id, operator, csrf, created_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const touch = db.prepare('UPDATE console_sessions SET seen_at = ? WHERE id = ? AND ended_at IS NULL');
  const end = db.prepare('UPDATE console_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL');
  const endAll = db.prepare('UPDATE console_sessions SET ended_at = ? WHERE operator = ? AND ended_at IS NULL');
  const prune = db.prepare('DELETE FROM console_sessions WHERE expires_at < ? OR ended_at < ?');
  return {
    async insert(session) {
      await write(() => insert.run(session.id, session.operator, session.csrf, session.createdAt, session.seenAt, session.expiresAt));
    },
    async get(id) {
      const row = select.get(id);
      return row ? toSession(row) : undefined;
    },
    async touch(id, at) {
      await write(() => touch.run(at, id));
    },
    async end(id, at) {
      await write(() => end.run(at, id));
    },
    async endAll(operator, at) {
      return (await write(() => endAll.run(at, operator))).changes;
    },
    async prune(before) {
      return (await write(() => prune.run(before, before))).changes;
    },
  };
}
