import type { ActivityRepository } from '../store.js';
import type { SqliteDatabase } from './database.js';

interface RefusalRow {
  seq: number;
  at: string;
  verdict: 'deny' | 'hold';
  code: string | null;
  action: string | null;
  class: string | null;
  digest: string | null;
  token: string | null;
  holdId: string | null;
}

/** Reads the audit table through the indexes of migration 003-baseline. */
export function sqliteActivity(db: SqliteDatabase): ActivityRepository {
  // One row, however large the budget: the index walk stops at the n-th entry.
  const nthAllowed = db.prepare<[string, string, string, number], { at: string }>(
    `SELECT at FROM audit
      WHERE ((type = 'decision' AND verdict = 'allow') OR type = 'hold.running')
        AND agent = ? AND class = ? AND at > ?
      ORDER BY at DESC LIMIT 1 OFFSET ?`,
  );
  // A count, not the rows: the index walk of a busy agent's slice stays inside SQLite.
  const decisionCount = db
    .prepare<[string, string, string], number>(`SELECT count(*) FROM audit WHERE type = 'decision' AND agent = ? AND at >= ? AND at < ?`)
    .pluck();
  const lastStateChange = db.prepare<[string], { seq: number | null }>(
    `SELECT max(seq) AS seq FROM audit WHERE agent = ? AND type IN ('agent.suspended', 'agent.resumed', 'stop.agent', 'agent.added')`,
  );
  // "+seq": the agent-and-time index is the selective one; the type-and-seq index is not.
  // A hold that a human approved (or that ran) is not a refusal.
  const refusals = db.prepare<[string, string, number], RefusalRow>(
    `SELECT a.seq, a.at, a.verdict, json_extract(a.body, '$.code') AS code, json_extract(a.body, '$.action') AS action, json_extract(a.body, '$.class') AS class,
            json_extract(a.body, '$.digest') AS digest, json_extract(a.body, '$.token') AS token, json_extract(a.body, '$.holdId') AS holdId
       FROM audit a LEFT JOIN holds h ON a.verdict = 'hold' AND h.id = json_extract(a.body, '$.holdId')
      WHERE a.type = 'decision' AND a.agent = ? AND a.at > ? AND a.verdict IN ('deny', 'hold') AND +a.seq > ?
        AND (h.status IS NULL OR h.status NOT IN ('approved', 'scheduled', 'executed'))
      ORDER BY a.seq`,
  );
  return {
    async nthAllowedSince(agent, operationClass, since, n) {
      if (n < 1) throw new RangeError('n counts from 1');
      return nthAllowed.get(agent, operationClass, since, n - 1)?.at;
    },
    async countDecisions(agent, from, to) {
      return decisionCount.get(agent, from, to) ?? 0;
    },
    async refusalsSince(agent, since) {
      const after = lastStateChange.get(agent)?.seq ?? 0;
      return refusals.all(agent, since, after).map((row) => ({
        seq: row.seq,
        at: row.at,
        verdict: row.verdict,
        code: row.code ?? undefined,
        action: row.action ?? undefined,
        class: row.class ?? undefined,
        digest: row.digest ?? undefined,
        token: row.token ?? undefined,
        holdId: row.holdId ?? undefined,
      }));
    },
  };
}
