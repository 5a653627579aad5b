import { randomUUID } from 'node:crypto';
import type { BudgetClaimRepository } from '../store.js';
import { inTransaction, type PostgresPool } from './database.js';

export function postgresBudgetClaims(pool: PostgresPool): BudgetClaimRepository {
  return {
    claim(request) {
      return inTransaction(pool, async (client) => {
        // One lock per agent and class, held to the commit: the count and the insert are one step
        // for every replica, and claims for other agents or classes do not wait for it.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('airlock.budget:' || $1 || ':' || $2))", [request.agent, request.operationClass]);
        await client.query('DELETE FROM budget_claims WHERE agent = $1 AND class = $2 AND expires_at <= $3', [
          request.agent,
          request.operationClass,
          request.at,
        ]);
        const used = (
          await client.query<{ n: number }>(
            `SELECT (SELECT count(*) FROM (SELECT 1 FROM audit
                      WHERE ((type = 'decision' AND verdict = 'allow') OR type = 'hold.running')
                        AND agent = $1 AND class = $2 AND at > $3 LIMIT $4) AS ran)
                  + (SELECT count(*) FROM budget_claims WHERE agent = $1 AND class = $2) AS n`,
            [request.agent, request.operationClass, request.since, request.limit],
          )
        ).rows[0]!.n;
        if (used >= request.limit) return undefined;
        const id = randomUUID();
        await client.query('INSERT INTO budget_claims (id, agent, class, at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
          id,
          request.agent,
          request.operationClass,
          request.at,
          request.expiresAt,
        ]);
        return id;
      });
    },
    async release(id) {
      await pool.query('DELETE FROM budget_claims WHERE id = $1', [id]);
    },
  };
}
