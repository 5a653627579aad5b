import { randomUUID } from 'node:crypto';
import type { BudgetClaimRepository, BudgetClaimRequest } from '../store.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteBudgetClaims(db: SqliteDatabase, write: Write): BudgetClaimRepository {
  // At most `limit` rows are read however large the budget: the walk stops there.
  const ran = db.prepare<[string, string, string, number], { n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM audit
      WHERE ((type = 'decision' AND verdict = 'allow') OR type = 'hold.running')
        AND agent = ? AND class = ? AND at > ? LIMIT ?)`,
  );
  const held = db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM budget_claims WHERE agent = ? AND class = ? AND expires_at > ?');
  const insert = db.prepare('INSERT INTO budget_claims (id, agent, class, at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const expired = db.prepare('DELETE FROM budget_claims WHERE expires_at <= ?');
  const release = db.prepare('DELETE FROM budget_claims WHERE id = ?');
  const claim = db.transaction((request: BudgetClaimRequest): string | undefined => {
    expired.run(request.at);
    const used =
      ran.get(request.agent, request.operationClass, request.since, request.limit)!.n + held.get(request.agent, request.operationClass, request.at)!.n;
    if (used >= request.limit) return undefined;
    const id = randomUUID();
    insert.run(id, request.agent, request.operationClass, request.at, request.expiresAt);
    return id;
  });
  return {
    // IMMEDIATE: the count and the insert under the write lock, so two processes cannot both take the last unit.
    claim: (request) => write(() => claim.immediate(request)),
    async release(id) {
      await write(() => release.run(id));
    },
  };
}
