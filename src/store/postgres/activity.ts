import type { ActivityRepository } from '../store.js';
import type { PostgresPool } from './database.js';

interface RefusalRow {
  seq: number;
  at: string;
  verdict: 'deny' | 'hold';
  body: string;
}

/** Reads the audit table through the partial indexes of migration 001-schema. */
export function postgresActivity(pool: PostgresPool): ActivityRepository {
  return {
    async nthAllowedSince(agent, operationClass, since, n) {
      if (n < 1) throw new RangeError('n counts from 1');
      const row = (
        await pool.query<{ at: string }>(
          `SELECT at FROM audit
            WHERE ((type = 'decision' AND verdict = 'allow') OR type = 'hold.running')
              AND agent = $1 AND class = $2 AND at > $3
            ORDER BY at DESC LIMIT 1 OFFSET $4`,
          [agent, operationClass, since, n - 1],
        )
      ).rows[0];
      return row?.at;
    },
    async countDecisions(agent, from, to) {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit WHERE type = 'decision' AND agent = $1 AND at >= $2 AND at < $3`, [
        agent,
        from,
        to,
      ]);
      return Number(rows[0]?.n ?? 0);
    },
    async refusalsSince(agent, since) {
      // A hold that a human approved (or that ran) is not a refusal.
      const rows = (
        await pool.query<RefusalRow>(
          `SELECT a.seq, a.at, a.verdict, a.body
             FROM audit a LEFT JOIN holds h ON a.verdict = 'hold' AND h.id = a.hold_id
            WHERE a.type = 'decision' AND a.agent = $1 AND a.at > $2 AND a.verdict IN ('deny', 'hold')
              AND a.seq > coalesce((SELECT max(seq) FROM audit
                                     WHERE agent = $1 AND type IN ('agent.suspended', 'agent.resumed', 'stop.agent', 'agent.added')), 0)
              AND (h.status IS NULL OR h.status NOT IN ('approved', 'scheduled', 'executed'))
            ORDER BY a.seq`,
          [agent, since],
        )
      ).rows;
      return rows.map((row) => {
        const body = JSON.parse(row.body) as { code?: string; action?: string; class?: string; digest?: string; token?: string; holdId?: string };
        return {
          seq: row.seq,
          at: row.at,
          verdict: row.verdict,
          code: body.code,
          action: body.action,
          class: body.class,
          digest: body.digest,
          token: body.token,
          holdId: body.holdId,
        };
      });
    },
  };
}
