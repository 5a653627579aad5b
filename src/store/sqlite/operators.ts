import { StoreConflictError, type FailedAttemptRepository, type OperatorRepository } from '../store.js';
import { toOperator, type OperatorRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteOperators(db: SqliteDatabase, write: Write): OperatorRepository {
  const select = db.prepare<[string], OperatorRow>('SELECT * FROM operators WHERE name = ?');
  const selectAll = db.prepare<[], OperatorRow>('SELECT * FROM operators ORDER BY name');
  const insert = db.prepare('INSERT INTO operators (name, created_at, totp_secret, password_hash) VALUES (?, ?, ?, ?)');
  const setPassword = db.prepare('UPDATE operators SET password_hash = ? WHERE name = ?');
  const useCode = db.prepare('INSERT INTO operator_codes (operator, step, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const touch = db.prepare('UPDATE operators SET last_approval_at = ? WHERE name = ?');
  const prune = db.prepare('DELETE FROM operator_codes WHERE step < ?');
  const remove = db.transaction((name: string) => {
    db.prepare('DELETE FROM operator_codes WHERE operator = ?').run(name);
    return db.prepare('DELETE FROM operators WHERE name = ?').run(name).changes > 0;
  });
  return {
    async add(operator) {
      try {
        await write(() => insert.run(operator.name, operator.createdAt, operator.totpSecretSealed, operator.passwordHash ?? null));
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new StoreConflictError(`an operator named "${operator.name}" is already enrolled (remove it first to enrol again)`);
        }
        throw error;
      }
    },
    async get(name) {
      const row = select.get(name);
      return row ? toOperator(row) : undefined;
    },
    async list() {
      return selectAll.all().map(toOperator);
    },
    async remove(name) {
      return write(() => remove.immediate(name));
    },
    async setPasswordHash(name, hash) {
      return (await write(() => setPassword.run(hash ?? null, name))).changes > 0;
    },
    async useCode(name, step, at) {
      return (await write(() => useCode.run(name, step, at))).changes > 0;
    },
    async recordApproval(name, at) {
      await write(() => touch.run(at, name));
    },
    async pruneCodes(beforeStep) {
      await write(() => prune.run(beforeStep));
    },
  };
}

export function sqliteFailedAttempts(db: SqliteDatabase, write: Write): FailedAttemptRepository {
  const insert = db.prepare('INSERT INTO failed_attempts (subject, at, reason) VALUES (?, ?, ?)');
  const since = db.prepare<[string, string], { count: number; oldest: string | null }>(
    'SELECT count(*) AS count, min(at) AS oldest FROM failed_attempts WHERE subject = ? AND at > ?',
  );
  const prune = db.prepare('DELETE FROM failed_attempts WHERE at <= ?');
  return {
    async record(subject, at, reason) {
      await write(() => insert.run(subject, at, reason));
    },
    async since(subject, from) {
      const row = since.get(subject, from)!;
      return { count: row.count, oldest: row.oldest ?? undefined };
    },
    async prune(before) {
      await write(() => prune.run(before));
    },
  };
}
