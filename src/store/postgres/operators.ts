import { StoreConflictError, type FailedAttemptRepository, type OperatorRepository } from '../store.js';
import { toOperator, type OperatorRow } from '../rows.js';
import { isUniqueViolation } from './agents.js';
import { inTransaction, type PostgresPool } from './database.js';

export function postgresOperators(pool: PostgresPool): OperatorRepository {
  return {
    async add(operator) {
      try {
        await pool.query('INSERT INTO operators (name, created_at, totp_secret, password_hash) VALUES ($1, $2, $3, $4)', [
          operator.name,
          operator.createdAt,
          operator.totpSecretSealed,
          operator.passwordHash ?? null,
        ]);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreConflictError(`an operator named "${operator.name}" is already enrolled (remove it first to enrol again)`);
        }
        throw error;
      }
    },
    async get(name) {
      const row = (await pool.query<OperatorRow>('SELECT * FROM operators WHERE name = $1', [name])).rows[0];
      return row ? toOperator(row) : undefined;
    },
    async list() {
      return (await pool.query<OperatorRow>('SELECT * FROM operators ORDER BY name')).rows.map(toOperator);
    },
    remove(name) {
      return inTransaction(pool, async (client) => {
        await client.query('DELETE FROM operator_codes WHERE operator = $1', [name]);
        return ((await client.query('DELETE FROM operators WHERE name = $1', [name])).rowCount ?? 0) > 0;
      });
    },
    async setPasswordHash(name, hash) {
      return ((await pool.query('UPDATE operators SET password_hash = $1 WHERE name = $2', [hash ?? null, name])).rowCount ?? 0) > 0;
    },
    async useCode(name, step, at) {
      // The primary key decides which replica saw the code first; the loser inserts nothing.
      const inserted = await pool.query('INSERT INTO operator_codes (operator, step, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [name, step, at]);
      return (inserted.rowCount ?? 0) > 0;
    },
    async recordApproval(name, at) {
      await pool.query('UPDATE operators SET last_approval_at = $1 WHERE name = $2', [at, name]);
    },
    async pruneCodes(beforeStep) {
      await pool.query('DELETE FROM operator_codes WHERE step < $1', [beforeStep]);
    },
  };
}

export function postgresFailedAttempts(pool: PostgresPool): FailedAttemptRepository {
  return {
    async record(subject, at, reason) {
      await pool.query('INSERT INTO failed_attempts (subject, at, reason) VALUES ($1, $2, $3)', [subject, at, reason]);
    },
    async since(subject, from) {
      const row = (
        await pool.query<{ count: number; oldest: string | null }>(
          'SELECT count(*) AS count, min(at) AS oldest FROM failed_attempts WHERE subject = $1 AND at > $2',
          [subject, from],
        )
      ).rows[0]!;
      return { count: row.count, oldest: row.oldest ?? undefined };
    },
    async prune(before) {
      await pool.query('DELETE FROM failed_attempts WHERE at <= $1', [before]);
    },
  };
}
